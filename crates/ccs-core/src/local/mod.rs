//! This computer's state: the settings file, the OS keychain, the job journal,
//! the audits' findings, the measured upload rates,
//! and how operations read and write its files.

pub mod audits;
pub mod files;
pub mod filesystem;
pub mod journal;
pub mod keychain;
pub mod settings;
pub mod upload_rates;
pub mod watched;
