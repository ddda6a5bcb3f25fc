//! dag-pb and UnixFS: decoding the nodes (folders, HAMT folder shards,
//! chunked files, symlinks) and rebuilding files and folders on disk from
//! verified blocks, holding only the traversal's stack of pending links.

use std::path::{Component, Path, PathBuf};

use cid::Cid;
use tokio::io::{AsyncWriteExt, BufWriter};

use super::car::verify_block;
use super::{ContentKind, Progress};
use crate::error::{Error, Result};
use crate::net::kubo::write_err;

/// Multicodec codes this reader understands.
pub(crate) const RAW: u64 = 0x55;
pub(crate) const DAG_PB: u64 = 0x70;
/// The identity multihash: the "hash" is the data itself.
pub(crate) const IDENTITY: u64 = 0x00;

/// UnixFS node types (`unixfs.proto`).
pub(crate) const UNIXFS_RAW: u64 = 0;
pub(crate) const UNIXFS_DIRECTORY: u64 = 1;
pub(crate) const UNIXFS_FILE: u64 = 2;
const UNIXFS_METADATA: u64 = 3;
const UNIXFS_SYMLINK: u64 = 4;
pub(crate) const UNIXFS_HAMT: u64 = 5;

/// What the traversal expects next, and where it goes.
#[derive(Debug)]
pub(super) enum Role {
    /// A file, folder or link named `path` (relative to the output root).
    Entry(PathBuf),
    /// The next piece of the file being written.
    Chunk,
    /// A HAMT sub-shard of the folder at `path`.
    Shard(PathBuf),
}

/// Rebuilds files and folders under `out` from verified blocks, one at a time.
pub(super) struct Unpacker<'a> {
    out: &'a Path,
    source_url: &'a str,
    root: String,
    file: Option<(BufWriter<tokio::fs::File>, PathBuf)>,
    pub(super) progress: Progress,
}

/// A name inside a folder must be one plain component. Names are bytes: a
/// name stored from an old Latin-1 system (not UTF-8) comes back byte for byte
/// on Unix, and with U+FFFD replacements elsewhere.
fn safe_name(name: &[u8]) -> Option<PathBuf> {
    if name.is_empty() || name.iter().any(|b| matches!(b, b'/' | b'\\' | 0)) {
        return None;
    }
    #[cfg(unix)]
    let path = PathBuf::from(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(name));
    #[cfg(not(unix))]
    let path = PathBuf::from(windows_name(&String::from_utf8_lossy(name)));
    let mut comps = path.components();
    let ok = matches!(comps.next(), Some(Component::Normal(_))) && comps.next().is_none();
    ok.then_some(path)
}

/// `name` as Windows can keep it: `< > : " | ? *` and control characters
/// become `_` (a `:` would otherwise write an NTFS alternate stream of
/// another file), as do trailing dots and spaces and the device names (CON,
/// NUL, COM1…). Two names that become one are refused when the second is
/// written, never merged.
#[cfg_attr(unix, allow(dead_code))]
fn windows_name(name: &str) -> String {
    sanitize_filename::sanitize_with_options(
        name,
        sanitize_filename::Options {
            windows: true,
            truncate: false,
            replacement: "_",
        },
    )
}

/// A dag-pb link: the child's CID and its name as stored (bytes: IPFS
/// implementations store whatever the adding system gave, UTF-8 or not).
#[derive(Debug)]
pub(crate) struct PbLink {
    pub(crate) cid: Cid,
    pub(crate) name: Vec<u8>,
    /// The cumulative size of the child's blocks, as the parent records it.
    pub(crate) tsize: Option<u64>,
}

/// A dag-pb node (`PBNode`: field 1 Data, field 2 Links; `PBLink`: 1 Hash,
/// 2 Name, 3 Tsize). Decoded here rather than with `ipld-dagpb`, which
/// refuses names that are not UTF-8.
#[derive(Debug, Default)]
pub(crate) struct PbNode {
    pub(crate) data: Option<Vec<u8>>,
    pub(crate) links: Vec<PbLink>,
}

impl PbNode {
    pub(crate) fn decode(bytes: &[u8]) -> std::result::Result<Self, String> {
        use quick_protobuf::BytesReader;
        let bad = |e: quick_protobuf::Error| format!("unreadable node ({e})");
        let mut r = BytesReader::from_bytes(bytes);
        let mut node = PbNode::default();
        while !r.is_eof() {
            match r.next_tag(bytes).map_err(bad)? {
                10 => node.data = Some(r.read_bytes(bytes).map_err(bad)?.to_vec()),
                18 => {
                    let link = r.read_bytes(bytes).map_err(bad)?;
                    node.links.push(Self::decode_link(link)?);
                }
                t => return Err(format!("unexpected field tag {t}")),
            }
        }
        Ok(node)
    }

