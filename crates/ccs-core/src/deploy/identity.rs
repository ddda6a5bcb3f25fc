//! libp2p identities (Ed25519), generated offline so every peer id of a
//! network is known before any node runs.
//!
//! kubo's `Identity.PrivKey` and IPFS Cluster's `identity.json` `private_key`
//! share one format: base64 of the libp2p protobuf-encoded private key. The
//! peer id is derived from the public key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use libp2p_identity::Keypair;

use crate::error::{Error, Result};

/// A node identity: its peer id and private key.
#[derive(Clone, PartialEq, Eq)]
pub struct NodeIdentity {
    /// `12D3KooW...`
    pub peer_id: String,
    /// Base64 of the protobuf-encoded Ed25519 private key. Secret.
    pub private_key: String,
}

impl std::fmt::Debug for NodeIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeIdentity")
            .field("peer_id", &self.peer_id)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

impl NodeIdentity {
    /// A fresh Ed25519 identity from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let key = Keypair::generate_ed25519();
        let bytes = key
            .to_protobuf_encoding()
            .unwrap_or_else(|_| unreachable!("Ed25519 keys always encode"));
        let id = Self {
            peer_id: key.public().to_peer_id().to_base58(),
            private_key: BASE64.encode(bytes),
        };
        crate::deploy::node_config::audit_secrets(&[&id.private_key]);
        id
    }

    /// Reads an identity back from its private key, checking that it decodes
    /// and deriving the peer id from it (never trusting a stated id).
    pub fn from_private_key(private_key: &str) -> Result<Self> {
        let bad = |detail: &str| {
            Error::InvalidInput(format!(
                "A node's private key is not valid ({detail}); use the node file exactly as it was generated."
            ))
        };
        let bytes = BASE64
            .decode(private_key.trim())
            .map_err(|_| bad("not base64"))?;
        let key = Keypair::from_protobuf_encoding(&bytes).map_err(|_| bad("not a libp2p key"))?;
        Ok(Self {
            peer_id: key.public().to_peer_id().to_base58(),
            private_key: private_key.trim().to_string(),
        })
    }
}

/// True when `s` looks like a libp2p peer id (base58btc multihash).
pub fn is_peer_id(s: &str) -> bool {
    s.parse::<libp2p_identity::PeerId>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_identity_round_trips_and_ids_derive_from_keys() {
        let a = NodeIdentity::generate();
        assert!(a.peer_id.starts_with("12D3KooW"), "{}", a.peer_id);
        assert!(is_peer_id(&a.peer_id));
        let back = NodeIdentity::from_private_key(&a.private_key).unwrap();
        assert_eq!(back, a);
        assert_ne!(NodeIdentity::generate().peer_id, a.peer_id);
        assert!(!format!("{a:?}").contains(&a.private_key));
        assert!(NodeIdentity::from_private_key("bm90IGEga2V5").is_err());
        assert!(!is_peer_id("bootstrap"));
    }
}
