//! The compose generator: one model of a member node's deployment
//! ([`NodeFile`]), rendered to a self-contained docker compose file and parsed
//! back from one by meaning (services found by image, settings by variable
//! name; never by list position).
//!
//! What makes the node private comes from [`crate::deploy::node_config`], the same settings
//! the testnet runs. Each service's start script applies them on every start,
//! so a node can never drift public. Anything the operator added to a file
//! (extra environment, volumes, ports, labels, services) is carried through
//! `clone` untouched.
//!
//! A node's organisation and site ([`Place`]) are IPFS Cluster informer tags
//! in the cluster service's `CLUSTER_TAGS_TAGS`; a file made before sites
//! existed has none, reads as an empty place and keeps the default tags.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_yaml::{Mapping, Value};

use crate::deploy::identity::{NodeIdentity, is_peer_id};
use crate::deploy::node_config::{
    self, ClusterPeerSettings, KuboListen, KuboPeer, NetworkSecrets, TAILNET_ADDR_VAR,
};
use crate::deploy::place::{Place, TAGS_ENV};
use crate::deploy::versions::{IPFS_CLUSTER, KUBO};
use crate::error::{Error, Result};
use crate::net::http::Credentials;

/// Ports of a deployed node (host networking, so fixed and well known).
pub const KUBO_SWARM_PORT: u16 = 4001;
pub const KUBO_API_PORT: u16 = 5001;
pub const GATEWAY_PORT: u16 = 8080;
pub const CLUSTER_API_PORT: u16 = 9094;
pub const CLUSTER_PROXY_PORT: u16 = 9095;
pub const CLUSTER_SWARM_PORT: u16 = 9096;
pub const CLUSTER_PINSVC_PORT: u16 = 9097;

/// The interface whose address a node announces, unless configured otherwise.
pub const DEFAULT_TAILNET_INTERFACE: &str = "tailscale0";

// Variable names our start scripts read. Secrets and identities travel in the
// environment so that the file is one self-contained paste.
const V_SWARM_KEY: &str = "CCS_SWARM_KEY";
const V_KUBO_PEER_ID: &str = "CCS_KUBO_PEER_ID";
const V_KUBO_PRIVATE_KEY: &str = "CCS_KUBO_PRIVATE_KEY";
const V_BOOTSTRAP_HOST: &str = "CCS_BOOTSTRAP_HOST";
const V_BOOTSTRAP_KUBO: &str = "CCS_BOOTSTRAP_KUBO_PEER_ID";
const V_BOOTSTRAP_CLUSTER: &str = "CCS_BOOTSTRAP_CLUSTER_PEER_ID";
const V_TAILNET_INTERFACE: &str = "CCS_TAILNET_INTERFACE";

/// Default replication: every member keeps a copy. Archives in a community
/// network are few and precious; a member who lacks room lowers it per item.
pub const DEFAULT_REPLICATION: i32 = -1;

/// The member a partner's node joins through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapPeer {
    /// Tailnet host name (or address) of the member.
    pub host: String,
    pub kubo_peer_id: String,
    pub cluster_peer_id: String,
}

impl BootstrapPeer {
    fn addr_proto(&self) -> &'static str {
        match self.host.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => "ip4",
            Ok(IpAddr::V6(_)) => "ip6",
            Err(_) => "dns4",
        }
    }

    /// kubo swarm address, without the `/p2p/` part.
    pub fn kubo_addr(&self) -> String {
        format!("/{}/{}/tcp/{KUBO_SWARM_PORT}", self.addr_proto(), self.host)
    }

    /// Full cluster multiaddr, for `--bootstrap`.
    pub fn cluster_multiaddr(&self) -> String {
        format!(
            "/{}/{}/tcp/{CLUSTER_SWARM_PORT}/p2p/{}",
            self.addr_proto(),
            self.host,
            self.cluster_peer_id
        )
    }
}

/// One member node's deployment.
#[derive(Debug, Clone)]
pub struct NodeFile {
    /// The node's name on the tailnet; also its cluster peer name.
    pub peername: String,
    pub secrets: NetworkSecrets,
    pub kubo_identity: NodeIdentity,
    pub cluster_identity: NodeIdentity,
    /// `None` for the bootstrap node.
    pub bootstrap: Option<BootstrapPeer>,
    pub tailnet_interface: String,
    pub replication_min: i32,
    pub replication_max: i32,
    /// The node's organisation and site (informer tags); empty when not given.
    pub place: Place,
    /// The document this was parsed from: the operator's additions are kept.
    document: Option<Mapping>,
}

impl PartialEq for NodeFile {
    fn eq(&self, other: &Self) -> bool {
        self.peername == other.peername
            && self.secrets == other.secrets
            && self.kubo_identity == other.kubo_identity
            && self.cluster_identity == other.cluster_identity
            && self.bootstrap == other.bootstrap
            && self.tailnet_interface == other.tailnet_interface
            && self.replication_min == other.replication_min
            && self.replication_max == other.replication_max
            && self.place == other.place
    }
}

/// Checks a peer or host name: what a tailnet (MagicDNS) name can be.
pub fn check_host_name(what: &str, name: &str) -> Result<()> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let ok = name.parse::<IpAddr>().is_ok() || (name.len() <= 253 && name.split('.').all(label_ok));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "\"{name}\" is not a valid {what}: use the machine's tailnet name (letters, digits and hyphens, e.g. \"acme-archive\")."
        )))
    }
}

impl NodeFile {
    /// The bootstrap node of a new network: fresh secrets and identities, no
    /// place yet (the caller sets `place`).
    pub fn create(peername: &str) -> Result<Self> {
        check_host_name("peer name", peername)?;
        if peername.contains('.') {
            return Err(Error::InvalidInput(format!(
                "\"{peername}\" is not a valid peer name: use a single name without dots (e.g. \"bootstrap\")."
            )));
        }
        Ok(Self {
            peername: peername.to_string(),
            secrets: NetworkSecrets::generate(),
            kubo_identity: NodeIdentity::generate(),
            cluster_identity: NodeIdentity::generate(),
            bootstrap: None,
            tailnet_interface: DEFAULT_TAILNET_INTERFACE.into(),
            replication_min: DEFAULT_REPLICATION,
            replication_max: DEFAULT_REPLICATION,
            place: Place::default(),
            document: None,
        })
    }

