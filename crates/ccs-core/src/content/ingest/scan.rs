//! The pre-scan before an add: totals for its progress, and every file or
//! folder that cannot be stored, found before anything is sent.

use std::path::PathBuf;

use super::{upload_name, walk_error};
use crate::error::{Error, Result};
use crate::local::files::read_error;

/// What a pre-scan found: the totals an add's progress is measured against.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Scan {
    pub files: u64,
    pub folders: u64,
    pub symlinks: u64,
    pub bytes: u64,
}

/// How many per-file problems a scan keeps (the rest are only counted).
pub const PROBLEMS_KEPT: usize = 100;

/// One file or folder that cannot be stored, found by [`scan`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "FileProblem"))]
pub struct Problem {
    pub path: String,
    /// The code the same failure has on its own (`path_not_found`,
    /// `read_failed`, `unsupported_file`).
    pub code: crate::error::ErrorCode,
    /// A few plain words: "cannot be read (permission denied)".
    pub reason: String,
}

impl Problem {
    pub(crate) fn from_error(e: Error) -> (Self, Error) {
        let (path, reason) = match &e {
            Error::PathNotFound { path } => {
                (path.clone(), "vanished or does not exist".to_string())
            }
            Error::Read { path, source } => (path.clone(), format!("cannot be read ({source})")),
            Error::UnsupportedFile { path } => (
                path.clone(),
                "is not a regular file, folder or link (a pipe, socket, device or link loop)"
                    .to_string(),
            ),
            other => (PathBuf::new(), other.to_string()),
        };
        let p = Problem {
            path: path.display().to_string(),
            code: e.code(),
            reason,
        };
        (p, e)
    }
}

/// What a survey found: the totals of what can be stored, and every file or
/// folder that cannot (the first [`PROBLEMS_KEPT`] listed, all counted).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Survey {
    /// Files, folders and bytes that can be stored (the problems left out).
    pub scan: Scan,
    pub problems: Vec<Problem>,
    pub problem_count: u64,
}

/// Counts files, folders and bytes under `paths` without following links, and
/// checks that every file can be opened. Walks one entry at a time, so memory
/// stays flat. `on_progress` is called every 1,000 entries.
///
/// Every problem is collected rather than stopping at the first: one problem
/// fails with its own error; several fail with [`Error::ScanProblems`] listing
/// them (the first [`PROBLEMS_KEPT`], and the total), whose code is the first
/// problem's. Either way the caller uploads nothing.
pub fn scan(paths: &[PathBuf], on_progress: impl FnMut(&Scan)) -> Result<Scan> {
    scan_capped(paths, on_progress, PROBLEMS_KEPT)
}

/// Like [`scan`], but the problems are returned beside the totals instead of
/// failing: what an add's preview shows, and what "store the rest" leaves out.
pub fn survey(paths: &[PathBuf], on_progress: impl FnMut(&Scan)) -> Survey {
    survey_capped(paths, on_progress, PROBLEMS_KEPT).0
}

fn scan_capped(paths: &[PathBuf], on_progress: impl FnMut(&Scan), keep: usize) -> Result<Scan> {
    let (survey, first) = survey_capped(paths, on_progress, keep);
    match (first, survey.problem_count) {
        (None, _) => Ok(survey.scan),
        (Some(e), 1) => Err(e),
        (Some(e), count) => Err(Error::ScanProblems {
            count,
            first: Box::new(e),
            problems: survey.problems,
        }),
    }
}

/// The survey, and the first problem as the error it would be on its own.
fn survey_capped(
    paths: &[PathBuf],
    mut on_progress: impl FnMut(&Scan),
    keep: usize,
) -> (Survey, Option<Error>) {
    let mut s = Scan::default();
    let mut problems: Vec<Problem> = Vec::new();
    let mut first: Option<Error> = None;
    let mut count: u64 = 0;
    let mut note = |e: Error| {
        count += 1;
        let (p, e) = Problem::from_error(e);
        if problems.len() < keep {
            problems.push(p);
        }
        first.get_or_insert(e);
    };
    for root in paths {
        if let Err(e) = upload_name(root) {
            note(e);
            continue;
        }
        for item in walkdir::WalkDir::new(root).follow_links(false) {
            let de = match item {
                Ok(de) => de,
                Err(e) => {
                    note(walk_error(root, e));
                    continue;
                }
            };
            let ft = de.file_type();
            if ft.is_dir() {
                s.folders += 1;
            } else if ft.is_file() {
                // Readable now; the upload opens it again when its turn comes.
                let size = de.metadata().map(|m| m.len());
                match (size, std::fs::File::open(de.path())) {
                    (Ok(size), Ok(_)) => {
                        s.files += 1;
                        s.bytes += size;
                    }
                    (Err(e), _) => note(walk_error(root, e)),
                    (_, Err(e)) => note(read_error(de.path(), e)),
                }
            } else if ft.is_symlink() {
                s.symlinks += 1;
            } else {
                note(Error::UnsupportedFile {
                    path: de.into_path(),
                });
            }
            if (s.files + s.folders + s.symlinks) % 1000 == 0 {
                on_progress(&s);
            }
        }
    }
    let survey = Survey {
        scan: s,
        problems,
        problem_count: count,
    };
    (survey, first)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn counts_files_folders_and_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("r");
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/one"), b"12345").unwrap();
        std::fs::write(root.join("a/b/two"), b"123").unwrap();
        let s = scan(&[root], |_| {}).unwrap();
        assert_eq!((s.files, s.folders, s.bytes), (2, 3, 8));
        let e = scan(&[dir.path().join("nope")], |_| {}).unwrap_err();
        assert_eq!(e.code(), "path_not_found");
    }

    fn fifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn every_problem_is_listed_not_just_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("r");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("fine.txt"), b"ok").unwrap();
        fifo(&root.join("pipe-a"));
        fifo(&root.join("sub/pipe-b"));
        let missing = dir.path().join("gone");
        let e = scan(&[root.clone(), missing.clone()], |_| {}).unwrap_err();
        let Error::ScanProblems {
            count,
            first,
            problems,
        } = &e
        else {
            panic!("expected the list, got {e}");
        };
        assert_eq!(*count, 3);
        // The code is the first problem's, as for one problem alone.
        assert_eq!(e.code(), first.code());
        let mut listed: Vec<(String, String)> = problems
            .iter()
            .map(|p| (p.path.clone(), p.code.to_string()))
            .collect();
        listed.sort();
        let mut want = vec![
            (missing.display().to_string(), "path_not_found".to_string()),
            (
                root.join("pipe-a").display().to_string(),
                "unsupported_file".to_string(),
            ),
            (
                root.join("sub/pipe-b").display().to_string(),
                "unsupported_file".to_string(),
            ),
        ];
        want.sort();
        assert_eq!(listed, want);
        assert!(e.to_string().starts_with("3 of the chosen files"), "{e}");

        // One problem alone keeps its own error and message.
        let e = scan(&[root.join("sub")], |_| {}).unwrap_err();
        assert_eq!(e.code(), "unsupported_file");
        assert!(e.to_string().contains("pipe-b"), "{e}");
    }

    #[test]
    fn the_kept_list_is_capped_and_the_rest_counted() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..7 {
            fifo(&dir.path().join(format!("p{i}")));
        }
        let e = scan_capped(&[dir.path().to_path_buf()], |_| {}, 5).unwrap_err();
        let Error::ScanProblems {
            count, problems, ..
        } = e
        else {
            panic!("expected the list");
        };
        assert_eq!((count, problems.len()), (7, 5));
    }
}
