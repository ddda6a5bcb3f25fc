//! Recorded daemon responses and two ways to serve them on 127.0.0.1:
//! `wiremock` (request matchers, body as recorded) for ordinary answers, and a
//! raw replay server that writes the recorded bytes verbatim, for what wiremock
//! cannot send: chunked bodies with HTTP trailers (`X-Stream-Error`) and bodies
//! cut short.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::ResponseTemplate;

use crate::net::http::Credentials;

/// The user name and password the fixtures' requests carried. The real
/// password was random; this stand-in is what the tests send and look for.
pub(crate) const USER: &str = "admin";
pub(crate) const PASSWORD: &str = "s3cret-Pa55word-never-shown";

pub(crate) fn credentials() -> Credentials {
    Credentials {
        username: USER.into(),
        password: PASSWORD.into(),
    }
}

/// One recorded HTTP/1.1 response, as `curl -si --raw` wrote it.
#[derive(Debug, Clone)]
pub(crate) struct Recording {
    pub status: u16,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body with any chunked framing removed.
    pub body: Vec<u8>,
    /// Trailers sent after a chunked body.
    pub trailers: Vec<(String, String)>,
    /// The final response exactly as it came off the wire (after any `100 Continue`).
    pub wire: Vec<u8>,
}

pub(crate) fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/net/testdata")
        .join(name)
}

/// Reads a recording from `src/net/testdata/`.
pub(crate) fn recording(name: &str) -> Recording {
    let raw = std::fs::read(testdata(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"));
    parse(&raw).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse(mut raw: &[u8]) -> Result<Recording, String> {
    loop {
        let end = find(raw, b"\r\n\r\n").ok_or("no end of headers")?;
        let head = std::str::from_utf8(&raw[..end]).map_err(|e| e.to_string())?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().ok_or("empty")?;
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let rest = &raw[end + 4..];
        if (100..200).contains(&status) {
            raw = rest;
            continue;
        }
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let has = |name: &str, value: &str| {
            headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case(name) && v.eq_ignore_ascii_case(value))
        };
        let (body, trailers) = if has("Transfer-Encoding", "chunked") {
            dechunk(rest)?
        } else {
            (rest.to_vec(), Vec::new())
        };
        return Ok(Recording {
            status,
            headers,
            body,
            trailers,
            wire: raw.to_vec(),
        });
    }
}

type Dechunked = (Vec<u8>, Vec<(String, String)>);

fn dechunk(mut rest: &[u8]) -> Result<Dechunked, String> {
    let mut body = Vec::new();
    loop {
        let eol = find(rest, b"\r\n").ok_or("chunk size line")?;
        let size_text = std::str::from_utf8(&rest[..eol]).map_err(|e| e.to_string())?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|e| format!("chunk size {size_text:?}: {e}"))?;
        rest = &rest[eol + 2..];
        if size == 0 {
            break;
        }
        body.extend_from_slice(rest.get(..size).ok_or("short chunk")?);
        rest = rest.get(size + 2..).ok_or("short chunk end")?;
    }
    let text = std::str::from_utf8(rest).map_err(|e| e.to_string())?;
    let trailers = text
        .split("\r\n")
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok((body, trailers))
}

impl Recording {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn trailer(&self, name: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_str(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or_default()
    }

    /// The recorded answer for wiremock: status, end-to-end headers, body.
    /// (Framing headers are wiremock's business; trailers it cannot send.)
    pub fn template(&self) -> ResponseTemplate {
        let mut t = ResponseTemplate::new(self.status);
        for (k, v) in &self.headers {
            let framing = [
                "transfer-encoding",
                "content-length",
                "connection",
                "trailer",
            ];
            if !framing.iter().any(|f| k.eq_ignore_ascii_case(f)) {
                t = t.append_header(k.as_str(), v.as_str());
            }
        }
        t.set_body_bytes(self.body.clone())
    }

    /// The same recording with another body (framing rebuilt by wiremock).
    pub fn with_body(&self, body: Vec<u8>) -> Recording {
        Recording {
            body,
            wire: Vec::new(),
            ..self.clone()
        }
    }

    /// The same recording with its body's text edited (for a case the daemons
    /// cannot be made to produce, derived from a real answer). The framing is
    /// rebuilt, so serve it with wiremock.
    pub fn edited(&self, from: &str, to: &str) -> Recording {
        let body = self.body_str();
        assert!(body.contains(from), "{from:?} not in the recording");
        Recording {
            body: body.replace(from, to).into_bytes(),
            wire: Vec::new(),
            ..self.clone()
        }
    }
}

/// A server that answers each connection with the next canned byte string,
/// exactly as given, then closes it. Keeps each request's head and body.
pub(crate) struct Replay {
    pub url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Replay {
    pub async fn start(answers: Vec<Vec<u8>>) -> Replay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        tokio::spawn(async move {
            for answer in answers {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let request = read_request(&mut sock).await;
                seen.lock().unwrap().push(request);
                let _ = sock.write_all(&answer).await;
                let _ = sock.flush().await;
                let _ = sock.shutdown().await;
            }
        });
        Replay { url, requests }
    }

    /// The requests received so far (head and body, as text).
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Reads one request: the head, then a body of Content-Length bytes or a
/// chunked body up to its last chunk.
async fn read_request(sock: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    let complete = |buf: &[u8]| -> bool {
        let Some(end) = find(buf, b"\r\n\r\n") else {
            return false;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let body = &buf[end + 4..];
        if let Some(len) = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
        {
            return body.len() >= len;
        }
        if head.contains("transfer-encoding: chunked") {
            return find(body, b"\r\n0\r\n\r\n").is_some() || body.starts_with(b"0\r\n\r\n");
        }
        true
    };
    while !complete(&buf) {
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// An address on 127.0.0.1 where nothing listens (bound, then released).
pub(crate) async fn refused_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

/// The header value `Authorization: Basic ...` for the test credentials.
pub(crate) fn basic_auth_value() -> String {
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    format!("Basic {token}")
}

/// The CIDs and ids the recordings are about, as `record.sh` wrote them in
/// `testdata/facts.txt` (from the testnet's own record, not from the answers),
/// so the tests and the fixtures cannot drift apart.
pub(crate) fn fact(key: &str) -> String {
    let text = std::fs::read_to_string(testdata("facts.txt")).unwrap();
    text.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| panic!("no {key} in testdata/facts.txt"))
}
