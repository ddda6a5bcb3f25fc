//! Running generated compose files "as deployed", without a Docker engine:
//! each file becomes a separate host (a network namespace with its own
//! address on a `tailscale0` interface and host names that resolve as on a
//! tailnet), and each service runs the real daemon binary with exactly the
//! environment, entrypoint and command that `docker-compose config` gives for
//! it. The only substitutions are the ones an image makes: the image's
//! environment (`IPFS_PATH`, `IPFS_CLUSTER_PATH`, pointing at this host's data
//! folders instead of the volumes) and its `PATH` (our built binaries).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use ccs_core::deploy::compose::{NodeFile, compose_unescape};
use serde::{Deserialize, Serialize};
use serde_yaml::Value;

use crate::{DaemonBins, TestnetError};

type Result<T, E = TestnetError> = std::result::Result<T, E>;

/// How one service is started: argv and environment as compose gives them.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub argv: Vec<String>,
    pub env: BTreeMap<String, String>,
}

/// One compose file, read as deployed.
#[derive(Debug, Clone)]
pub struct ComposeHost {
    pub node: NodeFile,
    pub kubo: ServiceSpec,
    pub cluster: ServiceSpec,
}

impl ComposeHost {
    /// Validates `path` with Debian's `docker-compose config` and reads the
    /// normalised result.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TestnetError::io("read a compose file", path, e))?;
        let node = NodeFile::parse(&text)?;
        // Files written by another process (the CLI under test) are audited too.
        ccs_core::deploy::node_config::audit_secrets(&[
            &node.secrets.cluster_secret,
            &node.secrets.swarm_key,
            &node.secrets.rest_api.password,
            &node.kubo_identity.private_key,
            &node.cluster_identity.private_key,
        ]);
        let out = Command::new("docker-compose")
            .arg("-f")
            .arg(path)
            .arg("config")
            .env("COMPOSE_PROJECT_NAME", "ccs")
            .output()
            .map_err(|e| TestnetError::Install {
                detail: format!("docker-compose is needed to read compose files as deployed ({e}); install it with: apt-get install docker-compose"),
            })?;
        if !out.status.success() {
            return Err(TestnetError::Invalid(format!(
                "docker-compose config rejected {}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let doc: Value = serde_yaml::from_slice(&out.stdout)
            .map_err(|e| TestnetError::Invalid(e.to_string()))?;
        let services = doc["services"].as_mapping().ok_or_else(|| {
            TestnetError::Invalid("no services after docker-compose config".into())
        })?;
        let spec = |image: &str| -> Result<ServiceSpec> {
            let svc = services
                .values()
                .find(|s| s["image"].as_str().is_some_and(|i| i.starts_with(image)))
                .ok_or_else(|| TestnetError::Invalid(format!("no {image} service")))?;
            let list = |v: &Value| -> Vec<String> {
                match v {
                    Value::Sequence(s) => s
                        .iter()
                        .filter_map(Value::as_str)
                        .map(compose_unescape)
                        .collect(),
                    Value::String(s) => s.split_whitespace().map(compose_unescape).collect(),
                    _ => Vec::new(),
                }
            };
            let mut argv = list(&svc["entrypoint"]);
            argv.extend(list(&svc["command"]));
            if argv.is_empty() {
                return Err(TestnetError::Invalid(format!(
                    "the {image} service has no entrypoint"
                )));
            }
            let env = svc["environment"]
                .as_mapping()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| {
                            let v = match v {
                                Value::String(s) => compose_unescape(s),
                                Value::Number(n) => n.to_string(),
                                Value::Bool(b) => b.to_string(),
                                _ => String::new(),
                            };
                            Some((k.as_str()?.to_string(), v))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(ServiceSpec { argv, env })
        };
        Ok(Self {
            kubo: spec("ipfs/kubo")?,
            cluster: spec("ipfs/ipfs-cluster")?,
            node,
        })
    }
}

/// The hosts' network: a bridge in this machine's namespace and one namespace
/// per host, joined by veth pairs whose host end is called `tailscale0`.
/// Addresses come from the tailnet (CGNAT) range, as on a real tailnet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetnsNetwork {
    pub bridge: String,
    /// First three octets, e.g. `100.64.37`.
    pub prefix: String,
    pub namespaces: Vec<String>,
    /// Our ends of the veth pairs.
    #[serde(default)]
    pub veths: Vec<String>,
    /// Host name -> address, as written to each namespace's /etc/hosts.
    pub hosts: BTreeMap<String, String>,
}

fn ip(args: &[&str]) -> Result<()> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| TestnetError::Install {
            detail: format!("the `ip` command (iproute2) is needed for separate hosts: {e}"),
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(TestnetError::Command {
            peer: "network".into(),
            command: format!("ip {}", args.join(" ")),
            detail: format!(
                "{} (separate hosts need root for network namespaces)",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        })
    }
}

impl NetnsNetwork {
    /// Creates the bridge. `tag` keeps names unique per testnet.
    pub fn create(tag: &str) -> Result<Self> {
        // A /24 that no existing interface uses.
        let used = Command::new("ip")
            .args(["-4", "-o", "addr"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let third = (16..250u16)
            .map(|n| (n + std::process::id() as u16 % 200) % 234 + 16)
            .find(|n| !used.contains(&format!("100.64.{n}.")))
            .ok_or_else(|| {
                TestnetError::Invalid("no free 100.64.x.0/24 subnet for the test hosts".into())
            })?;
        let net = Self {
            bridge: format!("ccsbr{tag}"),
            prefix: format!("100.64.{third}"),
            namespaces: Vec::new(),
            veths: Vec::new(),
            hosts: BTreeMap::new(),
        };
        ip(&["link", "add", &net.bridge, "type", "bridge"])?;
        ip(&[
            "addr",
            "add",
            &format!("{}.254/24", net.prefix),
            "dev",
            &net.bridge,
        ])?;
        ip(&["link", "set", &net.bridge, "up"])?;
        Ok(net)
    }

    /// Adds host number `index` called `name`; returns its namespace and address.
    pub fn add_host(&mut self, tag: &str, index: usize, name: &str) -> Result<(String, String)> {
        let ns = format!("ccs{tag}-{name}");
        let addr = format!("{}.{}", self.prefix, index + 1);
        let outer = format!("ccsv{tag}{index}");
        let inner = format!("ccsp{tag}{index}");
        ip(&["netns", "add", &ns])?;
        self.namespaces.push(ns.clone());
        ip(&[
            "link", "add", &outer, "type", "veth", "peer", "name", &inner,
        ])?;
        self.veths.push(outer.clone());
        ip(&["link", "set", &inner, "netns", &ns])?;
        ip(&["-n", &ns, "link", "set", &inner, "name", "tailscale0"])?;
        ip(&[
            "-n",
            &ns,
            "addr",
            "add",
            &format!("{addr}/24"),
            "dev",
            "tailscale0",
        ])?;
        ip(&["-n", &ns, "link", "set", "tailscale0", "up"])?;
        ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        ip(&["link", "set", &outer, "master", &self.bridge])?;
        ip(&["link", "set", &outer, "up"])?;
        self.hosts.insert(name.to_string(), addr.clone());
        Ok((ns, addr))
    }

    /// Writes `/etc/netns/NS/hosts` for every namespace, so that each host
    /// resolves the others by name, as MagicDNS does.
    pub fn write_hosts_files(&self) -> Result<()> {
        let mut text = String::from("127.0.0.1 localhost\n");
        for (name, addr) in &self.hosts {
            text.push_str(&format!("{addr} {name}\n"));
        }
        for ns in &self.namespaces {
            let dir = PathBuf::from("/etc/netns").join(ns);
            std::fs::create_dir_all(&dir)
                .map_err(|e| TestnetError::io("create a hosts file", &dir, e))?;
            std::fs::write(dir.join("hosts"), &text)
                .map_err(|e| TestnetError::io("write a hosts file", &dir, e))?;
        }
        Ok(())
    }

    /// Removes the namespaces (and with them their veth ends), the bridge and
    /// the hosts files. Safe to call twice.
    pub fn teardown(&self) {
        for ns in &self.namespaces {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
            let _ = std::fs::remove_dir_all(PathBuf::from("/etc/netns").join(ns));
        }
        // A namespace lives on while a process still uses it, and its veth with
        // it: remove our ends explicitly.
        for v in &self.veths {
            let _ = Command::new("ip").args(["link", "del", v]).output();
        }
        let _ = Command::new("ip")
            .args(["link", "del", &self.bridge])
            .output();
    }
}

/// A command that runs `spec` in namespace `ns` as the image would: the
/// image's environment, then the compose environment.
pub fn service_command(
    bins: &DaemonBins,
    ns: &str,
    spec: &ServiceSpec,
    image_env: &[(&str, &Path)],
    home: &Path,
) -> Command {
    let bin_dir = bins
        .ipfs
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let cluster_dir = bins
        .cluster_service
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", ns]).args(&spec.argv);
    cmd.env_clear()
        .env(
            "PATH",
            format!(
                "{}:{}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                bin_dir.display(),
                cluster_dir.display()
            ),
        )
        .env("HOME", home);
    for (k, v) in image_env {
        cmd.env(k, v);
    }
    cmd.envs(&spec.env);
    cmd
}

/// Runs a one-off command inside a namespace and returns its stdout.
pub fn netns_output(
    ns: &str,
    program: &Path,
    args: &[&str],
    env: &[(&str, &Path)],
) -> Result<String> {
    let out = Command::new("ip")
        .args(["netns", "exec", ns])
        .arg(program)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .map_err(|e| TestnetError::io("run a command in a test host", program, e))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(TestnetError::Command {
            peer: ns.to_string(),
            command: args.join(" "),
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}
