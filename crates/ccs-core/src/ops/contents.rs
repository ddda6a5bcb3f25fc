//! An item's contents: every file with its size, as the item's fixity
//! manifest lists them (read verified from a partner holding it), and the
//! files left out when it was added because they could not be read. What
//! the app's Contents list shows and `ccs contents` prints; one file of it is
//! saved with [`super::retrieve`]'s `path`.

use std::io::Read;
use std::path::PathBuf;

use base64::Engine;
use serde::Serialize;

use super::retrieve::RetrieveRequest;
use super::{Cancel, Session};
use crate::content::fixity::{self, Manifest, SkippedFile};
use crate::error::{Error, Result};

/// One file of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContentsEntry {
    /// Its path inside the item, `/`-separated.
    pub path: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// How it can be previewed, if it can.
    pub preview: Option<PreviewKind>,
}

/// What a file can be previewed as: an image or text shown in the app, a PDF
/// opened in the computer's own reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum PreviewKind {
    Image,
    Text,
    Pdf,
}

/// Where previews are fetched to: this user's cache folder (the app empties
/// it when it starts).
pub fn previews_dir() -> PathBuf {
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("community-cloud-storage")
        .join("previews")
}

/// Files larger than this are saved, not previewed.
pub const PREVIEW_MAX_BYTES: u64 = 25_000_000;
/// Text previews show this much of the file.
pub const PREVIEW_TEXT_BYTES: usize = 200_000;

/// How `path` can be previewed, from its name (as a file manager decides).
pub fn preview_kind(path: &str) -> Option<PreviewKind> {
    let mime = mime_guess::from_path(path).first()?;
    match (mime.type_().as_str(), mime.subtype().as_str()) {
        // What every platform's web view draws (TIFF only on macOS: saved instead).
        ("image", "png" | "jpeg" | "gif" | "webp" | "bmp" | "svg") => Some(PreviewKind::Image),
        ("text", _) | ("application", "json" | "xml") => Some(PreviewKind::Text),
        ("application", "pdf") => Some(PreviewKind::Pdf),
        _ => None,
    }
}

/// A file of an item ready to show.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FilePreview {
    pub kind: PreviewKind,
    /// An image as a `data:` URL.
    pub data_url: Option<String>,
    /// Text (the start of it, when `cut`), as UTF-8 with unreadable bytes
    /// replaced.
    pub text: Option<String>,
    pub cut: bool,
    /// A PDF saved for the computer's own reader.
    pub saved_at: Option<String>,
}

