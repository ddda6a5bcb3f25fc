//! Reading the gateway's CAR: each block must be the one the traversal
//! expects next and must hash to the CID that names it. What a block means
//! (and where its bytes go) is [`super::unixfs`]'s job.

use std::path::{Path, PathBuf};

use cid::Cid;
use multihash_codetable::{Code, MultihashDigest};
use tokio::io::{AsyncRead, BufReader};

use super::unixfs::{IDENTITY, Role, Unpacker};
use super::{ContentKind, Progress};
use crate::error::{Error, Result};

/// Carries a core error through `std::io::Error` so the real cause survives.
#[derive(Debug)]
pub(super) struct ErrorBox(pub(super) Error);

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
pub(super) async fn unpack_dag<R, F, Fut>(
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
    let mut u = Unpacker::new(out, source_url, root);
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

/// Checks a block against the CID that names it; the error says how it fails.
pub(crate) fn verify_block(cid: &Cid, data: &[u8]) -> std::result::Result<(), String> {
    let code = cid.hash().code();
    let hasher = Code::try_from(code).map_err(|_| {
        format!("block {cid} uses hash function 0x{code:x}, which this program cannot check")
    })?;
    if hasher.digest(data).digest() != cid.hash().digest() {
        return Err(format!("block {cid} has the wrong hash"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::retrieve::test_blocks::{car_of, dir_node, file_node, raw};

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
}
