//! Building the real daemons from their Go modules into a cache outside the
//! checkout, and finding them again.
//!
//! Each daemon is built with `go install` inside a small wrapper module that
//! requires the pinned version (from `ccs_core::deploy::versions`). Why a wrapper and
//! not `go install MODULE/cmd/X@VERSION`: that form refuses kubo v0.43.1, whose
//! go.mod has a `replace` of go-libp2p by a pre-release fork that the module
//! proxy does not serve. The fork only raised go-libp2p's quic-go and
//! webtransport-go requirements to what kubo v0.43.1 already requires, which is
//! exactly what the released go-libp2p v0.50.0 requires; so kubo is built
//! against go-libp2p v0.50.0 (the only difference from upstream's build, listed
//! in `BUILD_REQUIREMENTS`). IPFS Cluster v1.1.6 has no replace directives and
//! builds with exactly its own requirements.

use std::path::{Path, PathBuf};
use std::process::Command;

use ccs_core::deploy::versions::{self, Daemon};

use crate::TestnetError;

/// Extra module requirements added to a daemon's wrapper module (see above).
const BUILD_REQUIREMENTS: &[(&str, &str)] = &[("kubo", "github.com/libp2p/go-libp2p@v0.50.0")];

/// Paths to the three programs the testnet runs.
#[derive(Debug, Clone)]
pub struct DaemonBins {
    pub ipfs: PathBuf,
    pub cluster_service: PathBuf,
    pub cluster_ctl: PathBuf,
}

/// Where built daemons are kept: `$CCS_DAEMON_CACHE`, else `~/.cache/ccs/daemons`.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CCS_DAEMON_CACHE") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".cache/ccs/daemons")
}

fn daemon_dir(cache: &Path, d: &Daemon) -> PathBuf {
    cache.join(format!("{}-{}", d.name, d.version))
}

fn bin_path(cache: &Path, d: &Daemon, command: &str) -> PathBuf {
    let name = command.rsplit('/').next().unwrap_or(command);
    daemon_dir(cache, d).join(name)
}

/// The binaries if they are already built, else `None`.
pub fn locate(cache: &Path) -> Option<DaemonBins> {
    let bins = DaemonBins {
        ipfs: bin_path(cache, &versions::KUBO, "cmd/ipfs"),
        cluster_service: bin_path(cache, &versions::IPFS_CLUSTER, "cmd/ipfs-cluster-service"),
        cluster_ctl: bin_path(cache, &versions::IPFS_CLUSTER, "cmd/ipfs-cluster-ctl"),
    };
    [&bins.ipfs, &bins.cluster_service, &bins.cluster_ctl]
        .iter()
        .all(|p| p.is_file())
        .then_some(bins)
}

/// Finds the binaries, building any that are missing. Several processes may
/// call this at once; a lock file makes them build one at a time.
pub fn ensure_installed(
    cache: &Path,
    mut log: impl FnMut(&str),
) -> Result<DaemonBins, TestnetError> {
    if let Some(b) = locate(cache) {
        return Ok(b);
    }
    std::fs::create_dir_all(cache)
        .map_err(|e| TestnetError::io("create the daemon cache", cache, e))?;
    let _lock = FileLock::acquire(&cache.join(".install.lock"))?;
    for d in versions::DAEMONS {
        let missing = d.commands.iter().any(|c| !bin_path(cache, &d, c).is_file());
        if missing {
            log(&format!(
                "building {} {} from its Go module (first run only; a few minutes)...",
                d.name, d.version
            ));
            build(cache, &d)?;
        }
    }
    locate(cache).ok_or_else(|| TestnetError::Install {
        detail: "the build finished but the programs are not where expected".into(),
    })
}

fn build(cache: &Path, d: &Daemon) -> Result<(), TestnetError> {
    let go = which("go").ok_or_else(|| TestnetError::Install {
        detail: "Go is not installed: install Go 1.26 or newer (https://go.dev/doc/install) and try again".into(),
    })?;
    let work = cache
        .join("build")
        .join(format!("{}-{}", d.name, d.version));
    std::fs::create_dir_all(&work)
        .map_err(|e| TestnetError::io("create the build folder", &work, e))?;
    std::fs::write(
        work.join("go.mod"),
        format!("module ccs.local/build/{}\n\ngo 1.26\n", d.name),
    )
    .map_err(|e| TestnetError::io("write the build module", &work, e))?;
    let out_dir = daemon_dir(cache, d);
    let run = |args: &[String]| -> Result<(), TestnetError> {
        let output = Command::new(&go)
            .args(args)
            .current_dir(&work)
            .env("GOBIN", &out_dir)
            .env("GOFLAGS", "-mod=mod")
            .env("GOTOOLCHAIN", "local")
            .output()
            .map_err(|e| TestnetError::io("run go", &go, e))?;
        if output.status.success() {
            Ok(())
        } else {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
            Err(TestnetError::Install {
                detail: format!(
                    "`go {}` failed:\n{}",
                    args.join(" "),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                ),
            })
        }
    };
    let packages: Vec<String> = d
        .commands
        .iter()
        .map(|c| format!("{}/{c}", d.module))
        .collect();
    let mut get = vec!["get".to_string()];
    get.extend(packages.iter().map(|p| format!("{p}@{}", d.version)));
    run(&get)?;
    for (name, req) in BUILD_REQUIREMENTS {
        if *name == d.name {
            run(&["get".into(), (*req).into()])?;
        }
    }
    let mut install = vec!["install".to_string()];
    install.extend(packages);
    run(&install)
}

fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([
            PathBuf::from("/usr/local/go/bin"),
            PathBuf::from("/usr/lib/go/bin"),
        ])
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// An exclusive advisory lock held until dropped.
struct FileLock(std::fs::File);

impl FileLock {
    fn acquire(path: &Path) -> Result<Self, TestnetError> {
        use std::os::fd::AsRawFd;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| TestnetError::io("open the install lock", path, e))?;
        // SAFETY: flock on a valid, open file descriptor.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
        if rc != 0 {
            return Err(TestnetError::io(
                "lock the daemon cache",
                path,
                std::io::Error::last_os_error(),
            ));
        }
        Ok(Self(f))
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: unlocking the descriptor we locked.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}
