//! Content: the upload body streamed from disk, the provenance recorded with
//! it, verified retrieval, and the pinset as a person sees it.

pub mod audit;
pub mod bagit;
pub mod dag;
pub mod fixity;
pub mod history;
pub mod ingest;
pub mod library;
pub mod placement;
pub mod policy;
pub mod premis;
pub mod provenance;
pub mod retrieve;
