//! The HTTP clients: IPFS Cluster's REST API and kubo's gateway (and the little
//! of its RPC a node exposes to itself).

pub mod cluster;
pub mod http;
pub mod kubo;
pub mod tailnet;

/// The clients against recorded daemon answers (`testdata/`), served on 127.0.0.1.
#[cfg(test)]
mod tests;
