//! Turning files and folders on disk into the multipart body that IPFS Cluster's
//! `/add` reads, streamed with bounded memory.
//!
//! `body` builds the multipart body on one blocking thread, reading each file
//! only when its turn comes; `scan` walks the same paths beforehand, counting
//! what an add's progress is measured against and listing every file that
//! cannot be stored, so nothing is sent when one of them would fail the add.

use std::ffi::OsStr;
use std::path::Path;

use crate::error::{Error, Result};
use crate::local::files::read_error;

mod body;
mod scan;

pub(crate) use body::MultipartUpload;
pub use scan::{PROBLEMS_KEPT, Problem, Scan, Survey, scan, survey};

/// The name a top-level path gets inside the upload: its final component.
pub fn upload_name(path: &Path) -> Result<String> {
    std::fs::symlink_metadata(path).map_err(|e| read_error(path, e))?;
    // "." or "dir/.." have no final component of their own: resolve them.
    let name = match path.file_name() {
        Some(n) if n != OsStr::new("..") => n.to_os_string(),
        _ => std::fs::canonicalize(path)
            .map_err(|e| Error::Read {
                path: path.to_path_buf(),
                source: e,
            })?
            .file_name()
            .map(OsStr::to_os_string)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "\"{}\" has no name to store it under (it is the root folder).",
                    path.display()
                ))
            })?,
    };
    Ok(name.to_string_lossy().into_owned())
}

pub(super) fn walk_error(root: &Path, e: walkdir::Error) -> Error {
    let path = e.path().unwrap_or(root).to_path_buf();
    match e.into_io_error() {
        Some(io) => read_error(&path, io),
        // walkdir's only non-I/O error is a symlink loop, which we never follow.
        None => Error::UnsupportedFile { path },
    }
}
