//! Verified retrieval: a CID written to disk (a file or a whole folder) from a
//! partner's gateway, every block checked against its content ID.
//!
//! The gateway sends a CAR (`?format=car`, depth-first, duplicates included).
//! Each block's hash is checked against the CID that named it, and the block
//! must be the one the traversal expects next, so what is written is exactly
//! the stored DAG and nothing else. Files and folders are rebuilt from the
//! dag-pb/UnixFS nodes in the same single pass: only the traversal's stack of
//! pending links is held, never the content, so memory stays flat whatever the
//! size.
//!
//! Everything goes to a temporary sibling that is renamed into place only when
//! the whole DAG arrived and verified. When a partner fails (unreachable,
//! broken stream, a block that does not verify) the next partner is tried.

use std::path::{Component, Path, PathBuf};

use cid::Cid;
use futures_util::TryStreamExt;
use multihash_codetable::{Code, MultihashDigest};
use tokio::io::{AsyncRead, AsyncWriteExt, BufReader, BufWriter};

use crate::error::{Error, Result};
use crate::net::kubo::{GatewayFormat, KuboClient, PartialPath, write_err};

pub mod file_stream;

/// Multicodec codes this reader understands.
const RAW: u64 = 0x55;
const DAG_PB: u64 = 0x70;
/// The identity multihash: the "hash" is the data itself.
const IDENTITY: u64 = 0x00;

/// UnixFS node types (`unixfs.proto`).
const UNIXFS_RAW: u64 = 0;
const UNIXFS_DIRECTORY: u64 = 1;
const UNIXFS_FILE: u64 = 2;
const UNIXFS_METADATA: u64 = 3;
const UNIXFS_SYMLINK: u64 = 4;
const UNIXFS_HAMT: u64 = 5;

/// What was retrieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ContentKind {
    File,
    Folder,
    Symlink,
}

/// Counters while a retrieval runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// File content bytes written so far.
    pub bytes: u64,
    /// Files completed or started.
    pub files: u64,
    /// Blocks received and verified.
    pub blocks: u64,
    /// Total file bytes when the root says so (a file's size), else `None`.
    pub total_bytes: Option<u64>,
}

/// A finished retrieval.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Retrieved {
    pub cid: String,
    pub path: PathBuf,
    pub kind: ContentKind,
    pub bytes: u64,
    pub files: u64,
    pub blocks: u64,
    /// The partner (name) that sent it.
    pub source: String,
    /// Partners tried before `source` whose copy could not be used, in order.
    /// An entry with `damaged` set means that partner's stored copy (or what it
    /// sends) does not match the content ID: tell the person who runs it.
    pub failed_sources: Vec<FailedSource>,
}

/// A partner whose copy could not be used during a retrieval, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FailedSource {
    /// The partner's name.
    pub source: String,
    /// The error's stable code (`verification_failed` for a damaged copy).
    pub code: crate::error::ErrorCode,
    /// True when the partner sent blocks that do not match their content IDs:
    /// its copy is damaged. False when it was only unreachable or broke off.
    pub damaged: bool,
    /// What went wrong, one plain sentence.
    pub message: String,
}

impl Retrieved {
    /// The partners whose copy turned out damaged.
    pub fn damaged_copies(&self) -> impl Iterator<Item = &FailedSource> {
        self.failed_sources.iter().filter(|f| f.damaged)
    }

    /// One plain sentence per damaged copy, naming the partner and what to do.
    /// `ccs repair` (IPFS Cluster's recover) cannot fix this: the cluster still
    /// counts the damaged copy as pinned, so the fix is on that partner's node.
    pub fn damage_notices(&self) -> Vec<String> {
        self.damaged_copies()
            .map(|f| {
                format!(
                    "{name}'s copy of {cid} is damaged (a block does not match its content ID); it was saved from {good} instead. Ask the person who runs {name} to run `ipfs repo verify --heal` on that node, which replaces the damaged blocks from the other partners.",
                    name = f.source,
                    cid = self.cid,
                    good = self.source,
                )
            })
            .collect()
    }
}

/// A partner to retrieve from: a name for messages and its gateway client.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub kubo: KuboClient,
}

/// What happens during [`retrieve`], for progress displays.
#[derive(Debug)]
pub enum Event<'a> {
    /// Trying this partner now.
    Trying {
        source: &'a str,
    },
    Progress(&'a Progress),
    /// This partner failed; the next one (if any) is tried.
    SourceFailed {
        source: &'a str,
        error: &'a Error,
    },
}

