//! Reading the cluster's streamed (NDJSON) responses, trailers included.
//!
//! IPFS Cluster sends `200 OK` before it starts the work, then one JSON object
//! per line. A failure part-way through arrives ONLY in the HTTP trailer
//! `X-Stream-Error` (empty when all went well). A reader that ignores trailers
//! reports failed uploads as successes, which is the original tool's worst bug,
//! so this reader works on body frames and turns a non-empty trailer into an
//! error that ends the stream.

use std::marker::PhantomData;

use bytes::{Buf, BytesMut};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::net::http::root_cause;

/// The trailer IPFS Cluster (and kubo) use to report an error after the body started.
pub const STREAM_ERROR_TRAILER: &str = "X-Stream-Error";

/// Longest line accepted. Cluster lines are small (a pin status is a few KiB even
/// with many peers); a huge line means a broken stream, not data to keep.
const MAX_LINE: usize = 16 * 1024 * 1024;

/// A typed NDJSON stream read line by line with bounded memory.
pub struct NdjsonStream<T> {
    body: Option<reqwest::Body>,
    url: String,
    buf: BytesMut,
    finished: bool,
    _item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> NdjsonStream<T> {
    /// Reads `response` (a 200 whose body is NDJSON, or a 204) as a stream.
    pub fn new(response: reqwest::Response, url: String) -> Self {
        let empty = response.status() == reqwest::StatusCode::NO_CONTENT;
        let http: http::Response<reqwest::Body> = response.into();
        Self {
            body: if empty { None } else { Some(http.into_body()) },
            url,
            buf: BytesMut::new(),
            finished: empty,
            _item: PhantomData,
        }
    }

    /// An empty stream, for endpoints that answered `204 No Content`.
    pub(crate) fn empty(url: String) -> Self {
        Self {
            body: None,
            url,
            buf: BytesMut::new(),
            finished: true,
            _item: PhantomData,
        }
    }

    /// The next item, `None` at a clean end. An error ends the stream.
    pub async fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(line) = self.take_line() {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Some(self.parse(&line));
            }
            if self.finished {
                if self.buf.iter().all(u8::is_ascii_whitespace) {
                    self.buf.clear();
                    return None;
                }
                let rest = self.buf.split();
                return Some(self.parse(&rest));
            }
            if self.buf.len() > MAX_LINE {
                return Some(Err(self.fail(Error::BadResponse {
                    url: self.url.clone(),
                    detail: "a response line was larger than 16 MiB".into(),
                    expected: &crate::deploy::versions::IPFS_CLUSTER,
                })));
            }
            let Some(body) = self.body.as_mut() else {
                self.finished = true;
                continue;
            };
            match body.frame().await {
                None => {
                    self.finished = true;
                }
                Some(Err(e)) => {
                    let err = Error::Interrupted {
                        url: self.url.clone(),
                        detail: root_cause(&e),
                    };
                    return Some(Err(self.fail(err)));
                }
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(mut data) => {
                        while data.has_remaining() {
                            let chunk = data.chunk();
                            let n = chunk.len();
                            self.buf.extend_from_slice(chunk);
                            data.advance(n);
                        }
                    }
                    Err(frame) => {
                        if let Ok(trailers) = frame.into_trailers() {
                            let message = trailers
                                .get_all(STREAM_ERROR_TRAILER)
                                .iter()
                                .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
                                .filter(|v| !v.is_empty())
                                // Our message adds its own full stop; keep any
                                // other text, even one that is only dots.
                                .map(|v| match v.trim_end_matches('.') {
                                    "" => v,
                                    t => t.to_string(),
                                })
                                .collect::<Vec<_>>()
                                .join("; ");
                            if !message.is_empty() {
                                let err = Error::StreamFailed {
                                    url: self.url.clone(),
                                    message,
                                };
                                return Some(Err(self.fail(err)));
                            }
                        }
                        self.finished = true;
                    }
                },
            }
        }
    }

    /// Reads the whole stream, returning the last item. Used where only the final
    /// line matters but every line must be checked for the trailer error.
    pub async fn collect_vec(mut self) -> Result<Vec<T>> {
        let mut out = Vec::new();
        while let Some(item) = self.next().await {
            out.push(item?);
        }
        Ok(out)
    }

    /// Turns it into a `futures::Stream`.
    pub fn into_stream(self) -> impl futures_util::Stream<Item = Result<T>> {
        futures_util::stream::unfold(self, |mut s| async move {
            let item = s.next().await?;
            Some((item, s))
        })
    }

    fn take_line(&mut self) -> Option<BytesMut> {
        let pos = self.buf.iter().position(|b| *b == b'\n')?;
        let line = self.buf.split_to(pos + 1);
        Some(line)
    }

    fn parse(&mut self, line: &[u8]) -> Result<T> {
        serde_json::from_slice(line).map_err(|e| {
            self.fail(Error::BadResponse {
                url: self.url.clone(),
                detail: format!("unreadable line: {e}"),
                expected: &crate::deploy::versions::IPFS_CLUSTER,
            })
        })
    }

    fn fail(&mut self, err: Error) -> Error {
        self.finished = true;
        self.body = None;
        self.buf.clear();
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::cluster::GlobalPinInfo;

    fn response(frames: Vec<http_body::Frame<bytes::Bytes>>) -> reqwest::Response {
        let frames: Vec<Result<_, std::io::Error>> = frames.into_iter().map(Ok).collect();
        let body = reqwest::Body::wrap(http_body_util::StreamBody::new(
            futures_util::stream::iter(frames),
        ));
        reqwest::Response::from(http::Response::new(body))
    }

    fn trailer(v: &str) -> http_body::Frame<bytes::Bytes> {
        let mut h = http::HeaderMap::new();
        h.insert(
            STREAM_ERROR_TRAILER,
            http::HeaderValue::from_str(v).unwrap(),
        );
        http_body::Frame::trailers(h)
    }

    #[tokio::test]
    async fn a_trailer_error_ends_the_stream_even_without_lines() {
        let mut s = NdjsonStream::<GlobalPinInfo>::new(response(vec![trailer(".")]), "u".into());
        let first = s.next().await;
        assert!(
            matches!(first, Some(Err(Error::StreamFailed { .. }))),
            "{first:?}"
        );
    }

    #[tokio::test]
    async fn lines_split_across_frames_then_trailer_error() {
        let frames = vec![
            http_body::Frame::data(bytes::Bytes::from_static(b"{\"cid\":\"a\"}\n{\"ci")),
            http_body::Frame::data(bytes::Bytes::from_static(b"d\":\"b\"}\n")),
            trailer("failed to put block"),
        ];
        let mut s = NdjsonStream::<GlobalPinInfo>::new(response(frames), "u".into());
        assert_eq!(s.next().await.unwrap().unwrap().cid, "a");
        assert_eq!(s.next().await.unwrap().unwrap().cid, "b");
        assert!(matches!(
            s.next().await,
            Some(Err(Error::StreamFailed { .. }))
        ));
        assert!(s.next().await.is_none());
    }

    #[tokio::test]
    async fn an_empty_trailer_is_a_clean_end() {
        let frames = vec![
            http_body::Frame::data(bytes::Bytes::from_static(b"{\"cid\":\"a\"}\n")),
            trailer(""),
        ];
        let items = NdjsonStream::<GlobalPinInfo>::new(response(frames), "u".into())
            .collect_vec()
            .await
            .unwrap();
        assert_eq!(items.len(), 1);
    }
}
