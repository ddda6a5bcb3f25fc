//! How a member node is configured: the settings that make it private.
//!
//! One model, two renderers: the testnet runs these steps against real daemons
//! on this machine, and the compose generator writes the same steps into the
//! init script and environment of the files partners run. Change a privacy
//! setting here and both follow.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::deploy::identity::NodeIdentity;
use crate::deploy::place::{ALLOCATE_BY, ALLOCATE_BY_ENV, Place, TAGS_ENV};
use crate::net::http::Credentials;

/// The shell variable that holds a deployed node's tailnet address, found at
/// start from the tailnet interface. Addresses that contain it are expanded by
/// the node's start script, never by compose.
pub const TAILNET_ADDR_VAR: &str = "$TAILNET_ADDR";

/// The cluster name every member's CRDT store uses. Fixed so that every file we
/// generate joins the same store.
pub const CRDT_CLUSTER_NAME: &str = "community-cloud-storage";

/// `CLUSTER_CRDT_REPAIRINTERVAL`: how often a peer whose copy of the shared
/// pinset missed an update repairs it.
pub const CRDT_REPAIR_INTERVAL: &str = "5m";

/// `CLUSTER_PINRECOVERINTERVAL` in seconds: how often each cluster peer
/// retries its own failed pins without anyone asking.
pub const PIN_RECOVER_INTERVAL_SECS: u64 = 60;

/// Trust model: holding the cluster secret is membership. With `*` a partner
/// invited later can add content that every member pins, without anyone
/// editing the other members' files; a partner is removed by rotating the
/// secrets (see the README).
pub const CRDT_TRUSTED_PEERS: &str = "*";

/// Environment every kubo process gets.
pub const KUBO_ENV: [(&str, &str); 2] = [
    // libp2p refuses to start without the swarm key rather than going public.
    ("LIBP2P_FORCE_PNET", "1"),
    // No usage reports leave the network.
    ("IPFS_TELEMETRY", "off"),
];

/// The secrets a community network shares. Generated once by `create`.
#[derive(Clone, PartialEq, Eq)]
pub struct NetworkSecrets {
    /// 32 random bytes, hex: the cluster swarm's pre-shared key.
    pub cluster_secret: String,
    /// 32 random bytes, hex: the kubo swarm's pre-shared key.
    pub swarm_key: String,
    /// Basic-auth credentials of the cluster REST API.
    pub rest_api: Credentials,
}

impl std::fmt::Debug for NetworkSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NetworkSecrets(<redacted>)")
    }
}

/// The REST API user name every generated node file sets.
pub const REST_API_USER: &str = "ccs-admin";

impl NetworkSecrets {
    /// Fresh secrets from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let hex32 = || hex::encode(random_bytes::<32>());
        let s = Self {
            cluster_secret: hex32(),
            swarm_key: hex32(),
            rest_api: Credentials {
                username: REST_API_USER.into(),
                password: hex::encode(random_bytes::<24>()),
            },
        };
        audit_secrets(&[&s.cluster_secret, &s.swarm_key, &s.rest_api.password]);
        s
    }

    /// The contents of kubo's `$IPFS_PATH/swarm.key`.
    pub fn swarm_key_file(&self) -> String {
        format!("/key/swarm/psk/1.0.0/\n/base16/\n{}\n", self.swarm_key)
    }
}

/// The test suite's secrets audit: in debug builds only, when
/// `CCS_SECRETS_AUDIT` names a file, each secret made here is appended to it
/// (one a line, file mode 0600), so that `scripts/test.sh` can check that none
/// of them appears in the suite's output or in any daemon log. Release builds
/// (what people install) never read the variable.
pub fn audit_secrets(secrets: &[&str]) {
    #[cfg(all(debug_assertions, unix))]
    if let Some(path) = std::env::var_os("CCS_SECRETS_AUDIT").filter(|p| !p.is_empty()) {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
        {
            for s in secrets {
                let _ = writeln!(f, "{s}");
            }
        }
    }
    #[cfg(not(all(debug_assertions, unix)))]
    let _ = secrets;
}

/// Bytes from the operating system's CSPRNG.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS generator only fails when the kernel has no entropy source at all,
    // in which case no secret can be made safely and stopping is right.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut buf)
        .expect("the operating system's random number generator is unavailable");
    buf
}