    fn decode_link(bytes: &[u8]) -> std::result::Result<PbLink, String> {
        use quick_protobuf::BytesReader;
        let bad = |e: quick_protobuf::Error| format!("unreadable link ({e})");
        let mut r = BytesReader::from_bytes(bytes);
        let mut cid = None;
        let mut name = Vec::new();
        let mut tsize = None;
        while !r.is_eof() {
            match r.next_tag(bytes).map_err(bad)? {
                10 => {
                    let raw = r.read_bytes(bytes).map_err(bad)?;
                    cid = Some(Cid::try_from(raw).map_err(|e| format!("bad link ({e})"))?);
                }
                18 => name = r.read_bytes(bytes).map_err(bad)?.to_vec(),
                24 => tsize = Some(r.read_uint64(bytes).map_err(bad)?),
                t => return Err(format!("unexpected link field tag {t}")),
            }
        }
        Ok(PbLink {
            cid: cid.ok_or("a link without a hash")?,
            name,
            tsize,
        })
    }
}

impl<'a> Unpacker<'a> {
    pub(super) fn new(out: &'a Path, source_url: &'a str, root: &Cid) -> Self {
        Unpacker {
            out,
            source_url,
            root: root.to_string(),
            file: None,
            progress: Progress::default(),
        }
    }

    pub(super) fn mismatch(&self, detail: String) -> Error {
        Error::VerificationFailed {
            cid: self.root.clone(),
            source_url: self.source_url.to_string(),
            detail,
        }
    }

    pub(super) fn verify(&self, cid: &Cid, data: &[u8]) -> Result<()> {
        verify_block(cid, data).map_err(|detail| self.mismatch(detail))
    }

    fn full(&self, rel: &Path) -> PathBuf {
        if rel.as_os_str().is_empty() {
            self.out.to_path_buf()
        } else {
            self.out.join(rel)
        }
    }

    pub(super) async fn close_file(&mut self) -> Result<()> {
        if let Some((mut w, path)) = self.file.take() {
            w.flush().await.map_err(|e| write_err(&path, e))?;
            w.get_mut()
                .sync_all()
                .await
                .map_err(|e| write_err(&path, e))?;
        }
        Ok(())
    }

    async fn start_file(&mut self, rel: &Path) -> Result<()> {
        self.close_file().await?;
        let path = self.full(rel);
        // Never over a file already written: the item may name two files
        // alike, or alike but for capital letters, which macOS and Windows
        // keep as one (and a link there must not be followed).
        let f = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .map_err(|e| {
                let e = if e.kind() == std::io::ErrorKind::AlreadyExists {
                    std::io::Error::new(
                        e.kind(),
                        "the item holds another file of this name (perhaps differing only in capital letters), which this computer cannot keep beside it",
                    )
                } else {
                    e
                };
                write_err(&path, e)
            })?;
        self.file = Some((BufWriter::with_capacity(256 * 1024, f), path));
        self.progress.files += 1;
        Ok(())
    }

    async fn write(&mut self, data: &[u8]) -> Result<()> {
        let Some((w, path)) = self.file.as_mut() else {
            return Err(self.mismatch("file data arrived outside a file".into()));
        };
        w.write_all(data).await.map_err(|e| write_err(path, e))?;
        self.progress.bytes += data.len() as u64;
        Ok(())
    }

