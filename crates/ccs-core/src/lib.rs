//! community-cloud-storage's core: everything the CLI and the desktop app do,
//! with no terminal and no webview. See ARCHITECTURE.md for the map.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod app_support;
pub mod cluster;
pub mod compose;
pub mod deploy;
pub mod error;
pub mod http;
pub mod identity;
pub mod ingest;
pub mod invite;
pub mod journal;
pub mod keychain;
pub mod kubo;
pub mod library;
pub mod profile;
pub mod provenance;
pub mod retrieve;
pub mod versions;

pub use error::{Error, ErrorPayload, Result};
pub use http::Credentials;