/// The error when no partner holds a copy it can send, from the item's
/// cluster status: `not_found` when no partner has it at all (never stored,
/// or removed), else `unavailable` with each partner's state (stored, but
/// every copy is in error or its daemon is down), so nobody is told to check
/// their typing for an item that exists.
pub fn no_copy_error(status: &crate::net::cluster::GlobalPinInfo, cluster_url: &str) -> Error {
    use crate::net::cluster::TrackerStatus;
    let mut states: Vec<String> = status
        .peer_map
        .values()
        .filter(|p| !matches!(p.status, TrackerStatus::Unpinned | TrackerStatus::Undefined))
        .map(|p| format!("{}: {}", p.peername, p.status.as_str()))
        .collect();
    if states.is_empty() {
        return Error::NotFound {
            url: cluster_url.to_string(),
            what: format!("A copy of {}", status.cid),
        };
    }
    states.sort();
    Error::Unavailable {
        cid: status.cid.clone(),
        detail: format!("none holds a copy it can send now; {}", states.join(", ")),
    }
}

/// Parses a CID given by a user.
pub fn parse_cid(text: &str) -> Result<Cid> {
    Cid::try_from(text.trim()).map_err(|_| {
        Error::InvalidInput(format!(
            "\"{text}\" is not a content ID (CIDs look like bafy... or Qm...); check it for typing errors."
        ))
    })
}

/// Writes `cid` to `dest`, trying each source in turn until one sends a copy
/// that verifies. `dest` must not exist unless `replace` is set.
pub async fn retrieve(
    sources: &[Source],
    cid: &str,
    dest: &Path,
    replace: bool,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<Retrieved> {
    let root = parse_cid(cid)?;
    if !replace && std::fs::symlink_metadata(dest).is_ok() {
        return Err(Error::AlreadyExists {
            path: dest.to_path_buf(),
        });
    }
    // Name the user's path, not the temporary sibling a write would fail on.
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(Error::Write {
                path: dest.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("the folder \"{}\" does not exist", parent.display()),
                ),
            });
        }
    }
    if sources.is_empty() {
        return Err(Error::Unavailable {
            cid: cid.to_string(),
            detail: "no partner holds a copy".into(),
        });
    }
    let mut failures: Vec<(String, Error)> = Vec::new();
    for source in sources {
        on_event(Event::Trying {
            source: &source.name,
        });
        match retrieve_from(source, &root, cid, dest, replace, &mut on_event).await {
            Ok(mut r) => {
                r.failed_sources = failures
                    .iter()
                    .map(|(name, e)| FailedSource {
                        source: name.clone(),
                        code: e.code(),
                        damaged: matches!(e, Error::VerificationFailed { .. }),
                        message: e.to_string(),
                    })
                    .collect();
                return Ok(r);
            }
            // Disk problems are not the partner's fault: trying others will not help.
            Err(e @ (Error::Write { .. } | Error::AlreadyExists { .. })) => return Err(e),
            Err(e) => {
                // Name the partner, not only its gateway address.
                let e = match e {
                    Error::VerificationFailed {
                        cid,
                        source_url,
                        detail,
                    } => Error::VerificationFailed {
                        cid,
                        source_url: format!("{} ({source_url})", source.name),
                        detail,
                    },
                    e => e,
                };
                on_event(Event::SourceFailed {
                    source: &source.name,
                    error: &e,
                });
                failures.push((source.name.clone(), e));
            }
        }
    }
    if failures.len() == 1 {
        if let Some((_, e)) = failures.pop() {
            return Err(e);
        }
    }
    if failures
        .iter()
        .all(|(_, e)| matches!(e, Error::VerificationFailed { .. }))
    {
        // Every copy is damaged: name every partner, not only the last.
        let names: Vec<&str> = failures.iter().map(|(n, _)| n.as_str()).collect();
        let every = format!("every partner ({})", names.join(", "));
        if let Some((_, Error::VerificationFailed { cid, detail, .. })) = failures.pop() {
            return Err(Error::VerificationFailed {
                cid,
                source_url: every,
                detail,
            });
        }
    }
    let detail = failures
        .iter()
        .map(|(name, e)| format!("{name}: {}", e.code()))
        .collect::<Vec<_>>()
        .join(", ");
    Err(Error::Unavailable {
        cid: cid.to_string(),
        detail,
    })
}