    /// Acts on one verified block; pushes its children (in reverse, so the
    /// first link is expected next).
    pub(super) async fn apply(
        &mut self,
        cid: &Cid,
        role: Role,
        data: Vec<u8>,
        stack: &mut Vec<(Cid, Role)>,
    ) -> Result<ContentKind> {
        match cid.codec() {
            RAW => {
                match role {
                    Role::Entry(rel) => {
                        self.start_file(&rel).await?;
                        self.progress.total_bytes = self
                            .progress
                            .total_bytes
                            .or(rel.as_os_str().is_empty().then_some(data.len() as u64));
                    }
                    Role::Chunk => {}
                    Role::Shard(_) => {
                        return Err(self.mismatch(format!("block {cid} is not a folder shard")));
                    }
                }
                self.write(&data).await?;
                Ok(ContentKind::File)
            }
            DAG_PB => {
                let node = PbNode::decode(&data)
                    .map_err(|e| self.mismatch(format!("block {cid} is not dag-pb ({e})")))?;
                let fs = UnixFsData::decode(node.data.as_deref().unwrap_or_default())
                    .map_err(|e| self.mismatch(format!("block {cid}: {e}")))?;
                match (fs.kind, role) {
                    (UNIXFS_FILE | UNIXFS_RAW, role @ (Role::Entry(_) | Role::Chunk)) => {
                        if let Role::Entry(rel) = role {
                            self.start_file(&rel).await?;
                            if rel.as_os_str().is_empty() {
                                self.progress.total_bytes = fs.filesize;
                            }
                        }
                        if let Some(d) = &fs.data {
                            self.write(d).await?;
                        }
                        for link in node.links.into_iter().rev() {
                            stack.push((link.cid, Role::Chunk));
                        }
                        Ok(ContentKind::File)
                    }
                    (UNIXFS_DIRECTORY, Role::Entry(rel)) => {
                        self.close_file().await?;
                        let path = self.full(&rel);
                        tokio::fs::create_dir(&path)
                            .await
                            .map_err(|e| write_err(&path, e))?;
                        for link in node.links.into_iter().rev() {
                            let name = safe_name(&link.name).ok_or_else(|| {
                                self.mismatch(format!(
                                    "folder {cid} has an unsafe name {:?}",
                                    String::from_utf8_lossy(&link.name)
                                ))
                            })?;
                            stack.push((link.cid, Role::Entry(rel.join(name))));
                        }
                        Ok(ContentKind::Folder)
                    }
                    (UNIXFS_HAMT, role @ (Role::Entry(_) | Role::Shard(_))) => {
                        let rel = match role {
                            Role::Entry(rel) => {
                                self.close_file().await?;
                                let path = self.full(&rel);
                                tokio::fs::create_dir(&path)
                                    .await
                                    .map_err(|e| write_err(&path, e))?;
                                rel
                            }
                            Role::Shard(rel) => rel,
                            Role::Chunk => unreachable!("matched above"),
                        };
                        let fanout = fs.fanout.unwrap_or(256).max(2);
                        let prefix = format!("{:X}", fanout - 1).len();
                        for link in node.links.into_iter().rev() {
                            let name = link.name;
                            if name.len() < prefix {
                                return Err(self
                                    .mismatch(format!("folder shard {cid} has a bad link name")));
                            }
                            if name.len() == prefix {
                                stack.push((link.cid, Role::Shard(rel.clone())));
                            } else {
                                let entry = safe_name(&name[prefix..]).ok_or_else(|| {
                                    self.mismatch(format!(
                                        "folder {cid} has an unsafe name {:?}",
                                        String::from_utf8_lossy(&name)
                                    ))
                                })?;
                                stack.push((link.cid, Role::Entry(rel.join(entry))));
                            }
                        }
                        Ok(ContentKind::Folder)
                    }
                    (UNIXFS_SYMLINK, Role::Entry(rel)) => {
                        self.close_file().await?;
                        let target = fs.data.unwrap_or_default();
                        let path = self.full(&rel);
                        make_symlink(&target, &path).map_err(|e| write_err(&path, e))?;
                        Ok(ContentKind::Symlink)
                    }
                    (UNIXFS_METADATA, _) => {
                        Err(self.mismatch(format!("block {cid} is an unsupported metadata node")))
                    }
                    (k, _) => Err(self.mismatch(format!(
                        "block {cid} (UnixFS type {k}) is not where the folder structure allows it"
                    ))),
                }
            }
            other => Err(self.mismatch(format!(
                "block {cid} uses codec 0x{other:x}, which is not a file or folder"
            ))),
        }
    }
}

#[cfg(unix)]
fn make_symlink(target: &[u8], path: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), path)
}

#[cfg(not(unix))]
fn make_symlink(target: &[u8], path: &Path) -> std::io::Result<()> {
    // Without symlink rights, keep the link target as a small text file.
    std::fs::write(path, target)
}

/// The links of a HAMT shard: each is a sub-shard (its name is the bare
/// hex prefix) or an entry (the prefix, then the entry's name).
pub(crate) fn shard_links(
    node: &PbNode,
    fs: &UnixFsData,
) -> impl Iterator<Item = (Cid, Option<Vec<u8>>)> {
    let prefix = format!("{:X}", fs.fanout.unwrap_or(256).max(2) - 1).len();
    node.links.iter().map(move |l| {
        if l.name.len() <= prefix {
            (l.cid, None)
        } else {
            (l.cid, Some(l.name[prefix..].to_vec()))
        }
    })
}

/// The fields of a UnixFS `Data` message this reader needs.
#[derive(Debug, Default)]
pub(crate) struct UnixFsData {
    pub(crate) kind: u64,
    pub(crate) data: Option<Vec<u8>>,
    pub(crate) filesize: Option<u64>,
    /// Each child's share of the file's bytes, in link order.
    pub(crate) blocksizes: Vec<u64>,
    pub(crate) fanout: Option<u64>,
}

