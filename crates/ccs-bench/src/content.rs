//! The content the scenarios add: incompressible, deterministic from a seed,
//! so every run adds blocks no earlier run stored.

use std::io::Write;
use std::path::Path;

/// Deterministic incompressible bytes, written in chunks (flat memory).
pub(crate) fn write_random_file(path: &Path, seed: u64, len: u64) {
    let mut f =
        std::io::BufWriter::new(std::fs::File::create(path).unwrap_or_else(|e| panic!("{e}")));
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut buf = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        for chunk in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = x.to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        let n = left.min(buf.len() as u64) as usize;
        f.write_all(&buf[..n]).unwrap_or_else(|e| panic!("{e}"));
        left -= n as u64;
    }
    f.flush().unwrap_or_else(|e| panic!("{e}"));
}

pub(crate) fn write_folder(root: &Path, seed: u64, files: usize) {
    for i in 0..files {
        let dir = root.join(format!("d{:03}", i % 200));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let size = 4096 + ((i as u64 * 7919 + seed) % (60 * 1024));
        write_random_file(
            &dir.join(format!("f{i:06}.bin")),
            seed * 1_000_003 + i as u64,
            size,
        );
    }
}

/// The pinset's items as files: `items` files of `len` bytes in 200
/// folders, each different (so each is a block of its own).
pub(crate) fn write_pinset_files(root: &Path, items: usize, len: usize) {
    let mut buf = vec![0u8; len];
    for i in 0..items {
        let dir = root.join(format!("d{:03}", i % 200));
        if i < 200 {
            std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        }
        let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for chunk in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = x.to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        std::fs::write(dir.join(format!("p{i:06}.bin")), &buf).unwrap_or_else(|e| panic!("{e}"));
    }
}