    /// A partner's node: same network secrets, a NEW identity, joining through
    /// `bootstrap_host`. The member at that host is this file's own node, or
    /// this file's bootstrap when `bootstrap_host` names it; its peer ids come
    /// from this file, so no network is needed. None of this node's private
    /// keys are carried over, nor its place: a partner is another
    /// organisation, so the partner's `place` is empty for the caller to set.
    pub fn clone_for(&self, peername: &str, bootstrap_host: &str) -> Result<Self> {
        let mut partner = Self::create(peername)?;
        check_host_name("bootstrap host", bootstrap_host)?;
        if peername == self.peername {
            return Err(Error::InvalidInput(format!(
                "\"{peername}\" is already the name of the node in the input file; choose the partner's own tailnet name."
            )));
        }
        let bootstrap = match &self.bootstrap {
            Some(b) if b.host == bootstrap_host => b.clone(),
            _ => BootstrapPeer {
                host: bootstrap_host.to_string(),
                kubo_peer_id: self.kubo_identity.peer_id.clone(),
                cluster_peer_id: self.cluster_identity.peer_id.clone(),
            },
        };
        partner.secrets = self.secrets.clone();
        partner.bootstrap = Some(bootstrap);
        partner.tailnet_interface = self.tailnet_interface.clone();
        partner.replication_min = self.replication_min;
        partner.replication_max = self.replication_max;
        partner.place = Place::default();
        partner.document = self.document.clone();
        Ok(partner)
    }

    /// The address of this node's REST API on `host`.
    pub fn cluster_api_url(host: &str) -> String {
        format!("http://{host}:{CLUSTER_API_PORT}")
    }

    fn kubo_steps(&self) -> Vec<node_config::KuboConfigStep> {
        let addr = TAILNET_ADDR_VAR;
        let listen = KuboListen {
            swarm: vec![format!("/ip4/{addr}/tcp/{KUBO_SWARM_PORT}")],
            announce: vec![format!("/ip4/{addr}/tcp/{KUBO_SWARM_PORT}")],
            api: format!("/ip4/127.0.0.1/tcp/{KUBO_API_PORT}"),
            gateway: format!("/ip4/{addr}/tcp/{GATEWAY_PORT}"),
        };
        let members: Vec<KuboPeer> = self
            .bootstrap
            .iter()
            .map(|b| KuboPeer {
                peer_id: b.kubo_peer_id.clone(),
                addrs: vec![b.kubo_addr()],
            })
            .collect();
        node_config::kubo_config(&listen, &members, &[])
    }

    fn cluster_settings(&self) -> ClusterPeerSettings {
        let addr = TAILNET_ADDR_VAR;
        ClusterPeerSettings {
            peername: self.peername.clone(),
            identity: Some(self.cluster_identity.clone()),
            secret: self.secrets.cluster_secret.clone(),
            rest_api: self.secrets.rest_api.clone(),
            listen: vec![format!("/ip4/{addr}/tcp/{CLUSTER_SWARM_PORT}")],
            rest_listen: format!("/ip4/{addr}/tcp/{CLUSTER_API_PORT}"),
            ipfs_api: format!("/ip4/127.0.0.1/tcp/{KUBO_API_PORT}"),
            proxy_listen: format!("/ip4/127.0.0.1/tcp/{CLUSTER_PROXY_PORT}"),
            pinsvc_listen: format!("/ip4/127.0.0.1/tcp/{CLUSTER_PINSVC_PORT}"),
            replication_min: self.replication_min,
            replication_max: self.replication_max,
            monitor_ping_interval: "15s".into(),
            state_sync_interval: None,
            place: self.place.clone(),
        }
    }

    fn kubo_env(&self) -> BTreeMap<String, String> {
        let mut env: BTreeMap<String, String> = node_config::KUBO_ENV
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.insert(V_SWARM_KEY.into(), self.secrets.swarm_key.clone());
        env.insert(V_KUBO_PEER_ID.into(), self.kubo_identity.peer_id.clone());
        env.insert(
            V_KUBO_PRIVATE_KEY.into(),
            self.kubo_identity.private_key.clone(),
        );
        env.insert(V_TAILNET_INTERFACE.into(), self.tailnet_interface.clone());
        self.bootstrap_env(&mut env);
        env
    }

    fn bootstrap_env(&self, env: &mut BTreeMap<String, String>) {
        if let Some(b) = &self.bootstrap {
            env.insert(V_BOOTSTRAP_HOST.into(), b.host.clone());
            env.insert(V_BOOTSTRAP_KUBO.into(), b.kubo_peer_id.clone());
            env.insert(V_BOOTSTRAP_CLUSTER.into(), b.cluster_peer_id.clone());
        }
    }

    /// The cluster environment; addresses that depend on the tailnet address go
    /// to the start script instead (`exports`).
    fn cluster_env(&self) -> (BTreeMap<String, String>, Vec<(String, String)>) {
        let mut env = BTreeMap::new();
        let mut exports = Vec::new();
        for (k, v) in self.cluster_settings().env() {
            if v.contains(TAILNET_ADDR_VAR) {
                exports.push((k.to_string(), v));
            } else {
                env.insert(k.to_string(), v);
            }
        }
        env.insert(V_TAILNET_INTERFACE.into(), self.tailnet_interface.clone());
        self.bootstrap_env(&mut env);
        (env, exports)
    }

