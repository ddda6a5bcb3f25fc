//! Any text given as a node file: parsing never panics, and whatever parses
//! renders to a file that parses back to the same node.
#![no_main]

use ccs_core::deploy::compose::NodeFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(node) = NodeFile::parse(text) {
        let again = NodeFile::parse(&node.render()).expect("a rendered file parses");
        assert_eq!(again, node);
    }
});
