//! This computer's files as every operation meets them: a failed read named
//! for what it is, and no file written over without leave.

use std::path::Path;

use crate::error::{Error, Result};

/// A failure to read `path`: "not found" gets its own error (a file can
/// vanish between a scan and an upload), anything else is a read error.
pub fn read_error(path: &Path, e: std::io::Error) -> Error {
    let path = path.to_path_buf();
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::PathNotFound { path }
    } else {
        Error::Read { path, source: e }
    }
}

/// Refuses to write over an existing file, folder or link unless the person
/// agreed to replace it: it may be a node file holding a network's secrets,
/// or someone's work.
pub fn refuse_existing(destination: &Path, replace: bool) -> Result<()> {
    if !replace && std::fs::symlink_metadata(destination).is_ok() {
        return Err(Error::AlreadyExists {
            path: destination.to_path_buf(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_destinations_are_refused_unless_replacing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("node.yml");
        refuse_existing(&file, false).unwrap();
        std::fs::write(&file, "x").unwrap();
        assert_eq!(
            refuse_existing(&file, false).unwrap_err().code(),
            "already_exists"
        );
        refuse_existing(&file, true).unwrap();
    }

    #[test]
    fn a_missing_file_is_not_found_and_others_are_read_failures() {
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(
            read_error(Path::new("/x"), missing).code(),
            "path_not_found"
        );
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(read_error(Path::new("/x"), denied).code(), "read_failed");
    }
}