    fn kubo_script(&self) -> String {
        let mut s = String::new();
        s.push_str("set -eu\n");
        s.push_str(FIND_TAILNET_ADDR);
        s.push_str(
            "# First start: create the repository, then give it this node's identity\n\
             # (generated with the file, so every member knows its peer id in advance;\n\
             # kubo has no command that sets a private key, so the config file is edited).\n\
             if [ ! -f \"$IPFS_PATH/config\" ]; then\n\
             \x20 ipfs init --empty-repo\n\
             \x20 sed -i -e \"s|\\\"PeerID\\\": \\\"[^\\\"]*\\\"|\\\"PeerID\\\": \\\"$CCS_KUBO_PEER_ID\\\"|\" \\\n\
             \x20   -e \"s|\\\"PrivKey\\\": \\\"[^\\\"]*\\\"|\\\"PrivKey\\\": \\\"$CCS_KUBO_PRIVATE_KEY\\\"|\" \"$IPFS_PATH/config\"\n\
             fi\n\
             if [ \"$(ipfs config Identity.PeerID)\" != \"$CCS_KUBO_PEER_ID\" ]; then\n\
             \x20 echo \"This node's repository has another identity than the one in its compose file.\" >&2\n\
             \x20 exit 1\n\
             fi\n\
             # The network's key: without it, and with LIBP2P_FORCE_PNET=1, kubo refuses to start.\n\
             umask 077\n\
             printf '/key/swarm/psk/1.0.0/\\n/base16/\\n%s\\n' \"$CCS_SWARM_KEY\" > \"$IPFS_PATH/swarm.key\"\n\
             # Private-network settings, applied on every start.\n",
        );
        for step in self.kubo_steps() {
            s.push_str(&format!(
                "ipfs config --json {} {}\n",
                step.key,
                shell_quote_json(&step.value.to_string())
            ));
        }
        s.push_str("exec ipfs daemon --migrate=true\n");
        s
    }

    fn cluster_script(&self, exports: &[(String, String)]) -> String {
        let mut s = String::new();
        s.push_str("set -eu\n");
        s.push_str(FIND_TAILNET_ADDR);
        s.push_str("# Listen only on the tailnet address.\n");
        for (k, v) in exports {
            s.push_str(&format!("export {k}={}\n", shell_quote_json(v)));
        }
        s.push_str(
            "# First start: create the configuration (identity and settings come from the environment).\n\
             [ -f \"$IPFS_CLUSTER_PATH/service.json\" ] || ipfs-cluster-service init --consensus crdt\n",
        );
        match &self.bootstrap {
            Some(b) => s.push_str(&format!(
                "exec ipfs-cluster-service daemon --bootstrap {}\n",
                b.cluster_multiaddr()
            )),
            None => s.push_str("exec ipfs-cluster-service daemon\n"),
        }
        s
    }

    /// The compose file, with its comments.
    pub fn render(&self) -> String {
        let doc = self.document_value();
        let yaml = serde_yaml::to_string(&Value::Mapping(doc.clone()))
            .unwrap_or_else(|e| unreachable!("a YAML mapping always serialises: {e}"));
        let (kubo_key, cluster_key) = service_keys(&doc);
        let mut out = self.header();
        out.push_str(&annotate(&yaml, &comments(&kubo_key, &cluster_key)));
        out
    }

    fn header(&self) -> String {
        let role = match &self.bootstrap {
            None => "the bootstrap node of a new community network".to_string(),
            Some(b) => format!("a partner node that joins through \"{}\"", b.host),
        };
        format!(
            "# community-cloud-storage: node \"{peer}\", {role}.\n\
             # {place}\n\
             # Generated by community-cloud-storage {ver}.\n\
             #\n\
             # DANGER: this file holds the secret keys of your community network. Anyone who has it\n\
             # can join the network and read or delete everything stored in it. Send it only over an\n\
             # end-to-end encrypted channel (for example Signal), never by e-mail or in a public place,\n\
             # and delete your copy of the message once it is installed.\n\
             #\n\
             # Start it with `docker compose up -d` on a machine that is already on the tailnet, or\n\
             # paste it into QNAP Container Station (Applications > Create). Membership: holding the\n\
             # cluster secret is membership (trusted peers \"*\"); to remove a partner, create a new\n\
             # network file (new secrets) and send it to the remaining members.\n",
            peer = self.peername,
            place = self.place_sentence(),
            ver = env!("CARGO_PKG_VERSION"),
        )
    }

    /// The organisation and site in plain words, for the header comment.
    fn place_sentence(&self) -> String {
        // Names are one line already (`Place::new`, `name_from_tag`); a place
        // set some other way cannot break out of the comment or make the
        // file unreadable either.
        let name = |s: &str| {
            s.chars()
                .map(|c| if fits_a_comment(c) { c } else { ' ' })
                .collect::<String>()
        };
        let org = match self.place.organisation.as_deref() {
            Some(o) => format!("Organisation: \"{}\".", name(o)),
            None => "No organisation is set.".to_string(),
        };
        match self.place.site.as_deref() {
            Some(site) => format!(
                "{org} Site: \"{}\" (a place with its own disaster risk):\n\
                 # copies of each item go to nodes at different sites first, then where there is most room.",
                name(site)
            ),
            None => format!(
                "{org} No site is set: the node counts as one site with every other node without one."
            ),
        }
    }

    /// The full document: the operator's (if any) with our settings applied.
    fn document_value(&self) -> Mapping {
        let mut doc = self.document.clone().unwrap_or_default();
        let (kubo_key, cluster_key) = service_keys(&doc);
        let services = mapping_entry(&mut doc, "services");

        let kubo = mapping_entry(services, &kubo_key);
        set(kubo, "image", KUBO.image.into());
        set(kubo, "network_mode", "host".into());
        set_default(kubo, "restart", "unless-stopped".into());
        set(
            kubo,
            "entrypoint",
            Value::Sequence(vec![
                "/bin/sh".into(),
                "-c".into(),
                compose_escape(&self.kubo_script()).into(),
            ]),
        );
        merge_env(kubo, &self.kubo_env(), &[]);
        set_default(
            kubo,
            "volumes",
            vec![Value::from("ipfs_data:/data/ipfs")].into(),
        );
        set(
            kubo,
            "healthcheck",
            healthcheck(&format!(
                "ipfs --api /ip4/127.0.0.1/tcp/{KUBO_API_PORT} id > /dev/null"
            )),
        );

        let (cluster_env, exports) = self.cluster_env();
        let cluster = mapping_entry(services, &cluster_key);
        set(cluster, "image", IPFS_CLUSTER.image.into());
        set(cluster, "network_mode", "host".into());
        set_default(cluster, "restart", "unless-stopped".into());
        set(
            cluster,
            "depends_on",
            vec![Value::String(kubo_key.clone())].into(),
        );
        set(
            cluster,
            "entrypoint",
            Value::Sequence(vec![
                "/bin/sh".into(),
                "-c".into(),
                compose_escape(&self.cluster_script(&exports)).into(),
            ]),
        );
        // The input's tags are its own node's: a partner without a place
        // must not inherit them.
        merge_env(cluster, &cluster_env, &[TAGS_ENV]);
        set_default(
            cluster,
            "volumes",
            vec![Value::from("ipfs_cluster_data:/data/ipfs-cluster")].into(),
        );
        set(
            cluster,
            "healthcheck",
            healthcheck(&format!(
                "wget -q -O /dev/null --post-data '' http://127.0.0.1:{CLUSTER_PROXY_PORT}/api/v0/version"
            )),
        );

        let volumes = mapping_entry(&mut doc, "volumes");
        for v in ["ipfs_data", "ipfs_cluster_data"] {
            if !volumes.contains_key(v) {
                volumes.insert(v.into(), Value::Null);
            }
        }
        doc
    }