impl UnixFsData {
    /// Decodes `unixfs.proto`'s `Data` (field 1 Type, 2 Data, 3 filesize,
    /// 4 blocksizes, 5 hashType, 6 fanout, 7 mode, 8 mtime).
    pub(crate) fn decode(bytes: &[u8]) -> std::result::Result<Self, String> {
        use quick_protobuf::BytesReader;
        let mut r = BytesReader::from_bytes(bytes);
        let mut out = UnixFsData::default();
        let mut has_type = false;
        let bad = |e: quick_protobuf::Error| format!("unreadable UnixFS data ({e})");
        while !r.is_eof() {
            let tag = r.next_tag(bytes).map_err(bad)?;
            match tag {
                8 => {
                    out.kind = r.read_uint64(bytes).map_err(bad)?;
                    has_type = true;
                }
                18 => out.data = Some(r.read_bytes(bytes).map_err(bad)?.to_vec()),
                24 => out.filesize = Some(r.read_uint64(bytes).map_err(bad)?),
                32 => out.blocksizes.push(r.read_uint64(bytes).map_err(bad)?),
                34 => {
                    // The same list, packed (proto3 writers).
                    let packed = r.read_bytes(bytes).map_err(bad)?;
                    let mut p = BytesReader::from_bytes(packed);
                    while !p.is_eof() {
                        out.blocksizes.push(p.read_uint64(packed).map_err(bad)?);
                    }
                }
                48 => out.fanout = Some(r.read_uint64(bytes).map_err(bad)?),
                t => r.read_unknown(bytes, t).map_err(bad)?,
            }
        }
        if !has_type {
            return Err("not a UnixFS node (no type)".into());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use cid::Cid;
    use multihash_codetable::{Code, MultihashDigest};

    use crate::content::retrieve::test_blocks::{car_of, dir_node, raw};
    use crate::content::retrieve::unpack_car;

    #[tokio::test]
    async fn keeps_names_that_are_not_utf8_byte_for_byte() {
        let x = raw(b"old");
        // PBNode { Links: [PBLink { Hash, Name: "caf\xe9.txt", Tsize: 3 }], Data: directory }
        let name: &[u8] = b"caf\xe9.txt";
        let hash = x.0.to_bytes();
        let mut link = vec![0x0a, hash.len() as u8];
        link.extend_from_slice(&hash);
        link.extend_from_slice(&[0x12, name.len() as u8]);
        link.extend_from_slice(name);
        link.extend_from_slice(&[0x18, 3]);
        let mut node = vec![0x12, link.len() as u8];
        node.extend_from_slice(&link);
        node.extend_from_slice(&[0x0a, 2, 0x08, 0x01]);
        let d = (Cid::new_v0(Code::Sha2_256.digest(&node)).unwrap(), node);
        let car = car_of(&[d.clone(), x.clone()], d.0).await;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o");
        unpack_car(&car[..], &d.0, &out, "test", |_| {})
            .await
            .unwrap();
        let names: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        #[cfg(unix)]
        assert_eq!(
            names,
            [<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(name)]
        );
        #[cfg(not(unix))]
        assert_eq!(names.len(), 1);
    }

    #[tokio::test]
    async fn refuses_names_that_escape_the_folder() {
        let x = raw(b"x");
        for name in ["..", "a/b", "", "."] {
            let d = dir_node(&[(name, x.0)]);
            let car = car_of(&[d.clone(), x.clone()], d.0).await;
            let dir = tempfile::tempdir().unwrap();
            let err = unpack_car(&car[..], &d.0, &dir.path().join("o"), "test", |_| {})
                .await
                .unwrap_err();
            assert!(err.to_string().contains("unsafe name"), "{name}: {err}");
        }
    }

    /// Two entries of one name (as a hand-made DAG, or a case-insensitive
    /// disk, gives): the second is refused, the first never overwritten.
    #[tokio::test]
    async fn never_writes_over_a_file_already_written() {
        let (a, b) = (raw(b"first"), raw(b"second"));
        let d = dir_node(&[("scan.tif", a.0), ("scan.tif", b.0)]);
        let car = car_of(&[d.clone(), a.clone(), b.clone()], d.0).await;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o");
        let err = unpack_car(&car[..], &d.0, &out, "test", |_| {})
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("another file of this name"),
            "{err}"
        );
        assert_eq!(std::fs::read(out.join("scan.tif")).unwrap(), b"first");
    }

    #[test]
    fn names_windows_cannot_keep_are_mapped() {
        use super::windows_name;
        assert_eq!(windows_name("notes:v2.txt"), "notes_v2.txt");
        assert_eq!(windows_name("a<b>c\"d|e?f*.txt"), "a_b_c_d_e_f_.txt");
        assert_eq!(windows_name("tab\there"), "tab_here");
        assert_eq!(windows_name("letter. "), "letter_");
        assert_eq!(windows_name("CON"), "_");
        assert_eq!(windows_name("lpt1.txt"), "_");
        assert_eq!(windows_name("Église café.pdf"), "Église café.pdf");
        assert_eq!(windows_name("Box 1 (2024)"), "Box 1 (2024)");
    }
}
