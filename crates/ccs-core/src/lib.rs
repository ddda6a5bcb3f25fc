//! community-cloud-storage's core: everything the CLI and the desktop app do,
//! with no terminal and no webview. See ARCHITECTURE.md for the map.
//!
//! - [`ops`]: every user-level operation, once; the shells only translate.
//! - [`net`]: the IPFS Cluster and kubo HTTP clients.
//! - [`content`]: what goes in (ingest, provenance) and comes out (verified retrieval),
//!   and the library as a person sees it.
//! - [`deploy`]: node files (compose), their privacy settings, identities, invitations.
//! - [`local`]: this computer's settings, keychain and job journal.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod content;
pub mod deploy;
pub mod error;
pub mod local;
pub mod net;
pub mod ops;

pub use error::{Error, ErrorCode, ErrorPayload, Result};
pub use net::http::Credentials;