    /// Reads a compose file written by us (or edited since) back into the model.
    pub fn parse(text: &str) -> Result<Self> {
        let foreign = |detail: &str| {
            Error::InvalidInput(format!(
                "This is not a community-cloud-storage node file ({detail}); use a file made by `create` or `clone`."
            ))
        };
        let value: Value = serde_yaml::from_str(text).map_err(|e| {
            foreign(&format!(
                "it is not valid YAML: {}",
                first_line(&e.to_string())
            ))
        })?;
        let Value::Mapping(doc) = value else {
            return Err(foreign("it is not a compose file"));
        };
        let services = doc
            .get("services")
            .and_then(Value::as_mapping)
            .ok_or_else(|| foreign("it has no services"))?;
        let find = |image_prefix: &str| {
            services.iter().find_map(|(k, v)| {
                let img = v.get("image").and_then(Value::as_str).unwrap_or_default();
                img.starts_with(image_prefix)
                    .then(|| v.clone())
                    .zip(k.as_str().map(String::from))
            })
        };
        let (kubo, _) = find("ipfs/kubo").ok_or_else(|| foreign("it has no kubo service"))?;
        let (cluster, _) =
            find("ipfs/ipfs-cluster").ok_or_else(|| foreign("it has no ipfs-cluster service"))?;
        let kenv = read_env(&kubo);
        let cenv = read_env(&cluster);
        let need = |env: &BTreeMap<String, String>, k: &str| {
            env.get(k)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or_else(|| foreign(&format!("the setting {k} is missing")))
        };
        let hex64 = |k: &str, v: String| {
            if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(v)
            } else {
                Err(foreign(&format!("the setting {k} is damaged")))
            }
        };
        let secrets = NetworkSecrets {
            cluster_secret: hex64("CLUSTER_SECRET", need(&cenv, "CLUSTER_SECRET")?)?,
            swarm_key: hex64(V_SWARM_KEY, need(&kenv, V_SWARM_KEY)?)?,
            rest_api: {
                let auth = need(&cenv, "CLUSTER_RESTAPI_BASICAUTHCREDENTIALS")?;
                let (u, p) = auth
                    .split_once(':')
                    .ok_or_else(|| foreign("the REST API credentials are damaged"))?;
                Credentials {
                    username: u.into(),
                    password: p.into(),
                }
            },
        };
        let identity = |id_key: &str, key_key: &str, env: &BTreeMap<String, String>| {
            let id = NodeIdentity::from_private_key(&need(env, key_key)?)
                .map_err(|_| foreign(&format!("the setting {key_key} is damaged")))?;
            if need(env, id_key)? != id.peer_id {
                return Err(foreign(&format!("{id_key} does not match its private key")));
            }
            Ok(id)
        };
        let kubo_identity = identity(V_KUBO_PEER_ID, V_KUBO_PRIVATE_KEY, &kenv)?;
        let cluster_identity = identity("CLUSTER_ID", "CLUSTER_PRIVATEKEY", &cenv)?;
        let bootstrap = match cenv.get(V_BOOTSTRAP_HOST).or(kenv.get(V_BOOTSTRAP_HOST)) {
            None => None,
            Some(host) => {
                let k = need(&kenv, V_BOOTSTRAP_KUBO)?;
                let c = need(&cenv, V_BOOTSTRAP_CLUSTER)?;
                if !is_peer_id(&k) || !is_peer_id(&c) {
                    return Err(foreign("the bootstrap peer ids are damaged"));
                }
                Some(BootstrapPeer {
                    host: host.clone(),
                    kubo_peer_id: k,
                    cluster_peer_id: c,
                })
            }
        };
        let int = |k: &str| {
            cenv.get(k)
                .map(|v| {
                    v.parse::<i32>()
                        .map_err(|_| foreign(&format!("the setting {k} is damaged")))
                })
                .transpose()
                .map(|v| v.unwrap_or(DEFAULT_REPLICATION))
        };
        Ok(Self {
            peername: need(&cenv, "CLUSTER_PEERNAME")?,
            secrets,
            kubo_identity,
            cluster_identity,
            bootstrap,
            tailnet_interface: kenv
                .get(V_TAILNET_INTERFACE)
                .cloned()
                .unwrap_or_else(|| DEFAULT_TAILNET_INTERFACE.into()),
            replication_min: int("CLUSTER_REPLICATIONFACTORMIN")?,
            replication_max: int("CLUSTER_REPLICATIONFACTORMAX")?,
            // Absent in files made before sites existed: an empty place.
            place: cenv
                .get(TAGS_ENV)
                .map(|v| Place::from_tags_env(v))
                .unwrap_or_default(),
            document: Some(doc),
        })
    }
}

