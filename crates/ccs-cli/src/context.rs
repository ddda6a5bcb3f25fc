//! The command line's view of the core's [`Session`]: which settings file
//! (`--config`, `$CCS_CONFIG`, the platform's config folder), which node
//! (`--cluster-peername`), and whether to print JSON. Node and credential
//! resolution are the core's (`ccs_core::ops::session`), shared with the app.

use ccs_core::ops::{Node, Session};

use crate::CliResult;
use crate::args::Global;

pub use ccs_core::local::keychain::SERVICE as KEYCHAIN_SERVICE;

/// Recorded as `client` in each item's provenance and in the job journal.
pub const CLIENT: &str = concat!("community-cloud-storage/", env!("CARGO_PKG_VERSION"));

pub struct Context {
    pub session: Session,
    pub json: bool,
}

impl Context {
    pub fn new(global: &Global) -> CliResult<Self> {
        Self::load(global, true)
    }

    /// For a command that writes the settings (`join`): a settings file
    /// named with --config that does not exist yet is created.
    pub fn for_new_settings(global: &Global) -> CliResult<Self> {
        Self::load(global, false)
    }

    fn load(global: &Global, named_must_exist: bool) -> CliResult<Self> {
        let (path, named) = match &global.config {
            Some(p) => (p.clone(), named_must_exist),
            None => (ccs_core::ops::session::default_settings_path(), false),
        };
        let mut session = Session::load(&path, named, CLIENT)?;
        session.node_override = global.cluster_peername.clone();
        Ok(Self {
            session,
            json: global.json,
        })
    }

    /// The node to talk to, with its credentials filled in.
    pub fn node(&self) -> CliResult<Node> {
        Ok(self.session.node()?)
    }
}
