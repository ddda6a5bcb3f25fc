//! Every user-level operation, written once. The command line and the app call
//! these and only translate: requests in, events out (to progress bars or to
//! the app's channels), outcomes and [`crate::ErrorCode`]s back.
//!
//! Each operation takes a typed request, a [`Cancel`] token and, when it
//! reports progress, an event sink (`FnMut(Event)`); it returns a typed
//! outcome. The journal, provenance, naming, credentials, node-file reading,
//! CID checks, refusing to overwrite and the choice of sources live here.

pub mod add;
pub mod audit;
pub mod bag;
pub mod connect;
pub mod contents;
pub mod ensure;
pub mod health;
pub mod history;
pub mod jobs;
pub mod join;
pub mod library;
pub mod meta;
pub mod network;
pub mod node;
pub mod partners;
pub mod policy;
pub mod report;
pub mod retrieve;
pub mod risk;
pub mod session;
pub mod watch;
pub mod withdraw;

use std::future::Future;

pub use session::{Node, Session};
/// Cancels a running operation: its open connections close, its temporary
/// files go, and it returns [`crate::Error::Cancelled`].
pub use tokio_util::sync::CancellationToken as Cancel;

use crate::error::{Error, Result};

/// Runs `work` until it ends or `cancel` fires (then `work` is dropped, which
/// closes its connections and removes its temporary files).
pub async fn cancellable<T>(cancel: &Cancel, work: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::select! {
        r = work => r,
        _ = cancel.cancelled() => Err(Error::Cancelled),
    }
}

/// The CID a person gave, trimmed, or `invalid_input` when it is not one:
/// checked before any request, since the cluster's decoding error would
/// blame the node.
pub fn check_cid(cid: &str) -> Result<String> {
    let cid = cid.trim();
    if crate::content::retrieve::parse_cid(cid).is_ok() {
        return Ok(cid.to_string());
    }
    // Quoted and escaped (a pasted newline stays on one line), and shortened.
    let shown: String = cid.chars().take(80).collect();
    let more = if shown.len() < cid.len() { "..." } else { "" };
    Err(Error::InvalidInput(format!(
        "{shown:?}{more} is not a content ID (they look like Qm... or bafy...). Check it for typing errors, or copy it again from the library."
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cids_are_checked_before_any_request() {
        let good = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
        assert_eq!(check_cid(&format!("  {good}\n")).unwrap(), good);
        for bad in ["", "hello", "Qm123", "bafy\nrm -rf"] {
            let e = check_cid(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad:?}");
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }

    #[tokio::test]
    async fn a_cancelled_operation_stops_and_says_so() {
        let cancel = Cancel::new();
        cancel.cancel();
        let r = cancellable(&cancel, std::future::pending::<Result<()>>()).await;
        assert_eq!(r.unwrap_err().code(), "cancelled");
    }
}