/// A character a one-line YAML comment can hold: YAML's printable set (the
/// same in libyaml and PyYAML; anything else makes the whole file unreadable)
/// without its line breaks (NEL, LS, PS).
fn fits_a_comment(c: char) -> bool {
    matches!(c,
        '\t' | ' '..='~' | '\u{A0}'..='\u{2027}' | '\u{202A}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The start scripts' first step: wait for the tailnet interface's address.
const FIND_TAILNET_ADDR: &str = r#"# Find this machine's tailnet address; the node listens and announces only there.
IFACE="${CCS_TAILNET_INTERFACE:-tailscale0}"
TAILNET_ADDR=""
tries=0
while [ -z "$TAILNET_ADDR" ]; do
  TAILNET_ADDR="$(ip -4 -o addr show dev "$IFACE" 2>/dev/null | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n 1)"
  if [ -z "$TAILNET_ADDR" ]; then
    tries=$((tries + 1))
    if [ "$tries" -ge 90 ]; then echo "No IPv4 address on $IFACE: is this machine on the tailnet?" >&2; exit 1; fi
    sleep 2
  fi
done
"#;

/// Single-quotes a JSON value for the shell, or double-quotes it when it holds
/// the tailnet address variable (which the shell must expand).
fn shell_quote_json(json: &str) -> String {
    if json.contains(TAILNET_ADDR_VAR) {
        let parts: Vec<String> = json
            .split(TAILNET_ADDR_VAR)
            .map(|p| {
                p.replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('$', "\\$")
                    .replace('`', "\\`")
            })
            .collect();
        format!("\"{}\"", parts.join(TAILNET_ADDR_VAR))
    } else {
        format!("'{}'", json.replace('\'', "'\\''"))
    }
}

/// Compose interpolates `$VAR` in values; `$$` is a literal `$`.
fn compose_escape(script: &str) -> String {
    script.replace('$', "$$")
}

/// What compose does to a value: `$$` becomes `$`. (We never write other `$`.)
pub fn compose_unescape(value: &str) -> String {
    value.replace("$$", "$")
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

fn healthcheck(cmd: &str) -> Value {
    let mut m = Mapping::new();
    m.insert(
        "test".into(),
        vec![Value::from("CMD-SHELL"), Value::from(cmd)].into(),
    );
    m.insert("interval".into(), "30s".into());
    m.insert("timeout".into(), "10s".into());
    m.insert("retries".into(), 5.into());
    m.insert("start_period".into(), "60s".into());
    Value::Mapping(m)
}

/// The keys of the kubo and cluster services in a document (found by image),
/// or our defaults.
fn service_keys(doc: &Mapping) -> (String, String) {
    let services = doc.get("services").and_then(Value::as_mapping);
    let find = |prefix: &str, default: &str| {
        services
            .and_then(|s| {
                s.iter().find_map(|(k, v)| {
                    let img = v.get("image").and_then(Value::as_str).unwrap_or_default();
                    if img.starts_with(prefix) {
                        k.as_str().map(String::from)
                    } else {
                        None
                    }
                })
            })
            .unwrap_or_else(|| default.to_string())
    };
    (
        find("ipfs/kubo", "ipfs"),
        find("ipfs/ipfs-cluster", "ipfs-cluster"),
    )
}

fn mapping_entry<'a>(m: &'a mut Mapping, key: &str) -> &'a mut Mapping {
    let slot = m
        .entry(Value::String(key.into()))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if !slot.is_mapping() {
        *slot = Value::Mapping(Mapping::new());
    }
    match slot {
        Value::Mapping(inner) => inner,
        _ => unreachable!("just made a mapping"),
    }
}

fn set(m: &mut Mapping, key: &str, value: Value) {
    m.insert(Value::String(key.into()), value);
}

fn set_default(m: &mut Mapping, key: &str, value: Value) {
    if !m.contains_key(key) {
        set(m, key, value);
    }
}

/// A service's environment as a map, whether written as a mapping or as a
/// list of `KEY=VALUE`. Values are taken as compose would pass them.
fn read_env(service: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    match service.get("environment") {
        Some(Value::Mapping(m)) => {
            for (k, v) in m {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => String::new(),
                };
                if let Some(k) = k.as_str() {
                    out.insert(k.to_string(), compose_unescape(&v));
                }
            }
        }
        Some(Value::Sequence(list)) => {
            for item in list.iter().filter_map(Value::as_str) {
                if let Some((k, v)) = item.split_once('=') {
                    out.insert(k.to_string(), compose_unescape(v));
                }
            }
        }
        _ => {}
    }
    out
}

/// Sets our variables in a service's environment, keeping the operator's
/// others. Our `CCS_*` variables and the `managed` ones are removed when we do
/// not set them.
fn merge_env(service: &mut Mapping, ours: &BTreeMap<String, String>, managed: &[&str]) {
    let mut env: BTreeMap<String, String> = read_env(&Value::Mapping(service.clone()))
        .into_iter()
        .filter(|(k, _)| {
            !(k.starts_with("CCS_") || managed.contains(&k.as_str())) || ours.contains_key(k)
        })
        .collect();
    env.extend(ours.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut m = Mapping::new();
    for (k, v) in env {
        m.insert(k.into(), compose_escape(&v).into());
    }
    set(service, "environment", Value::Mapping(m));
}

/// Comments placed before keys, by key path.
fn comments(kubo: &str, cluster: &str) -> Vec<(Vec<String>, &'static str)> {
    let p = |parts: &[&str]| parts.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        (
            p(&["services"]),
            "Two services: kubo stores the blocks, IPFS Cluster decides who keeps a copy of what.",
        ),
        (
            p(&["services", kubo]),
            "kubo: the storage node. Its admin API listens on 127.0.0.1 only; the gateway\n# and the swarm only on this machine's tailnet address.",
        ),
        (
            p(&["services", kubo, "entrypoint"]),
            "Runs on every start: finds the tailnet address, installs the network key and\n# applies the private-network settings (no public bootstrap, routers, mDNS, relays,\n# NAT port mapping or telemetry), then starts kubo.",
        ),
        (
            p(&["services", kubo, "environment"]),
            "CCS_SWARM_KEY and CCS_KUBO_PRIVATE_KEY are SECRET. LIBP2P_FORCE_PNET=1 makes kubo\n# refuse to start without the network key rather than join the public IPFS network.",
        ),
        (
            p(&["services", cluster]),
            "IPFS Cluster: keeps every member's pinset in sync and repairs copies after outages.",
        ),
        (
            p(&["services", cluster, "entrypoint"]),
            "Runs on every start: finds the tailnet address, listens only there (REST API with\n# a password; the IPFS proxy and pinning-service API on 127.0.0.1 only), then starts\n# the cluster peer.",
        ),
        (
            p(&["services", cluster, "environment"]),
            "CLUSTER_SECRET, CLUSTER_PRIVATEKEY and the REST API credentials are SECRET.\n# Trusted peers \"*\": everyone holding the cluster secret is a member. Replication -1:\n# every member keeps a copy. CLUSTER_TAGS_TAGS names this node's site (group) and\n# organisation (org), with \",\" written %2C, \":\" %3A and \"%\" %25; copies go to different\n# sites first, then where there is most free space (CLUSTER_BALANCED_ALLOCATEBY).",
        ),
        (
            p(&["volumes"]),
            "Where the data lives. Keep these volumes when upgrading; deleting them deletes this node's copies.",
        ),
    ]
}

