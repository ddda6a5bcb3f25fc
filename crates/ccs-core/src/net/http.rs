//! The HTTP client shared by the cluster and kubo clients, and the mapping of
//! transport failures to plain errors.
//!
//! Uploads and streams can run for hours, so there is deliberately no
//! whole-request timeout: a connect timeout catches dead hosts and a read (idle)
//! timeout catches a peer that stopped talking. Short calls add their own total
//! timeout per request.

use std::fmt;
use std::time::Duration;

use crate::error::Error;

/// How long to wait for a TCP connection before calling the node unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a response may stay silent before the transfer is given up. The
/// cluster flushes a progress line at least every chunk, so minutes of silence
/// mean a stuck peer.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// Total time for small request/response calls (id, version, one pin status).
pub const SHORT_CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Basic-auth credentials for the cluster REST API. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

pub(crate) fn build_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(IDLE_TIMEOUT)
        // Nodes live on a private mesh; a system proxy would only leak the traffic.
        .no_proxy()
        .build()
        // Building only fails when a TLS backend cannot initialise; we use none.
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Turns a transport error into the error a user can act on.
pub(crate) fn transport_error(url: &str, err: reqwest::Error) -> Error {
    let url = url.to_string();
    if err.is_timeout() {
        return Error::TimedOut { url };
    }
    if err.is_connect() {
        return Error::Unreachable {
            url,
            detail: root_cause(&err),
        };
    }
    Error::Interrupted {
        url,
        detail: root_cause(&err),
    }
}

/// The innermost cause, which is where "connection refused" or "broken pipe" lives.
pub(crate) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = err;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let text = cur.to_string();
    // Strip the OS error number suffix that std adds: "(os error 111)".
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