/// The file `path` of the item `cid` (`None`: the item, which is one file)
/// fetched for a preview, through the same verified retrieval as a save (and
/// recorded as one), into `dir`. `name` is the file's name, which says what
/// kind of file it is.
pub async fn preview(
    session: &Session,
    cid: &str,
    path: Option<&str>,
    name: &str,
    dir: &std::path::Path,
    cancel: &Cancel,
) -> Result<FilePreview> {
    let name = name.rsplit(['/', '\\']).next().unwrap_or(name);
    // One plain name, written inside the preview folder and nowhere else:
    // not "..", nor (on Windows) a drive-relative "C:name".
    let mut parts = std::path::Path::new(name).components();
    if !matches!(
        (parts.next(), parts.next()),
        (Some(std::path::Component::Normal(_)), None)
    ) {
        return Err(Error::InvalidInput(format!(
            "\"{name}\" is not a file name that can be previewed. Save the file instead."
        )));
    }
    let kind = preview_kind(name).ok_or_else(|| {
        Error::InvalidInput(format!(
            "\"{name}\" is not an image, a PDF or text, so it cannot be previewed. Save it instead."
        ))
    })?;
    // A folder of its own, only this user may read (0700 on Unix: tempfile's
    // default), removed when this ends unless a PDF's reader needs it.
    let write_err = |e| Error::Write {
        path: dir.to_path_buf(),
        source: e,
    };
    std::fs::create_dir_all(dir).map_err(write_err)?;
    let folder = tempfile::Builder::new()
        .prefix("preview-")
        .tempdir_in(dir)
        .map_err(write_err)?;
    let destination: PathBuf = folder.path().join(name);
    let request = RetrieveRequest {
        cid: cid.to_string(),
        path: path.map(str::to_string),
        destination: destination.clone(),
        ..Default::default()
    };
    let got = super::retrieve::retrieve(session, request, cancel, |_| {}).await?;
    if got.retrieved.bytes > PREVIEW_MAX_BYTES {
        return Err(Error::InvalidInput(format!(
            "\"{name}\" is too large to preview. Save it instead."
        )));
    }
    let read_err = |e| crate::local::files::read_error(&destination, e);
    let mut out = FilePreview {
        kind,
        data_url: None,
        text: None,
        cut: false,
        saved_at: None,
    };
    match kind {
        PreviewKind::Pdf => {
            out.saved_at = Some(destination.display().to_string());
            let _kept = folder.keep();
        }
        PreviewKind::Image => {
            let bytes = std::fs::read(&destination).map_err(read_err)?;
            let mime = mime_guess::from_path(name).first_or_octet_stream();
            out.data_url = Some(format!(
                "data:{mime};base64,{}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            ));
        }
        PreviewKind::Text => {
            let mut start = Vec::with_capacity(PREVIEW_TEXT_BYTES);
            std::fs::File::open(&destination)
                .and_then(|f| f.take(PREVIEW_TEXT_BYTES as u64).read_to_end(&mut start))
                .map_err(read_err)?;
            out.cut = got.retrieved.bytes > PREVIEW_TEXT_BYTES as u64;
            out.text = Some(String::from_utf8_lossy(&start).into_owned());
        }
    }
    Ok(out)
}

/// Every file of an item, sorted by path.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemContents {
    pub cid: String,
    pub files: Vec<ContentsEntry>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    /// True when the item is one file (its one entry is the item itself).
    pub single_file: bool,
    /// Files left out when it was added (named up to
    /// [`fixity::SKIPPED_LISTED`]), and how many.
    pub skipped_files: Vec<SkippedFile>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub skipped: u64,
}

/// The contents of the item `cid`.
pub async fn contents(session: &Session, cid: &str) -> Result<ItemContents> {
    let cid = super::check_cid(cid)?;
    let node = session.node()?;
    let pin = node
        .cluster
        .allocation(&cid)
        .await?
        .ok_or_else(|| Error::NotFound {
            url: node.cluster.base_url().to_string(),
            what: format!("The item {cid}"),
        })?;
    let manifest_cid = pin.metadata.get(fixity::ITEM_KEY).ok_or_else(|| {
        Error::InvalidInput(format!(
            "\"{}\" was stored before file lists were kept, so its contents cannot be listed. Save the whole item instead.",
            pin.name
        ))
    })?;
    let manifest = ingest_manifest(
        session,
        &node,
        manifest_cid,
        &cid,
        "so its contents cannot be listed",
    )
    .await?;
    let single_file = !is_folder_in_any(session, &node, &cid).await?;
    let mut files: Vec<ContentsEntry> = manifest
        .files
        .into_iter()
        .map(|(path, (size, _))| ContentsEntry {
            // Larger files are saved, not previewed.
            preview: preview_kind(&path).filter(|_| size <= PREVIEW_MAX_BYTES),
            path,
            size,
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(ItemContents {
        cid,
        bytes: manifest.header.bytes,
        single_file,
        files,
        skipped_files: manifest.header.skipped_files,
        skipped: manifest.header.skipped,
    })
}

/// Whether the item is a folder, from its root block as the first partner
/// that can say holds it.
async fn is_folder_in_any(session: &Session, node: &super::Node, cid: &str) -> Result<bool> {
    let root = crate::content::retrieve::parse_cid(cid)?;
    let status = node.cluster.status_as_written(cid).await?;
    let sources = super::retrieve::retrieval_sources(&status, &session.config, &node.name);
    let mut last = None;
    for source in &sources {
        match crate::content::retrieve::is_folder(&source.kubo, &root).await {
            Ok(answer) => return Ok(answer),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        crate::content::retrieve::no_copy_error(&status, node.cluster.base_url())
    }))
}

/// The item's ingest manifest, read verified from a partner holding it;
/// `consequence` ends the sentence when it cannot be used ("so no bag was
/// written").
pub(crate) async fn ingest_manifest(
    session: &Session,
    node: &super::Node,
    manifest_cid: &str,
    item: &str,
    consequence: &str,
) -> Result<Manifest> {
    let status = node.cluster.status_as_written(manifest_cid).await?;
    let sources = super::retrieve::retrieval_sources(&status, &session.config, &node.name);
    if sources.is_empty() {
        return Err(crate::content::retrieve::no_copy_error(
            &status,
            node.cluster.base_url(),
        ));
    }
    let dir = tempfile::tempdir().map_err(|e| Error::Write {
        path: std::env::temp_dir(),
        source: e,
    })?;
    let path = dir.path().join(fixity::FILE_NAME);
    crate::content::retrieve::retrieve(&sources, manifest_cid, &path, false, |_| {}).await?;
    let file = std::fs::File::open(&path).map_err(|e| crate::local::files::read_error(&path, e))?;
    Manifest::read(std::io::BufReader::new(file), item).map_err(|why| {
        Error::InvalidInput(format!(
            "The fixity manifest of {item} cannot be used ({why}), {consequence}. Run `ccs audit {item}`, and tell the network's operators."
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_offered_for_images_text_and_pdfs_by_name() {
        assert_eq!(preview_kind("scans/page 1.JPG"), Some(PreviewKind::Image));
        assert_eq!(preview_kind("logo.svg"), Some(PreviewKind::Image));
        assert_eq!(preview_kind("notes/readme.txt"), Some(PreviewKind::Text));
        assert_eq!(preview_kind("data.csv"), Some(PreviewKind::Text));
        assert_eq!(preview_kind("ead.xml"), Some(PreviewKind::Text));
        assert_eq!(preview_kind("report 1923.pdf"), Some(PreviewKind::Pdf));
        assert_eq!(preview_kind("master.tif"), None);
        assert_eq!(preview_kind("film.mov"), None);
        assert_eq!(preview_kind("no-extension"), None);
    }
}