async fn retrieve_from(
    source: &Source,
    root: &Cid,
    cid: &str,
    dest: &Path,
    replace: bool,
    on_event: &mut impl FnMut(Event<'_>),
) -> Result<Retrieved> {
    let open = |c: Cid| {
        let kubo = source.kubo.clone();
        async move {
            let stream = kubo.fetch(&c.to_string(), GatewayFormat::Car).await?;
            Ok(tokio_util::io::StreamReader::new(
                stream.map_err(|e| std::io::Error::other(ErrorBox(e))),
            ))
        }
    };
    let source_url = source.kubo.gateway().unwrap_or_default().to_string();
    let tmp = PartialPath::new_replacing(dest, replace)?;
    let fast = file_stream::retrieve_file(&source.kubo, root, tmp.path(), &source_url, |p| {
        on_event(Event::Progress(p))
    })
    .await;
    let out = match fast {
        Ok(file_stream::Outcome::Done(progress)) => Unpacked {
            kind: ContentKind::File,
            progress,
        },
        // Disk trouble, or a partner that cannot be reached or has no copy:
        // the CAR path would meet the same.
        Err(
            e @ (Error::Write { .. }
            | Error::Unreachable { .. }
            | Error::TimedOut { .. }
            | Error::Unauthorized { .. }
            | Error::NotFound { .. }
            | Error::InvalidInput(_)),
        ) => return Err(e),
        // A folder, or bytes that did not check out: the CAR path checks
        // block by block and names a damaged block exactly.
        Ok(file_stream::Outcome::NotHandled) | Err(_) => {
            tmp.clear();
            let reader = open(*root).await?;
            unpack_dag(reader, root, tmp.path(), &source_url, Some(open), |p| {
                on_event(Event::Progress(p))
            })
            .await?
        }
    };
    tmp.commit()?;
    Ok(Retrieved {
        cid: cid.to_string(),
        path: dest.to_path_buf(),
        kind: out.kind,
        bytes: out.progress.bytes,
        files: out.progress.files,
        blocks: out.progress.blocks,
        source: source.name.clone(),
        failed_sources: Vec::new(),
    })
}

/// Carries a core error through `std::io::Error` so the real cause survives.
#[derive(Debug)]
struct ErrorBox(Error);

impl std::fmt::Display for ErrorBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ErrorBox {}

/// The result of [`unpack_car`].
#[derive(Debug, Clone)]
pub struct Unpacked {
    pub kind: ContentKind,
    pub progress: Progress,
}

/// What the traversal expects next, and where it goes.
#[derive(Debug)]
enum Role {
    /// A file, folder or link named `path` (relative to the output root).
    Entry(PathBuf),
    /// The next piece of the file being written.
    Chunk,
    /// A HAMT sub-shard of the folder at `path`.
    Shard(PathBuf),
}

struct Unpacker<'a> {
    out: &'a Path,
    source_url: &'a str,
    root: String,
    file: Option<(BufWriter<tokio::fs::File>, PathBuf)>,
    progress: Progress,
}

/// Reads a CAR from `reader` and writes the DAG rooted at `root` to `out`
/// (which must not exist), checking every block. `source_url` names the
/// sender in errors.
pub async fn unpack_car<R: AsyncRead + Unpin>(
    reader: R,
    root: &Cid,
    out: &Path,
    source_url: &str,
    on_progress: impl FnMut(&Progress),
) -> Result<Unpacked> {
    type NoResume<R> = fn(Cid) -> std::future::Ready<Result<R>>;
    unpack_dag(
        reader,
        root,
        out,
        source_url,
        None::<NoResume<R>>,
        on_progress,
    )
    .await
}

