//! Any bytes given as a sealed invitation: opening never panics and never
//! returns something that is not a node file.
#![no_main]

use ccs_core::deploy::compose::NodeFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = ccs_core::deploy::invite::open(data, "fuzzing passphrase") {
        assert!(NodeFile::parse(&text).is_ok());
    }
});
