//! The job journal as a person sees it: every add and retrieval of this
//! computer, the command line's and the app's, newest first.

use super::Session;
use crate::error::Result;
use crate::local::journal::JobRecord;

/// Every job, newest first; a running job whose program is gone reads
/// `interrupted`.
pub fn list(session: &Session) -> Vec<JobRecord> {
    session.journal().list()
}

/// Removes a finished job from the journal (Dismiss); false when it is
/// running or unknown.
pub fn forget(session: &Session, id: &str) -> Result<bool> {
    session.journal().forget(id)
}
