//! Deployment: the compose generator, what makes a member node private,
//! libp2p identities, invitations and the daemon versions we deploy.

pub mod compose;
pub mod identity;
pub mod invite;
pub mod node_config;
pub mod place;
pub mod versions;
