//! What the system can tell about a folder that a watcher needs and the
//! standard library does not say: whether it is on a network share (which
//! sends no change events, so it is polled), and whether a program still
//! has a file open for writing (a scan still being copied in). Each answer
//! has a branch per system; where a system cannot tell, the answer is the
//! cautious one for the caller and the watcher's settling time does the rest.

use std::path::Path;

/// The kind of network file system `path` is on (`"nfs"`, `"smb"`, …), or
/// `None` for a local disk or when the system cannot tell.
pub fn network_share(path: &Path) -> Option<String> {
    imp::network_share(path)
}

/// Whether some program has a file at or under `path` open for writing.
/// Linux reads every process's open files from `/proc` (`procfs`); Windows
/// opens each file sharing reading only, which the system refuses while a
/// writer holds it; macOS asks `lsof`. Files of other users' programs may
/// not be visible (Linux and macOS show only one's own without privileges).
pub fn being_written(path: &Path) -> bool {
    imp::being_written(path)
}

#[cfg(target_os = "linux")]
mod imp {
    use std::path::Path;

    /// `statfs`'s `f_type` of the network file systems (linux/magic.h).
    const NETWORK_TYPES: [(i64, &str); 7] = [
        (0x6969, "nfs"),
        (0x517B, "smb"),
        (0xFF53_4D42, "cifs"),
        (0xFE53_4D42, "smb2"),
        (0x5346_414F, "afs"),
        (0x7375_7245, "coda"),
        (0x0102_1997, "9p"),
    ];

    pub fn network_share(path: &Path) -> Option<String> {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
        // SAFETY: `c` is a NUL-terminated path and `stat` a zeroed statfs the
        // call fills in; nothing is read from it unless the call succeeded.
        let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statfs(c.as_ptr(), &mut stat) } != 0 {
            return None;
        }
        #[allow(clippy::unnecessary_cast)] // its width differs between targets
        let kind = stat.f_type as i64;
        NETWORK_TYPES
            .iter()
            .find(|(magic, _)| *magic == kind)
            .map(|(_, name)| name.to_string())
    }

    pub fn being_written(path: &Path) -> bool {
        let Ok(path) = path.canonicalize() else {
            return false;
        };
        let Ok(all) = procfs::process::all_processes() else {
            return false;
        };
        for process in all.flatten() {
            let Ok(fds) = process.fd() else { continue };
            for fd in fds.flatten() {
                let procfs::process::FDTarget::Path(target) = &fd.target else {
                    continue;
                };
                if target.starts_with(&path)
                    && fd.mode().contains(procfs::process::FDPermissions::WRITE)
                {
                    return true;
                }
            }
        }
        false
    }
}

#[cfg(target_os = "macos")]
mod imp {
    use std::path::Path;

    const NETWORK_TYPES: [&str; 6] = ["smbfs", "nfs", "afpfs", "webdav", "cifs", "ftp"];

    pub fn network_share(path: &Path) -> Option<String> {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
        // SAFETY: as on Linux: a NUL-terminated path, a zeroed statfs that
        // is read only after the call succeeded.
        let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statfs(c.as_ptr(), &mut stat) } != 0 {
            return None;
        }
        let name: String = stat
            .f_fstypename
            .iter()
            .take_while(|c| **c != 0)
            .map(|c| *c as u8 as char)
            .collect();
        NETWORK_TYPES.contains(&name.as_str()).then_some(name)
    }

    /// `lsof` ships with every macOS; `-F a` prints each open file's access
    /// mode (`r`, `w`, `u` for both), `+D` looks through a folder.
    pub fn being_written(path: &Path) -> bool {
        let mut lsof = std::process::Command::new("/usr/sbin/lsof");
        lsof.args(["-w", "-F", "a"]);
        if path.is_dir() {
            lsof.arg("+D").arg(path);
        } else {
            lsof.arg("--").arg(path);
        }
        let Ok(out) = lsof.stderr(std::process::Stdio::null()).output() else {
            return false;
        };
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l.starts_with('a') && (l.contains('w') || l.contains('u')))
    }
}

#[cfg(windows)]
mod imp {
    use std::path::{Component, Path, Prefix};

    pub fn network_share(path: &Path) -> Option<String> {
        match path.components().next() {
            Some(Component::Prefix(p)) => match p.kind() {
                Prefix::UNC(..) | Prefix::VerbatimUNC(..) => Some("smb".into()),
                Prefix::Disk(letter) | Prefix::VerbatimDisk(letter) => {
                    let root: Vec<u16> = format!("{}:\\", letter as char)
                        .encode_utf16()
                        .chain([0])
                        .collect();
                    // SAFETY: `root` is a NUL-terminated wide string.
                    let kind = unsafe {
                        windows_sys::Win32::Storage::FileSystem::GetDriveTypeW(root.as_ptr())
                    };
                    // DRIVE_REMOTE: a mapped network drive.
                    (kind == 4).then(|| "smb".into())
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Opening a file while sharing only reading fails with a sharing
    /// violation while any other program has it open for writing.
    pub fn being_written(path: &Path) -> bool {
        use std::os::windows::fs::OpenOptionsExt;
        const FILE_SHARE_READ: u32 = 1;
        const ERROR_SHARING_VIOLATION: i32 = 32;
        let in_use = |file: &Path| {
            std::fs::OpenOptions::new()
                .read(true)
                .share_mode(FILE_SHARE_READ)
                .open(file)
                .err()
                .and_then(|e| e.raw_os_error())
                == Some(ERROR_SHARING_VIOLATION)
        };
        walkdir::WalkDir::new(path)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .any(|e| in_use(e.path()))
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
mod imp {
    use std::path::Path;

    pub fn network_share(_: &Path) -> Option<String> {
        None
    }

    pub fn being_written(_: &Path) -> bool {
        false
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_file_open_for_writing_is_seen_and_a_closed_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let scan = dir.path().join("box").join("scan.tif");
        std::fs::create_dir_all(scan.parent().unwrap()).unwrap();
        let mut writer = std::fs::File::create(&scan).unwrap();
        writer.write_all(b"half").unwrap();
        assert!(being_written(&scan));
        assert!(
            being_written(&dir.path().join("box")),
            "the folder holding it"
        );
        drop(writer);
        // Open for reading only: not being written.
        let _reader = std::fs::File::open(&scan).unwrap();
        assert!(!being_written(&scan));
        assert!(!being_written(&dir.path().join("box")));
    }

    #[test]
    fn a_local_folder_is_not_a_network_share() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(network_share(dir.path()), None);
    }
}