/// A kubo node reachable by its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KuboPeer {
    pub peer_id: String,
    /// Swarm multiaddrs without the `/p2p/` suffix.
    pub addrs: Vec<String>,
}

/// Where one kubo node listens. Everything admin is loopback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KuboListen {
    /// Swarm (TCP only: a private network has no QUIC).
    pub swarm: Vec<String>,
    /// What the node tells members to dial; its tailnet address when deployed.
    pub announce: Vec<String>,
    /// RPC API (full admin): always loopback.
    pub api: String,
    /// HTTP gateway: the tailnet address when deployed.
    pub gateway: String,
}

/// One `ipfs config --json KEY VALUE` call.
#[derive(Debug, Clone, PartialEq)]
pub struct KuboConfigStep {
    pub key: &'static str,
    pub value: Value,
}

/// Every kubo setting that makes a node private, in the order applied. Run on
/// every start (not only the first) so a node can never drift public.
pub fn kubo_config(
    listen: &KuboListen,
    members: &[KuboPeer],
    profile: &[KuboConfigStep],
) -> Vec<KuboConfigStep> {
    let bootstrap: Vec<String> = members
        .iter()
        .flat_map(|m| {
            m.addrs
                .iter()
                .map(move |a| format!("{a}/p2p/{}", m.peer_id))
        })
        .collect();
    let peering: Vec<Value> = members
        .iter()
        .map(|m| json!({"ID": m.peer_id, "Addrs": m.addrs}))
        .collect();
    let step = |key, value| KuboConfigStep { key, value };
    let mut steps = vec![
        // No central configuration service, and no "auto" placeholders left.
        step("AutoConf.Enabled", json!(false)),
        step("DNS.Resolvers", json!({})),
        step("Routing.DelegatedRouters", json!([])),
        step("Ipns.DelegatedPublishers", json!([])),
        // Members only, found directly and kept connected.
        step("Bootstrap", json!(bootstrap)),
        step("Peering.Peers", json!(peering)),
        // A DHT among members only: the swarm key keeps everyone else out.
        step("Routing.Type", json!("dhtserver")),
        // Nothing that advertises the node or reaches outside the mesh.
        step("Discovery.MDNS.Enabled", json!(false)),
        step("Swarm.DisableNatPortMap", json!(true)),
        step("Swarm.RelayClient.Enabled", json!(false)),
        step("Swarm.RelayService.Enabled", json!(false)),
        step("Swarm.EnableHolePunching", json!(false)),
        step("AutoNAT.ServiceMode", json!("disabled")),
        step("AutoTLS.Enabled", json!(false)),
        step("Swarm.Transports.Network.QUIC", json!(false)),
        step("Swarm.Transports.Network.WebTransport", json!(false)),
        step("Swarm.Transports.Network.WebRTCDirect", json!(false)),
        step("Swarm.Transports.Network.Websocket", json!(false)),
        step("Plugins.Plugins.telemetry.Config", json!({"Mode": "off"})),
        // Listen and announce only where members can reach; admin on loopback.
        step("Addresses.Swarm", json!(listen.swarm)),
        step("Addresses.Announce", json!(listen.announce)),
        step("Addresses.NoAnnounce", json!([])),
        step("Swarm.AddrFilters", json!([])),
        step("Addresses.API", json!(listen.api)),
        step("Addresses.Gateway", json!(listen.gateway)),
        // The gateway serves only the blocks this node holds: an audit that
        // asks a partner for its copy must meet a missing block as missing,
        // not one fetched from another member on the way (kubo's
        // `Gateway.NoFetch`: an offline block service and path resolver for
        // the gateway alone; pinning and the cluster still fetch).
        step("Gateway.NoFetch", json!(true)),
    ];
    steps.extend_from_slice(profile);
    steps
}