/// Inserts `# comment` lines before the keys named in `comments`.
fn annotate(yaml: &str, comments: &[(Vec<String>, &str)]) -> String {
    let mut out = String::with_capacity(yaml.len() + 2048);
    // (indent, key) of the enclosing mappings.
    let mut stack: Vec<(usize, String)> = Vec::new();
    // Inside a block scalar: lines indented deeper than this are its text.
    let mut block_indent: Option<usize> = None;
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(b) = block_indent {
            if line.trim().is_empty() || indent > b {
                out.push_str(line);
                out.push('\n');
                continue;
            }
            block_indent = None;
        }
        let trimmed = line.trim_start();
        let key = trimmed
            .split_once(':')
            .map(|(k, _)| k)
            .filter(|k| !k.starts_with('-') && !k.contains(' ') && !k.is_empty());
        if let Some(k) = key {
            while stack.last().is_some_and(|(i, _)| *i >= indent) {
                stack.pop();
            }
            stack.push((indent, k.trim_matches('\'').trim_matches('"').to_string()));
            let path: Vec<String> = stack.iter().map(|(_, k)| k.clone()).collect();
            if let Some((_, c)) = comments.iter().find(|(p, _)| *p == path) {
                let pad = " ".repeat(indent);
                for l in c.lines() {
                    let l = l.trim_start_matches("# ");
                    out.push_str(&format!("{pad}# {l}\n"));
                }
            }
        }
        if trimmed.ends_with('|') || trimmed.ends_with("|-") || trimmed.ends_with("|+") {
            block_indent = Some(indent);
        }
        out.push_str(&quote_yaml11_bool(line));
        out.push('\n');
    }
    out
}

