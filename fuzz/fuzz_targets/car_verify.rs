//! Verified CAR unpacking over arbitrary bytes: never panics, and never
//! reports success for a root it did not receive.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The root the unpacker expects: a CIDv1 raw block of the first 16 bytes,
    // so inputs can also contain a matching block.
    let (head, car) = data.split_at(data.len().min(16));
    let mh = cid::multihash::Multihash::<64>::wrap(0x00, head).expect("small");
    let root = cid::Cid::new_v1(0x55, mh);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let result = rt.block_on(ccs_core::content::retrieve::unpack_car(car, &root, &out, "http://fuzz", |_| {}));
    if let Ok(done) = result {
        // Only the 16-byte head can be the root's content.
        assert!(done.progress.bytes <= 16, "unpacked more than the root holds: {done:?}");
    }
});
