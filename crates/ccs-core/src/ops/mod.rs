//! Every user-level operation, written once. The CLI and the app call these and
//! only translate requests, events and outcomes.

pub mod sources;