/// docker-compose v1 and QNAP read YAML 1.1, where a bare `off`, `on`, `yes` or
/// `no` is a boolean, not the string the variable needs: quote such values.
fn quote_yaml11_bool(line: &str) -> std::borrow::Cow<'_, str> {
    const WORDS: [&str; 11] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "Y", "N", "~",
    ];
    if let Some((key, value)) = line.split_once(": ") {
        let v = value.trim();
        if WORDS.iter().any(|w| v.eq_ignore_ascii_case(w)) {
            return format!("{key}: '{v}'").into();
        }
    }
    line.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::place::ALLOCATE_BY_ENV;

    fn env_of(text: &str, service_image: &str) -> BTreeMap<String, String> {
        let v: Value = serde_yaml::from_str(text).unwrap();
        let svc = v["services"]
            .as_mapping()
            .unwrap()
            .values()
            .find(|s| s["image"].as_str().unwrap().starts_with(service_image))
            .unwrap()
            .clone();
        read_env(&svc)
    }

    #[test]
    fn create_renders_private_settings_with_comments() {
        let node = NodeFile::create("bootstrap").unwrap();
        let text = node.render();
        assert!(text.contains("DANGER"));
        assert!(text.contains("image: ipfs/kubo:v0.43.1"));
        assert!(text.contains("image: ipfs/ipfs-cluster:v1.1.6"));
        assert!(text.contains("  # kubo: the storage node"), "{text}");
        let kenv = env_of(&text, "ipfs/kubo");
        assert_eq!(kenv["LIBP2P_FORCE_PNET"], "1");
        assert!(
            text.contains("IPFS_TELEMETRY: 'off'"),
            "YAML 1.1 would read a bare off as false"
        );
        assert_eq!(kenv[V_SWARM_KEY], node.secrets.swarm_key);
        let cenv = env_of(&text, "ipfs/ipfs-cluster");
        assert_eq!(cenv["CLUSTER_SECRET"], node.secrets.cluster_secret);
        assert_eq!(cenv["CLUSTER_CRDT_TRUSTEDPEERS"], "*");
        assert_eq!(
            cenv["CLUSTER_IPFSPROXY_LISTENMULTIADDRESS"],
            "/ip4/127.0.0.1/tcp/9095"
        );
        assert_eq!(cenv["CLUSTER_MDNSINTERVAL"], "0s");
        assert_eq!(cenv["CLUSTER_CRDT_REPAIRINTERVAL"], "5m");
        // The listen addresses are set by the start script from the tailnet address.
        assert!(!cenv.contains_key("CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS"));
        assert!(text.contains(
            "export CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS=\"/ip4/$$TAILNET_ADDR/tcp/9094\""
        ));
        assert!(text.contains("ipfs config --json Addresses.API '\"/ip4/127.0.0.1/tcp/5001\"'"));
        assert!(text.contains("ipfs config --json AutoConf.Enabled 'false'"));
        assert!(!text.contains("\"auto\""));
        // Every kubo privacy setting, read back from the start script.
        let doc: Value = serde_yaml::from_str(&text).unwrap();
        let script = doc["services"]["ipfs"]["entrypoint"][2]
            .as_str()
            .unwrap()
            .replace("$$", "$");
        let setting = |key: &str| {
            script
                .lines()
                .find_map(|l| l.strip_prefix(&format!("ipfs config --json {key} ")))
                .unwrap_or_else(|| panic!("{key} is not set"))
                .to_string()
        };
        assert_eq!(setting("AutoConf.Enabled"), "'false'");
        assert_eq!(
            setting("Bootstrap"),
            "'[]'",
            "a bootstrap node has no members yet"
        );
        assert_eq!(setting("Routing.DelegatedRouters"), "'[]'");
        assert_eq!(setting("Discovery.MDNS.Enabled"), "'false'");
        assert_eq!(setting("Swarm.DisableNatPortMap"), "'true'");
        assert_eq!(
            setting("Swarm.AddrFilters"),
            "'[]'",
            "tailnet (CGNAT) addresses must not be filtered"
        );
        assert_eq!(
            setting("Addresses.Announce"),
            r#""[\"/ip4/$TAILNET_ADDR/tcp/4001\"]""#
        );
        assert_eq!(setting("Addresses.API"), r#"'"/ip4/127.0.0.1/tcp/5001"'"#);
        assert_eq!(
            setting("Addresses.Gateway"),
            r#""\"/ip4/$TAILNET_ADDR/tcp/8080\"""#
        );
        assert_eq!(
            setting("Gateway.NoFetch"),
            "'true'",
            "a partner's gateway serves only its own blocks (audits)"
        );
        assert!(script.contains("IFACE=\"${CCS_TAILNET_INTERFACE:-tailscale0}\""));
        assert!(script.contains("> \"$IPFS_PATH/swarm.key\""));
        assert_eq!(
            cenv["CLUSTER_RESTAPI_BASICAUTHCREDENTIALS"]
                .split(':')
                .count(),
            2
        );
        assert_eq!(
            cenv["CLUSTER_IPFSHTTP_NODEMULTIADDRESS"],
            "/ip4/127.0.0.1/tcp/5001"
        );
        assert_eq!(
            cenv["CLUSTER_PINSVCAPI_HTTPLISTENMULTIADDRESS"],
            "/ip4/127.0.0.1/tcp/9097"
        );
        assert_eq!(cenv["CLUSTER_DISABLEREPINNING"], "false");
        assert_eq!(cenv["CLUSTER_CRDT_CLUSTERNAME"], "community-cloud-storage");
        // No unescaped `$` reaches compose's interpolation.
        assert!(!text.replace("$$", "").contains('$'));
    }

    #[test]
    fn parse_round_trips_by_meaning() {
        let node = NodeFile::create("bootstrap").unwrap();
        let back = NodeFile::parse(&node.render()).unwrap();
        assert_eq!(back, node);
        // Rendering the parsed file again gives the same file.
        assert_eq!(back.render(), node.render());
    }

    fn leeds() -> Place {
        // A comma, colons, a `%`, a `$` (compose interpolation), a ` #` (a YAML
        // comment when bare), quotes and non-ASCII letters.
        Place::new(
            Some("Archiv Zürich: \"Gemeinde\" 100% & Co's $HOME"),
            Some("Leeds, UK: Chapeltown #2 (Åland) ü"),
        )
        .unwrap()
    }

    #[test]
    fn the_place_round_trips_through_the_file() {
        let mut node = NodeFile::create("bootstrap").unwrap();
        node.place = leeds();
        let text = node.render();
        let cenv = env_of(&text, "ipfs/ipfs-cluster");
        let tags = &cenv[TAGS_ENV];
        assert_eq!(tags, &node.place.tags_env().unwrap());
        assert!(tags.starts_with("group:Leeds%2C UK%3A Chapeltown #2 (%C3%85land) %C3%BC,org:"));
        // What envconfig needs: one `:` in each `,`-separated pair.
        for pair in tags.split(',') {
            assert_eq!(pair.matches(':').count(), 1, "{tags}");
        }
        assert_eq!(cenv[ALLOCATE_BY_ENV], "tag:group,freespace");
        // No unescaped `$` reaches compose's interpolation (comments are not
        // interpolated).
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            assert!(!line.replace("$$", "").contains('$'), "{line}");
        }
        // The header says it in plain words.
        assert!(
            text.lines().take_while(|l| l.starts_with('#')).any(|l| l
                == "# Organisation: \"Archiv Zürich: \"Gemeinde\" 100% & Co's $HOME\". \
                    Site: \"Leeds, UK: Chapeltown #2 (Åland) ü\" (a place with its own \
                    disaster risk):"),
            "{text}"
        );
        let back = NodeFile::parse(&text).unwrap();
        assert_eq!(back.place, node.place);
        assert_eq!(back, node);
        assert_eq!(back.render(), text);
    }

    #[test]
    fn any_place_renders_a_file_that_reads_back() {
        // Set directly, not typed: characters YAML cannot hold or takes as
        // line breaks stay out of the header comment.
        let mut node = NodeFile::create("bootstrap").unwrap();
        node.place = Place {
            organisation: Some("a\u{FFFE}b\u{85}c\u{2029}d".into()),
            site: Some("e\u{FFFF}f\u{9F}g\u{2028}h\u{1F30D}".into()),
        };
        let text = node.render();
        let back = NodeFile::parse(&text).unwrap();
        assert_eq!(back.place.organisation.as_deref(), Some("a\u{FFFE}b c d"));
        assert_eq!(back.place.site.as_deref(), Some("e\u{FFFF}f g h\u{1F30D}"));
        assert!(text.contains("Organisation: \"a b c d\". Site: \"e f g h\u{1F30D}\""));
        let again = NodeFile::parse(&back.render()).unwrap();
        assert_eq!(again, back);
    }

    #[test]
    fn a_file_made_before_sites_existed_reads_as_no_place() {
        let node = NodeFile::create("bootstrap").unwrap();
        // What the generator wrote before: no tags, no allocation setting, no
        // place in the header.
        let old: String = node
            .render()
            .lines()
            .filter(|l| !l.contains(ALLOCATE_BY_ENV) && !l.contains("No organisation is set"))
            .map(|l| format!("{l}\n"))
            .collect();
        let cenv = env_of(&old, "ipfs/ipfs-cluster");
        assert!(!cenv.contains_key(TAGS_ENV) && !cenv.contains_key(ALLOCATE_BY_ENV));
        let back = NodeFile::parse(&old).unwrap();
        assert_eq!(back.place, Place::default());
        assert_eq!(back, node);
        let again = back.render();
        assert!(!env_of(&again, "ipfs/ipfs-cluster").contains_key(TAGS_ENV));
        assert_eq!(again, node.render());
        let cenv = env_of(&again, "ipfs/ipfs-cluster");
        assert_eq!(cenv[ALLOCATE_BY_ENV], "tag:group,freespace");
    }

    #[test]
    fn a_partner_gets_an_empty_place_of_its_own() {
        let mut boot = NodeFile::create("bootstrap").unwrap();
        boot.place = leeds();
        let parsed = NodeFile::parse(&boot.render()).unwrap();
        let mut acme = parsed.clone_for("acme", "bootstrap").unwrap();
        assert_eq!(acme.place, Place::default());
        let text = acme.render();
        assert!(
            !env_of(&text, "ipfs/ipfs-cluster").contains_key(TAGS_ENV),
            "the input's tags are not inherited"
        );
        assert!(text.contains("No organisation is set. No site is set"));
        assert!(!text.contains("Zürich"));
        acme.place = Place::new(Some("Bristol Archives"), Some("Bristol, UK")).unwrap();
        let text = acme.render();
        assert_eq!(
            env_of(&text, "ipfs/ipfs-cluster")[TAGS_ENV],
            "group:Bristol%2C UK,org:Bristol Archives"
        );
        assert_eq!(NodeFile::parse(&text).unwrap().place, acme.place);
    }

    #[test]
    fn clone_keeps_secrets_new_identity_no_private_keys_of_the_input() {
        let boot = NodeFile::create("bootstrap").unwrap();
        let acme = boot.clone_for("acme", "bootstrap").unwrap();
        let text = acme.render();
        assert_eq!(acme.secrets, boot.secrets);
        assert_ne!(acme.kubo_identity, boot.kubo_identity);
        assert_ne!(acme.cluster_identity, boot.cluster_identity);
        assert!(!text.contains(&boot.kubo_identity.private_key));
        assert!(!text.contains(&boot.cluster_identity.private_key));
        let b = acme.bootstrap.as_ref().unwrap();
        assert_eq!(b.kubo_peer_id, boot.kubo_identity.peer_id);
        assert_eq!(b.cluster_peer_id, boot.cluster_identity.peer_id);
        assert!(text.contains(&format!(
            "--bootstrap /dns4/bootstrap/tcp/9096/p2p/{}",
            b.cluster_peer_id
        )));
        assert!(text.contains(&format!("/dns4/bootstrap/tcp/4001/p2p/{}", b.kubo_peer_id)));

        // Cloning the clone, through the original bootstrap: same bootstrap ids.
        let parsed = NodeFile::parse(&text).unwrap();
        let beta = parsed.clone_for("beta", "bootstrap").unwrap();
        assert_eq!(beta.bootstrap, acme.bootstrap);
        assert_eq!(beta.secrets, boot.secrets);
        // ... or through the clone itself.
        let gamma = parsed.clone_for("gamma", "acme").unwrap();
        assert_eq!(
            gamma.bootstrap.as_ref().unwrap().kubo_peer_id,
            acme.kubo_identity.peer_id
        );
    }

    #[test]
    fn operator_edits_are_carried_through_clone() {
        let boot = NodeFile::create("bootstrap").unwrap();
        let mut v: Value = serde_yaml::from_str(&boot.render()).unwrap();
        // Operator: extra env as a list, a port, an extra volume, an extra service,
        // and the kubo service renamed.
        let services = v["services"].as_mapping_mut().unwrap();
        let mut kubo = services.remove("ipfs").unwrap();
        let env = read_env(&kubo);
        let mut list: Vec<Value> = env
            .iter()
            .map(|(k, v)| Value::from(format!("{k}={}", compose_escape(v))))
            .collect();
        list.push("GOMAXPROCS=2".into());
        kubo["environment"] = Value::Sequence(list);
        kubo["volumes"] = vec![
            Value::from("/share/archive:/data/ipfs"),
            Value::from("/share/x:/x:ro"),
        ]
        .into();
        kubo.as_mapping_mut().unwrap().insert(
            "ports".into(),
            vec![Value::from("127.0.0.1:8081:8081")].into(),
        );
        services.insert("storage".into(), kubo);
        services.insert(
            "tailscale".into(),
            serde_yaml::from_str("image: tailscale/tailscale:stable").unwrap(),
        );
        let edited = serde_yaml::to_string(&v).unwrap();

        let parsed = NodeFile::parse(&edited).unwrap();
        assert_eq!(parsed.secrets, boot.secrets);
        let text = parsed.clone_for("acme", "bootstrap").unwrap().render();
        let out: Value = serde_yaml::from_str(&text).unwrap();
        let storage = &out["services"]["storage"];
        assert_eq!(storage["image"], "ipfs/kubo:v0.43.1");
        assert_eq!(read_env(storage)["GOMAXPROCS"], "2");
        assert_eq!(storage["volumes"][0], "/share/archive:/data/ipfs");
        assert_eq!(storage["ports"][0], "127.0.0.1:8081:8081");
        assert_eq!(
            out["services"]["tailscale"]["image"],
            "tailscale/tailscale:stable"
        );
        assert!(out["services"].get("ipfs").is_none());
        assert_eq!(out["services"]["ipfs-cluster"]["depends_on"][0], "storage");
    }

    #[test]
    fn bad_input_is_refused_with_one_sentence() {
        for (text, needle) in [
            ("", "not a compose file"),
            ("services: [", "not valid YAML"),
            ("services:\n  web:\n    image: nginx\n", "no kubo service"),
        ] {
            let e = NodeFile::parse(text).unwrap_err();
            assert!(e.to_string().contains(needle), "{e}");
            assert!(!e.to_string().contains('\n'));
        }
        let node = NodeFile::create("bootstrap").unwrap();
        let truncated: String = node
            .render()
            .lines()
            .take(40)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(NodeFile::parse(&truncated).is_err());
        let damaged = node.render().replace(&node.secrets.cluster_secret, "abc");
        assert!(
            NodeFile::parse(&damaged)
                .unwrap_err()
                .to_string()
                .contains("CLUSTER_SECRET")
        );
        assert!(NodeFile::create("bad name!").is_err());
        assert!(NodeFile::create("").is_err());
        assert!(node.clone_for("acme", "not a host").is_err());
        assert!(node.clone_for("bootstrap", "bootstrap").is_err());
    }
}
