//! This computer's state: the settings file, the OS keychain, the job journal.

pub mod journal;
pub mod keychain;
pub mod settings;
