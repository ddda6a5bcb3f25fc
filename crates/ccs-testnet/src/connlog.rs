//! Whole-run connection records for deployed hosts: an nftables table in each
//! member's namespace, installed before its daemons start and read at the end,
//! so nothing between samples is missed. Every packet a member sends or
//! receives (other than on loopback) is counted in exactly one counter:
//!
//! | counter | packets |
//! | --- | --- |
//! | `dns_out` | any DNS query (TCP/UDP port 53, to any address, loopback included) |
//! | `icmp6_out` / `icmp6_in` | IPv6 neighbour discovery and the like (the kernel's, not the daemons') |
//! | `v6_out` / `v6_in` | any other IPv6 packet |
//! | `members_out` / `members_in` | to / from a member's address |
//! | `new_out_nonmember` | the first packet of a connection this member opened to any non-member (this machine included) |
//! | `host_out` / `host_in` | other traffic with this machine (the test's REST API and gateway requests) |
//! | `new_in_nonmember` | the first packet of a connection a non-member (an outsider) opened to this member |
//! | `other_out` / `other_in` | every other packet exchanged with non-members (the replies in connections outsiders opened) |
//!
//! The hosts get an on-link default route, as a real host has a default route:
//! an attempt to reach any address then leaves a packet on `tailscale0` (and
//! is counted) instead of failing before the firewall for lack of a route.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use crate::TestnetError;

type Result<T, E = TestnetError> = std::result::Result<T, E>;

const TABLE: &str = "ccsaudit";

pub const COUNTERS: &[&str] = &[
    "dns_out",
    "icmp6_out",
    "icmp6_in",
    "v6_out",
    "v6_in",
    "members_out",
    "members_in",
    "new_out_nonmember",
    "host_out",
    "host_in",
    "new_in_nonmember",
    "other_out",
    "other_in",
];

/// Packets and bytes of one counter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub packets: u64,
    pub bytes: u64,
}

fn nft(ns: &str, script: Option<&str>, args: &[&str]) -> Result<String> {
    let mut child = Command::new("ip")
        .args(["netns", "exec", ns, "nft"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| TestnetError::Install {
            detail: format!(
                "nft (nftables) is needed to record connections: {e}; install it with: apt-get install nftables"
            ),
        })?;
    if let (Some(text), Some(mut stdin)) = (script, child.stdin.take()) {
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| TestnetError::Invalid(format!("nft: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| TestnetError::Invalid(format!("nft: {e}")))?;
    if !out.status.success() {
        return Err(TestnetError::Command {
            peer: ns.to_string(),
            command: format!("nft {}", args.join(" ")),
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Installs the counters in namespace `ns` (before any daemon starts there)
/// and its on-link default route. `members`: every member's address;
/// `this_machine`: the bridge's address, from which the tests make requests.
pub fn install(ns: &str, members: &[String], this_machine: &str) -> Result<()> {
    let counters: String = COUNTERS
        .iter()
        .map(|c| format!("  counter {c} {{}}\n"))
        .collect();
    let elements = if members.is_empty() {
        String::new()
    } else {
        format!("elements = {{ {} }}", members.join(", "))
    };
    let script = format!(
        r#"table inet {TABLE} {{
  set members {{ type ipv4_addr; {elements} }}
  set out_nonmember {{ type ipv4_addr . inet_proto . inet_service; flags dynamic; }}
  set out_nonmember_other {{ type ipv4_addr . inet_proto; flags dynamic; }}
  set in_nonmember {{ type ipv4_addr . inet_proto . inet_service; flags dynamic; }}
{counters}  chain output {{
    type filter hook output priority 0; policy accept;
    meta l4proto {{ tcp, udp }} th dport 53 counter name "dns_out" accept
    oifname "lo" accept
    meta nfproto ipv6 meta l4proto ipv6-icmp counter name "icmp6_out" accept
    meta nfproto ipv6 counter name "v6_out" accept
    ip daddr @members counter name "members_out" accept
    ct state new meta l4proto {{ tcp, udp }} add @out_nonmember {{ ip daddr . meta l4proto . th dport }} counter name "new_out_nonmember" accept
    ct state new add @out_nonmember_other {{ ip daddr . meta l4proto }} counter name "new_out_nonmember" accept
    ip daddr {this_machine} counter name "host_out" accept
    counter name "other_out" accept
  }}
  chain input {{
    type filter hook input priority 0; policy accept;
    iifname "lo" accept
    meta nfproto ipv6 meta l4proto ipv6-icmp counter name "icmp6_in" accept
    meta nfproto ipv6 counter name "v6_in" accept
    ip saddr @members counter name "members_in" accept
    ip saddr {this_machine} counter name "host_in" accept
    ct state new meta l4proto {{ tcp, udp }} add @in_nonmember {{ ip saddr . meta l4proto . th dport }} counter name "new_in_nonmember" accept
    ct state new counter name "new_in_nonmember" accept
    counter name "other_in" accept
  }}
}}
"#
    );
    nft(ns, Some(&script), &["-f", "-"])?;
    let out = Command::new("ip")
        .args(["-n", ns, "route", "add", "default", "dev", "tailscale0"])
        .output()
        .map_err(|e| TestnetError::Invalid(format!("ip route: {e}")))?;
    if !out.status.success() {
        return Err(TestnetError::Command {
            peer: ns.to_string(),
            command: "ip route add default dev tailscale0".into(),
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(())
}

/// A new member joined: its address counts as a member's from now on.
pub fn add_member(ns: &str, addr: &str) -> Result<()> {
    nft(
        ns,
        None,
        &[
            "add",
            "element",
            "inet",
            TABLE,
            "members",
            &format!("{{ {addr} }}"),
        ],
    )
    .map(|_| ())
}

/// What non-members a member opened connections to (`address . protocol .
/// port`, or `address . protocol`), and which non-members opened connections
/// to it (`address . protocol . our port`), as nftables prints them.
pub fn peers_seen(ns: &str) -> Result<(Vec<String>, Vec<String>)> {
    let list = |set: &str| -> Result<Vec<String>> {
        let text = nft(ns, None, &["list", "set", "inet", TABLE, set])?;
        let Some(start) = text.find("elements = {") else {
            return Ok(Vec::new());
        };
        let rest = &text[start + "elements = {".len()..];
        let body = &rest[..rest.find('}').unwrap_or(rest.len())];
        Ok(body
            .split(',')
            .map(|e| e.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|e| !e.is_empty())
            .collect())
    };
    let mut out = list("out_nonmember")?;
    out.extend(list("out_nonmember_other")?);
    Ok((out, list("in_nonmember")?))
}

/// Reads every counter of namespace `ns`.
pub fn read(ns: &str) -> Result<BTreeMap<String, Count>> {
    let text = nft(
        ns,
        None,
        &["-j", "list", "counters", "table", "inet", TABLE],
    )?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| TestnetError::Invalid(format!("nft -j: {e}")))?;
    let mut out = BTreeMap::new();
    for item in doc["nftables"].as_array().into_iter().flatten() {
        let c = &item["counter"];
        if let Some(name) = c["name"].as_str() {
            out.insert(
                name.to_string(),
                Count {
                    packets: c["packets"].as_u64().unwrap_or(0),
                    bytes: c["bytes"].as_u64().unwrap_or(0),
                },
            );
        }
    }
    for c in COUNTERS {
        if !out.contains_key(*c) {
            return Err(TestnetError::Invalid(format!(
                "{ns}: counter {c} missing from the connection record"
            )));
        }
    }
    Ok(out)
}