/// Settings of one IPFS Cluster peer.
#[derive(Debug, Clone)]
pub struct ClusterPeerSettings {
    pub peername: String,
    /// The peer's identity; `None` keeps the one `ipfs-cluster-service init` made.
    pub identity: Option<NodeIdentity>,
    pub secret: String,
    pub rest_api: Credentials,
    /// Cluster swarm listen multiaddrs (TCP only: the secret rules out QUIC).
    pub listen: Vec<String>,
    /// REST API listen multiaddr (the tailnet address when deployed).
    pub rest_listen: String,
    /// The local kubo RPC API.
    pub ipfs_api: String,
    /// The cluster's IPFS proxy (unauthenticated): loopback only.
    pub proxy_listen: String,
    /// The pinning-service API: loopback only and with the same credentials.
    pub pinsvc_listen: String,
    /// 0 = cluster default, -1 = every peer.
    pub replication_min: i32,
    pub replication_max: i32,
    /// Go duration, e.g. `15s`.
    pub monitor_ping_interval: String,
    /// How often the peer walks the shared pinset to unpin expired pins (a
    /// withdrawn item's end, `ops::withdraw`); `None` keeps IPFS Cluster's
    /// 5 minutes (a deployment's withdrawals last days). Go duration.
    pub state_sync_interval: Option<String>,
    /// The node's organisation and site, published as informer tags
    /// ([`crate::deploy::place`]); empty keeps IPFS Cluster's default tags.
    pub place: Place,
}

impl ClusterPeerSettings {
    /// The `CLUSTER_*` environment for `ipfs-cluster-service daemon`.
    /// Every value is set, never left empty: an empty variable still overrides
    /// (an empty `CLUSTER_SECRET` means an unprotected cluster). The one
    /// variable that may be absent is `CLUSTER_TAGS_TAGS`: not set for an
    /// empty place, so the node keeps the default tags (`group: default`).
    pub fn env(&self) -> BTreeMap<&'static str, String> {
        let auth = format!("{}:{}", self.rest_api.username, self.rest_api.password);
        let mut env = BTreeMap::from([
            ("CLUSTER_PEERNAME", self.peername.clone()),
            ("CLUSTER_SECRET", self.secret.clone()),
            ("CLUSTER_LISTENMULTIADDRESS", self.listen.join(",")),
            ("CLUSTER_CRDT_CLUSTERNAME", CRDT_CLUSTER_NAME.into()),
            ("CLUSTER_CRDT_TRUSTEDPEERS", CRDT_TRUSTED_PEERS.into()),
            // When a peer fails to fetch an update of the shared pinset (seen
            // under load: "error getting delta: context deadline exceeded"),
            // go-ds-crdt marks its store dirty and walks the pinset's history
            // to repair it on this interval, only while dirty. The default
            // (1h) left that peer missing a pin for up to an hour.
            ("CLUSTER_CRDT_REPAIRINTERVAL", CRDT_REPAIR_INTERVAL.into()),
            ("CLUSTER_MDNSINTERVAL", "0s".into()),
            ("CLUSTER_DISABLEREPINNING", "false".into()),
            // How often a peer retries its failed pins on its own. The
            // default (12m) left a pin that failed while the local kubo was
            // restarting in error for up to 12 minutes; a retry every minute
            // costs one local pin listing (tests/tests/faults.rs measures it).
            (
                "CLUSTER_PINRECOVERINTERVAL",
                PIN_RECOVER_INTERVAL_SECS.to_string() + "s",
            ),
            (
                "CLUSTER_REPLICATIONFACTORMIN",
                self.replication_min.to_string(),
            ),
            (
                "CLUSTER_REPLICATIONFACTORMAX",
                self.replication_max.to_string(),
            ),
            (
                "CLUSTER_MONITORPINGINTERVAL",
                self.monitor_ping_interval.clone(),
            ),
            ("CLUSTER_IPFSHTTP_NODEMULTIADDRESS", self.ipfs_api.clone()),
            (
                "CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS",
                self.rest_listen.clone(),
            ),
            ("CLUSTER_RESTAPI_BASICAUTHCREDENTIALS", auth.clone()),
            (
                "CLUSTER_IPFSPROXY_LISTENMULTIADDRESS",
                self.proxy_listen.clone(),
            ),
            ("CLUSTER_IPFSPROXY_NODEMULTIADDRESS", self.ipfs_api.clone()),
            (
                "CLUSTER_PINSVCAPI_HTTPLISTENMULTIADDRESS",
                self.pinsvc_listen.clone(),
            ),
            ("CLUSTER_PINSVCAPI_BASICAUTHCREDENTIALS", auth),
            // Copies go to different sites first, then by free space. This is
            // IPFS Cluster 1.1.6's default, set so that a changed default
            // cannot stop the spreading silently.
            (ALLOCATE_BY_ENV, ALLOCATE_BY.into()),
        ]);
        if let Some(tags) = self.place.tags_env() {
            env.insert(TAGS_ENV, tags);
        }
        if let Some(every) = &self.state_sync_interval {
            env.insert("CLUSTER_STATESYNCINTERVAL", every.clone());
        }
        if let Some(id) = &self.identity {
            env.insert("CLUSTER_ID", id.peer_id.clone());
            env.insert("CLUSTER_PRIVATEKEY", id.private_key.clone());
        }
        env
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_fresh_64_hex_and_never_debug_printed() {
        let a = NetworkSecrets::generate();
        let b = NetworkSecrets::generate();
        assert_ne!(a.cluster_secret, b.cluster_secret);
        assert_ne!(a.swarm_key, b.swarm_key);
        for s in [&a.cluster_secret, &a.swarm_key] {
            assert_eq!(s.len(), 64);
            assert!(s.bytes().all(|c| c.is_ascii_hexdigit()));
        }
        let dbg = format!("{a:?} {:?}", a.rest_api);
        assert!(!dbg.contains(&a.cluster_secret));
        assert!(!dbg.contains(&a.rest_api.password));
        assert!(
            a.swarm_key_file()
                .starts_with("/key/swarm/psk/1.0.0/\n/base16/\n")
        );
    }

