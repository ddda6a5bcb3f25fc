//! The NDJSON reader over arbitrary bodies split into arbitrary frames, with
//! or without an `X-Stream-Error` trailer: never panics, and a non-empty
//! trailer always ends the stream in an error (never a clean end).
#![no_main]

use bytes::Bytes;
use ccs_core::net::cluster::{GlobalPinInfo, NdjsonStream};
use http_body_util::StreamBody;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    // Frames are split at 0xFF bytes; with flag bit 0 the last piece is a trailer.
    let mut pieces: Vec<&[u8]> = rest.split(|b| *b == 0xFF).collect();
    let trailer = if flags & 1 == 1 { pieces.pop() } else { None };
    let trailer_value = trailer
        .and_then(|t| http::HeaderValue::from_bytes(t).ok())
        .filter(|v| v.to_str().map(|s| !s.trim().is_empty()).unwrap_or(false));
    let mut frames: Vec<Result<http_body::Frame<Bytes>, std::io::Error>> = pieces
        .into_iter()
        .map(|p| Ok(http_body::Frame::data(Bytes::copy_from_slice(p))))
        .collect();
    if let Some(v) = trailer_value.clone() {
        let mut h = http::HeaderMap::new();
        h.insert("x-stream-error", v);
        frames.push(Ok(http_body::Frame::trailers(h)));
    }
    let body = reqwest::Body::wrap(StreamBody::new(futures_util::stream::iter(frames)));
    let response = reqwest::Response::from(http::Response::new(body));
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    rt.block_on(async {
        let mut s = NdjsonStream::<GlobalPinInfo>::new(response, "http://fuzz".into());
        let mut last_err = false;
        while let Some(item) = s.next().await {
            last_err = item.is_err();
            if last_err {
                break;
            }
        }
        if trailer_value.is_some() {
            assert!(last_err, "a trailer error must surface");
        }
    });
});
