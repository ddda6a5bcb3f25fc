//! Unit tests of the net/ clients against answers recorded from the real
//! daemons (kubo 0.43.1, IPFS Cluster 1.1.6): see `testdata/README.md`.

mod cluster_client;
mod http_client;
mod kubo_client;
mod support;