/// [`unpack_car`], continuing in a new CAR when one ends early but cleanly.
///
/// A gateway stops a CAR at its traversal depth limit (kubo: 1,024 selector
/// steps, about 340 nested folders) and appends a text note, which reads as an
/// unparseable block. When a stream that delivered verified blocks ends, or
/// turns unreadable (not a broken connection), `resume(cid)` opens a CAR
/// rooted at the block the traversal expects next, and reading goes on. Every
/// block is still checked against its CID, so this only ever adds requests.
async fn unpack_dag<R, F, Fut>(
    reader: R,
    root: &Cid,
    out: &Path,
    source_url: &str,
    mut resume: Option<F>,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Unpacked>
where
    R: AsyncRead + Unpin,
    F: FnMut(Cid) -> Fut,
    Fut: std::future::Future<Output = Result<R>>,
{
    let open_car =
        |reader: R| iroh_car::CarReader::new(BufReader::with_capacity(256 * 1024, reader));
    let mut car = open_car(reader)
        .await
        .map_err(|e| car_error(e, source_url, root))?;
    // Verified blocks read from the current stream: a resumed stream must
    // deliver at least one, so resuming always makes progress.
    let mut from_this_stream: u64 = 0;
    let mut u = Unpacker {
        out,
        source_url,
        root: root.to_string(),
        file: None,
        progress: Progress::default(),
    };
    let mut stack: Vec<(Cid, Role)> = vec![(*root, Role::Entry(PathBuf::new()))];
    let mut kind = ContentKind::File;
    let mut first = true;
    while let Some((expected, role)) = stack.pop() {
        let data: Vec<u8> = if expected.hash().code() == IDENTITY {
            // Inlined blocks are not sent; their data is the digest.
            expected.hash().digest().to_vec()
        } else {
            let block = loop {
                let next = car.next_block().await;
                let ended_cleanly = match &next {
                    Ok(Some(_)) => break next.map_err(|e| car_error(e, source_url, root))?,
                    Ok(None) => true,
                    Err(iroh_car::Error::Io(_)) => false,
                    Err(_) => true,
                };
                match resume.as_mut() {
                    Some(open) if ended_cleanly && from_this_stream > 0 => {
                        car = open_car(open(expected).await?)
                            .await
                            .map_err(|e| car_error(e, source_url, root))?;
                        from_this_stream = 0;
                    }
                    _ => break next.map_err(|e| car_error(e, source_url, root))?,
                }
            };
            from_this_stream += 1;
            let Some((got, data)) = block else {
                return Err(u.mismatch(format!(
                    "the transfer ended before block {expected} arrived"
                )));
            };
            if got.codec() != expected.codec() || got.hash() != expected.hash() {
                return Err(u.mismatch(format!("expected block {expected}, received {got}")));
            }
            u.verify(&expected, &data)?;
            data
        };
        u.progress.blocks += 1;
        let node_kind = u.apply(&expected, role, data, &mut stack).await?;
        if first {
            kind = node_kind;
            if kind == ContentKind::File {
                u.progress.total_bytes = u.progress.total_bytes.or(Some(0));
            }
            first = false;
        }
        on_progress(&u.progress);
    }
    u.close_file().await?;
    if car
        .next_block()
        .await
        .map_err(|e| car_error(e, source_url, root))?
        .is_some()
    {
        return Err(u.mismatch("the transfer carried blocks that are not part of it".into()));
    }
    Ok(Unpacked {
        kind,
        progress: u.progress,
    })
}

fn car_error(e: iroh_car::Error, source_url: &str, root: &Cid) -> Error {
    // A broken connection arrives as an I/O error with our error inside.
    let text = e.to_string();
    match e {
        iroh_car::Error::Io(io) => io_to_error(io, source_url),
        _ if text.contains("connection") || text.contains("broke") => Error::Interrupted {
            url: source_url.to_string(),
            detail: text,
        },
        _ => Error::VerificationFailed {
            cid: root.to_string(),
            source_url: source_url.to_string(),
            detail: format!("unreadable transfer: {text}"),
        },
    }
}

fn io_to_error(io: std::io::Error, source_url: &str) -> Error {
    match io.into_inner() {
        Some(inner) => match inner.downcast::<ErrorBox>() {
            Ok(b) => b.0,
            Err(other) => Error::Interrupted {
                url: source_url.to_string(),
                detail: other.to_string(),
            },
        },
        None => Error::Interrupted {
            url: source_url.to_string(),
            detail: "the connection closed early".into(),
        },
    }
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
    let path = PathBuf::from(String::from_utf8_lossy(name).into_owned());
    let mut comps = path.components();
    let ok = matches!(comps.next(), Some(Component::Normal(_))) && comps.next().is_none();
    ok.then_some(path)
}

/// Checks a block against the CID that names it; the error says how it fails.
fn verify_block(cid: &Cid, data: &[u8]) -> std::result::Result<(), String> {
    let code = cid.hash().code();
    let hasher = Code::try_from(code).map_err(|_| {
        format!("block {cid} uses hash function 0x{code:x}, which this program cannot check")
    })?;
    if hasher.digest(data).digest() != cid.hash().digest() {
        return Err(format!("block {cid} has the wrong hash"));
    }
    Ok(())
}

/// A dag-pb link: the child's CID and its name as stored (bytes: IPFS
/// implementations store whatever the adding system gave, UTF-8 or not).
#[derive(Debug)]
struct PbLink {
    cid: Cid,
    name: Vec<u8>,
    /// The cumulative size of the child's blocks, as the parent records it.
    tsize: Option<u64>,
}

/// A dag-pb node (`PBNode`: field 1 Data, field 2 Links; `PBLink`: 1 Hash,
/// 2 Name, 3 Tsize). Decoded here rather than with `ipld-dagpb`, which
/// refuses names that are not UTF-8.
#[derive(Debug, Default)]
struct PbNode {
    data: Option<Vec<u8>>,
    links: Vec<PbLink>,
}

impl PbNode {
    fn decode(bytes: &[u8]) -> std::result::Result<Self, String> {
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

impl Unpacker<'_> {
    fn mismatch(&self, detail: String) -> Error {
        Error::VerificationFailed {
            cid: self.root.clone(),
            source_url: self.source_url.to_string(),
            detail,
        }
    }

    fn verify(&self, cid: &Cid, data: &[u8]) -> Result<()> {
        verify_block(cid, data).map_err(|detail| self.mismatch(detail))
    }

    fn full(&self, rel: &Path) -> PathBuf {
        if rel.as_os_str().is_empty() {
            self.out.to_path_buf()
        } else {
            self.out.join(rel)
        }
    }

    async fn close_file(&mut self) -> Result<()> {
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
        let f = tokio::fs::File::create(&path)
            .await
            .map_err(|e| write_err(&path, e))?;
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
    async fn apply(
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

/// The fields of a UnixFS `Data` message this reader needs.
#[derive(Debug, Default)]
struct UnixFsData {
    kind: u64,
    data: Option<Vec<u8>>,
    filesize: Option<u64>,
    /// Each child's share of the file's bytes, in link order.
    blocksizes: Vec<u64>,
    fanout: Option<u64>,
}

impl UnixFsData {
    /// Decodes `unixfs.proto`'s `Data` (field 1 Type, 2 Data, 3 filesize,
    /// 4 blocksizes, 5 hashType, 6 fanout, 7 mode, 8 mtime).
    fn decode(bytes: &[u8]) -> std::result::Result<Self, String> {
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
    use super::*;
    use bytes::Bytes;

    async fn car_of(blocks: &[(Cid, Vec<u8>)], root: Cid) -> Vec<u8> {
        let header = iroh_car::CarHeader::new_v1(vec![root]);
        let mut buf = Vec::new();
        let mut w = iroh_car::CarWriter::new(header, &mut buf);
        for (c, d) in blocks {
            w.write(*c, d).await.unwrap();
        }
        w.finish().await.unwrap();
        buf
    }

    fn raw(data: &[u8]) -> (Cid, Vec<u8>) {
        (Cid::new_v1(RAW, Code::Sha2_256.digest(data)), data.to_vec())
    }

    /// A UnixFS file node whose chunks are `links`.
    fn file_node(links: &[(Cid, u64)]) -> (Cid, Vec<u8>) {
        let total: u64 = links.iter().map(|l| l.1).sum();
        let mut fs = vec![0x08, 0x02, 0x18];
        let mut w = Vec::new();
        quick_varint(total, &mut w);
        fs.extend(w);
        let node = ipld_dagpb::PbNode {
            links: links
                .iter()
                .map(|(c, s)| ipld_dagpb::PbLink {
                    cid: *c,
                    name: Some(String::new()),
                    size: Some(*s),
                })
                .collect(),
            data: Some(Bytes::from(fs)),
        };
        let bytes = node.into_bytes();
        (Cid::new_v1(DAG_PB, Code::Sha2_256.digest(&bytes)), bytes)
    }

    fn dir_node(entries: &[(&str, Cid)]) -> (Cid, Vec<u8>) {
        let node = ipld_dagpb::PbNode {
            links: entries
                .iter()
                .map(|(n, c)| ipld_dagpb::PbLink {
                    cid: *c,
                    name: Some((*n).to_string()),
                    size: Some(1),
                })
                .collect(),
            data: Some(Bytes::from_static(&[0x08, 0x01])),
        };
        let bytes = node.into_bytes();
        (Cid::new_v0(Code::Sha2_256.digest(&bytes)).unwrap(), bytes)
    }

    fn quick_varint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    #[tokio::test]
    async fn rebuilds_a_folder_with_a_chunked_file_and_checks_every_block() {
        let a = raw(b"hello ");
        let b = raw(b"world");
        let f = file_node(&[(a.0, 6), (b.0, 5)]);
        let small = raw(b"x");
        let d = dir_node(&[("big.txt", f.0), ("small.txt", small.0)]);
        let car = car_of(
            &[d.clone(), f.clone(), a.clone(), b.clone(), small.clone()],
            d.0,
        )
        .await;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let got = unpack_car(&car[..], &d.0, &out, "test", |_| {})
            .await
            .unwrap();
        assert_eq!(got.kind, ContentKind::Folder);
        assert_eq!(got.progress.files, 2);
        assert_eq!(got.progress.bytes, 12);
        assert_eq!(std::fs::read(out.join("big.txt")).unwrap(), b"hello world");
        assert_eq!(std::fs::read(out.join("small.txt")).unwrap(), b"x");

        // One flipped byte in a block: refused, naming the block.
        let mut bad_b = b.clone();
        bad_b.1[0] ^= 1;
        let car = car_of(
            &[d.clone(), f.clone(), a.clone(), bad_b, small.clone()],
            d.0,
        )
        .await;
        let err = unpack_car(&car[..], &d.0, &dir.path().join("o2"), "test", |_| {})
            .await
            .unwrap_err();
        assert_eq!(err.code(), "verification_failed", "{err}");
        assert!(err.to_string().contains("wrong hash"), "{err}");

        // A block missing from the stream, and blocks out of order.
        let car = car_of(&[d.clone(), f.clone(), a.clone(), small.clone()], d.0).await;
        let err = unpack_car(&car[..], &d.0, &dir.path().join("o3"), "test", |_| {})
            .await
            .unwrap_err();
        assert_eq!(err.code(), "verification_failed", "{err}");
        let car = car_of(&[d.clone(), f.clone(), a.clone(), b.clone()], d.0).await;
        let err = unpack_car(&car[..], &d.0, &dir.path().join("o4"), "test", |_| {})
            .await
            .unwrap_err();
        assert!(err.to_string().contains("ended before"), "{err}");
    }

    #[tokio::test]
    async fn continues_in_a_new_car_when_a_gateway_stops_early() {
        let a = raw(b"hello ");
        let b = raw(b"world");
        let f = file_node(&[(a.0, 6), (b.0, 5)]);
        let d = dir_node(&[("big.txt", f.0)]);
        // As kubo does at its depth limit: some blocks, then a text note.
        let mut first = car_of(&[d.clone(), f.clone(), a.clone()], d.0).await;
        first.extend_from_slice(b"\n[Gateway Error: CAR stream truncated, response is incomplete]");
        let rest = car_of(std::slice::from_ref(&b), b.0).await;
        let asked = std::sync::Mutex::new(Vec::new());
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let got = unpack_dag(
            &first[..],
            &d.0,
            &out,
            "test",
            Some(|c: Cid| {
                asked.lock().unwrap().push(c);
                std::future::ready(Ok(&rest[..]))
            }),
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(got.progress.blocks, 4);
        assert_eq!(*asked.lock().unwrap(), vec![b.0]);
        assert_eq!(std::fs::read(out.join("big.txt")).unwrap(), b"hello world");

        // A resumed stream that brings nothing: an error, not a loop.
        let nothing = car_of(&[], b.0).await;
        let err = unpack_dag(
            &first[..],
            &d.0,
            &dir.path().join("o2"),
            "test",
            Some(|_: Cid| std::future::ready(Ok(&nothing[..]))),
            |_| {},
        )
        .await
        .unwrap_err();
        assert_eq!(err.code(), "verification_failed", "{err}");
    }

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

    #[test]
    fn parses_both_cid_versions_and_rejects_junk() {
        assert!(parse_cid("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn").is_ok());
        assert_eq!(parse_cid("hello").unwrap_err().code(), "invalid_input");
    }
}
