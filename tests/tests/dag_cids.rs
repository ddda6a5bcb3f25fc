//! DAGs built on this computer (`ccs_core::content::dag`) give exactly the
//! CIDs the kubo we deploy gives with the same settings (`ipfs add
//! --only-hash`, its defaults and `--cid-version=1`): files at the chunk
//! edges, a file two levels deep, 1 GiB, nested folders with Unicode and NFD
//! names, empty files and folders, links, and a 20,000-entry folder, which
//! kubo shards.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use ccs_core::content::dag::{self, CHUNK_SIZE, CidSettings, FILE_LINKS};
use ccs_tests::pseudo_random;

/// kubo's `ipfs`, with a repository of its own for `--only-hash`.
struct Kubo {
    bin: PathBuf,
    repo: tempfile::TempDir,
}

impl Kubo {
    fn new() -> Self {
        let bins =
            ccs_testnet::daemons::ensure_installed(&ccs_testnet::daemons::cache_dir(), |m| {
                eprintln!("{m}")
            })
            .unwrap();
        let repo = tempfile::tempdir().unwrap();
        let kubo = Self {
            bin: bins.ipfs,
            repo,
        };
        kubo.run(&["init", "--profile", "test", "--empty-repo"]);
        kubo
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new(&self.bin)
            .args(args)
            .env("IPFS_PATH", self.repo.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "ipfs {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// The CID `ipfs add` gives `path` with `settings`.
    fn cid(&self, path: &Path, settings: CidSettings) -> String {
        let mut args = vec!["add", "--only-hash", "--quieter", "--recursive"];
        if settings == CidSettings::V1RawLeaves {
            args.push("--cid-version=1");
        }
        let path = path.to_str().unwrap();
        args.push(path);
        self.run(&args)
    }
}

const BOTH: [CidSettings; 2] = [CidSettings::V0, CidSettings::V1RawLeaves];

/// Our CID of the file at `path`, with every block checked against its CID.
fn our_file_cid(path: &Path, settings: CidSettings) -> (String, u64) {
    let mut blocks = 0u64;
    let made = dag::file(
        std::fs::File::open(path).unwrap(),
        path,
        settings,
        &mut |cid, bytes| {
            check_block(cid, bytes);
            blocks += 1;
            Ok(())
        },
    )
    .unwrap();
    (made.cid.to_string(), blocks)
}

fn check_block(cid: &cid::Cid, bytes: &[u8]) {
    use sha2::Digest;
    assert_eq!(cid.hash().code(), 0x12);
    assert_eq!(
        cid.hash().digest(),
        sha2::Sha256::digest(bytes).as_slice(),
        "{cid}"
    );
}

fn our_folder_cid(path: &Path, settings: CidSettings) -> (String, u64) {
    let mut files = 0u64;
    let cid = dag::folder(
        path,
        settings,
        &mut |cid, bytes| {
            check_block(cid, bytes);
            Ok(())
        },
        &mut |_, _| files += 1,
    )
    .unwrap();
    (cid.to_string(), files)
}

#[test]
fn files_get_kubos_cids_at_every_size_that_matters() {
    let kubo = Kubo::new();
    let dir = tempfile::tempdir().unwrap();
    let sizes = [
        0,
        1,
        CHUNK_SIZE,
        CHUNK_SIZE + 1,
        // The widest one-level file, and one chunk more: two levels.
        FILE_LINKS * CHUNK_SIZE,
        FILE_LINKS * CHUNK_SIZE + 1,
    ];
    for (i, size) in sizes.into_iter().enumerate() {
        let path = dir.path().join(format!("file-{size}"));
        std::fs::write(&path, pseudo_random(i as u64, size)).unwrap();
        for settings in BOTH {
            let (ours, blocks) = our_file_cid(&path, settings);
            assert_eq!(
                ours,
                kubo.cid(&path, settings),
                "{size} bytes, {settings:?}"
            );
            eprintln!("{size} bytes, {settings:?}: {ours} ({blocks} blocks)");
        }
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn a_gibibyte_file_gets_kubos_cid() {
    let kubo = Kubo::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one-gib.bin");
    let mut f = std::fs::File::create(&path).unwrap();
    for i in 0..1024u64 {
        f.write_all(&pseudo_random(1000 + i, 1 << 20)).unwrap();
    }
    drop(f);
    for settings in BOTH {
        let started = Instant::now();
        let (ours, blocks) = our_file_cid(&path, settings);
        let ours_took = started.elapsed();
        let started = Instant::now();
        let theirs = kubo.cid(&path, settings);
        eprintln!(
            "1 GiB, {settings:?}: ours {ours_took:.2?} ({blocks} blocks), kubo's --only-hash {:.2?}",
            started.elapsed()
        );
        assert_eq!(ours, theirs, "{settings:?}");
    }
}

#[test]
fn folders_get_kubos_cids_names_links_and_empties_included() {
    let kubo = Kubo::new();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("parish box");
    let files = [
        "Caf\u{e9}.txt",           // NFC
        "Nu\u{301}n\u{303}ez.txt", // NFD, kept as its bytes
        "with  two spaces.txt",
        "50% off.txt",
        "empty.txt",
        "sub dir/\u{fc}n\u{ef}c\u{f6}d\u{e9}.txt",
        "sub dir/deeper/scan.tif",
        "\u{65e5}\u{672c}/\u{6587}\u{66f8}.pdf",
    ];
    for (i, name) in files.iter().enumerate() {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let len = match *name {
            "empty.txt" => 0,
            n if n.ends_with(".tif") => 3 * CHUNK_SIZE + 7,
            _ => 100 + i,
        };
        std::fs::write(path, pseudo_random(i as u64, len)).unwrap();
    }
    std::fs::create_dir_all(root.join("empty folder")).unwrap();
    std::fs::create_dir_all(root.join("sub dir/empty too")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("sub dir/deeper/scan.tif", root.join("a link")).unwrap();
    for settings in BOTH {
        let (ours, n) = our_folder_cid(&root, settings);
        assert_eq!(n, files.len() as u64);
        assert_eq!(ours, kubo.cid(&root, settings), "{settings:?}");
    }

    // An empty folder alone.
    let empty = dir.path().join("nothing");
    std::fs::create_dir(&empty).unwrap();
    for settings in BOTH {
        assert_eq!(
            our_folder_cid(&empty, settings).0,
            kubo.cid(&empty, settings)
        );
    }
}

#[test]
fn a_folder_of_20000_entries_is_sharded_as_kubo_shards_it() {
    let kubo = Kubo::new();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("scans");
    std::fs::create_dir(&root).unwrap();
    for i in 0..20_000u64 {
        let name = format!("page {i:05}.txt");
        std::fs::write(root.join(name), pseudo_random(i, 16 + (i % 64) as usize)).unwrap();
    }
    // A sub-folder too, so a shard links a folder as well as files.
    std::fs::create_dir(root.join("notes")).unwrap();
    std::fs::write(root.join("notes/readme.txt"), b"index of the scans").unwrap();
    for settings in BOTH {
        let started = Instant::now();
        let (ours, n) = our_folder_cid(&root, settings);
        let ours_took = started.elapsed();
        assert_eq!(n, 20_001);
        let started = Instant::now();
        let theirs = kubo.cid(&root, settings);
        eprintln!(
            "20,001 files, {settings:?}: ours {ours_took:.2?}, kubo's --only-hash {:.2?}",
            started.elapsed()
        );
        assert_eq!(ours, theirs, "{settings:?}");
    }
}
