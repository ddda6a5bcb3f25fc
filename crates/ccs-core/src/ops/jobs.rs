//! How an operation records itself in the job journal while it runs. Listing
//! the journal and Dismiss are the journal's own `list` and `forget`
//! (`local::journal`), which need no settings and no node.

use super::Session;
use crate::error::Result;
use crate::local::journal::{Ending, JobInputs, JobKind};

/// An add or retrieval recorded in the journal while it runs. A journal that
/// cannot be written does not stop the job: it is then simply not recorded.
pub(crate) struct Recorded {
    journal: crate::local::journal::Journal,
    pub id: Option<String>,
}

impl Recorded {
    /// Records the start of a job (under `id`, the app's job id, when given).
    pub fn start(session: &Session, id: Option<&str>, kind: JobKind, inputs: JobInputs) -> Self {
        let journal = session.journal();
        let id = journal
            .start(id, kind, session.client, inputs)
            .ok()
            .map(|r| r.id);
        Self { journal, id }
    }

    /// Records the item's name once it is known.
    pub fn set_name(&self, name: &str) {
        if let Some(id) = &self.id {
            let _ = self.journal.set_name(id, name);
        }
    }

    /// Records how the job ended; `done` is what a finished job names (a CID,
    /// a saved path).
    pub fn finish<T>(&self, result: &Result<T>, done: impl FnOnce(&T) -> String) {
        if let Some(id) = &self.id {
            let ending = match result {
                Ok(v) => Ending::Done(done(v)),
                Err(e) => Ending::from_error(e),
            };
            let _ = self.journal.finish(id, ending);
        }
    }
}