    fn settings(place: Place) -> ClusterPeerSettings {
        ClusterPeerSettings {
            peername: "acme".into(),
            identity: None,
            secret: "s".into(),
            rest_api: Credentials {
                username: REST_API_USER.into(),
                password: "p".into(),
            },
            listen: vec!["/ip4/127.0.0.1/tcp/9096".into()],
            rest_listen: "/ip4/127.0.0.1/tcp/9094".into(),
            ipfs_api: "/ip4/127.0.0.1/tcp/5001".into(),
            proxy_listen: "/ip4/127.0.0.1/tcp/9095".into(),
            pinsvc_listen: "/ip4/127.0.0.1/tcp/9097".into(),
            replication_min: -1,
            replication_max: -1,
            monitor_ping_interval: "15s".into(),
            state_sync_interval: None,
            place,
        }
    }

    #[test]
    fn the_place_becomes_tags_and_copies_go_to_sites_first() {
        let env = settings(Place::default()).env();
        assert_eq!(env[ALLOCATE_BY_ENV], "tag:group,freespace");
        assert!(
            !env.contains_key(TAGS_ENV),
            "an empty place keeps the default tags"
        );
        let place = Place::new(Some("Leeds Community Archive"), Some("Leeds, UK")).unwrap();
        let env = settings(place).env();
        assert_eq!(
            env[TAGS_ENV],
            "group:Leeds%2C UK,org:Leeds Community Archive"
        );
        assert_eq!(env[ALLOCATE_BY_ENV], "tag:group,freespace");
    }

    #[test]
    fn members_become_bootstrap_and_peering() {
        let listen = KuboListen {
            swarm: vec!["/ip4/127.0.0.1/tcp/4001".into()],
            announce: vec!["/ip4/127.0.0.1/tcp/4001".into()],
            api: "/ip4/127.0.0.1/tcp/5001".into(),
            gateway: "/ip4/127.0.0.1/tcp/8080".into(),
        };
        let m = KuboPeer {
            peer_id: "12D3KooWtest".into(),
            addrs: vec!["/ip4/127.0.0.1/tcp/4002".into()],
        };
        let steps = kubo_config(&listen, &[m], &[]);
        let get = |k: &str| steps.iter().find(|s| s.key == k).map(|s| s.value.clone());
        assert_eq!(
            get("Bootstrap"),
            Some(json!(["/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWtest"]))
        );
        assert_eq!(get("AutoConf.Enabled"), Some(json!(false)));
        assert_eq!(get("Discovery.MDNS.Enabled"), Some(json!(false)));
        assert_eq!(get("Gateway.NoFetch"), Some(json!(true)));
        // Nothing is left on "auto".
        assert!(
            !steps
                .iter()
                .any(|s| s.value.to_string().contains("\"auto\""))
        );
    }
}
