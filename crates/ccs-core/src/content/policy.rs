//! The network policy: one set of rules every member's app and CLI follow
//! (issue #16): how many copies, on how many sites, the free space each node
//! keeps in reserve, and how removal works.
//!
//! It is kept in the network itself, in the metadata of one pin every member
//! holds: the *policy anchor*, a CID that inlines its own bytes (CIDv1, raw,
//! identity multihash of [`ANCHOR_TEXT`]), so every member computes the same
//! CID without asking anyone, no block needs fetching to pin it, and no
//! archivist's upload can ever have it. Reading the policy is then one
//! `GET /allocations/ANCHOR` instead of a walk over the pinset; setting it
//! re-pins the anchor with the new document (IPFS Cluster replaces a pin's
//! metadata whole on a re-pin). A network whose anchor is not pinned follows
//! [`Policy::default`]. Every change is an event in the preservation record
//! (PREMIS `policy assignment`, old and new values in its detail), so the
//! policy's history is tamper-evident with the rest of the record.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The bytes the anchor's CID inlines.
pub const ANCHOR_TEXT: &[u8] = b"community-cloud-storage network policy";
/// The anchor pin's `ccs-kind`.
pub const KIND_POLICY: &str = "network-policy";
/// The anchor pin's metadata key holding the [`PolicyDocument`] as JSON.
pub const POLICY_KEY: &str = "ccs-policy";
/// The anchor pin's name, as `ipfs-cluster-ctl pin ls` shows it.
pub const ANCHOR_NAME: &str = "Network policy (community-cloud-storage)";
/// The document's format name and version.
pub const FORMAT: &str = "ccs-policy/1";

/// The anchor's CID: `bafk...`, the same on every computer.
pub fn anchor_cid() -> String {
    inline_cid(ANCHOR_TEXT).unwrap_or_else(|| unreachable!("the anchor text is short"))
}

/// The CIDv1 (raw) that holds `bytes` themselves (identity multihash), for
/// up to 64 bytes.
pub fn inline_cid(bytes: &[u8]) -> Option<String> {
    // 0x00: the identity multihash; 0x55: raw bytes.
    let hash = cid::multihash::Multihash::<64>::wrap(0x00, bytes).ok()?;
    Some(cid::Cid::new_v1(0x55, hash).to_string())
}

const DAY: u64 = 24 * 3600;

/// The rules. Missing fields read as their defaults, so a document written by
/// an older program still reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Policy {
    /// Fewest copies an item may have before it counts as at risk.
    pub copies_min: u32,
    /// Copies every item should have.
    pub copies_target: u32,
    /// Different sites an item's copies should be on.
    pub min_sites: u32,
    /// Sites or organisations that keep a copy of every item.
    pub keep_at: Vec<String>,
    /// Free space each node keeps; no new copy goes to a node below it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub reserve_bytes: u64,
    /// How long a withdrawn item stays stored before it is removed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub removal_grace_secs: u64,
    /// A withdrawal waits for a second person to confirm it.
    pub removal_needs_confirmation: bool,
    /// `rm --now` (removal without a grace period) is allowed.
    pub immediate_removal: bool,
    /// How long a partner may be offline before its copies are made elsewhere.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub offline_grace_secs: u64,
    /// How often every copy should be verified by an audit.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub audit_interval_secs: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            copies_min: 2,
            copies_target: 3,
            min_sites: 1,
            keep_at: Vec::new(),
            reserve_bytes: 5_000_000_000,
            removal_grace_secs: 30 * DAY,
            removal_needs_confirmation: false,
            immediate_removal: false,
            offline_grace_secs: 7 * DAY,
            audit_interval_secs: 30 * DAY,
        }
    }
}

/// What the anchor pin holds: the policy and who set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PolicyDocument {
    pub format: String,
    /// Counts the changes from 1; 0 for the defaults nobody set.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub version: u64,
    /// `user@host`, none for the defaults.
    pub set_by: Option<String>,
    /// RFC 3339, none for the defaults.
    pub set_at: Option<String>,
    pub policy: Policy,
}

impl PolicyDocument {
    /// The defaults, as a network without a policy follows them.
    pub fn defaults() -> Self {
        Self {
            format: FORMAT.into(),
            version: 0,
            set_by: None,
            set_at: None,
            policy: Policy::default(),
        }
    }

    /// The document in the anchor's metadata value; a sentence for one that
    /// cannot be read.
    pub fn parse(text: &str) -> Result<Self> {
        let doc: Self = serde_json::from_str(text).map_err(|e| {
            Error::InvalidInput(format!(
                "The network's policy cannot be read ({e}): set it again with `ccs policy set`."
            ))
        })?;
        if !doc.format.starts_with("ccs-policy/") {
            return Err(Error::InvalidInput(format!(
                "The network's policy is in a format this program does not know (\"{}\"): update the program.",
                doc.format
            )));
        }
        Ok(doc)
    }
}

/// One setting: its name on the command line, and what it means.
pub struct SettingInfo {
    pub key: &'static str,
    pub meaning: &'static str,
}

/// Every setting, in the order `policy show` lists them.
pub const SETTINGS: [SettingInfo; 10] = [
    SettingInfo {
        key: "copies-min",
        meaning: "fewest copies before an item is at risk",
    },
    SettingInfo {
        key: "copies-target",
        meaning: "copies every item should have",
    },
    SettingInfo {
        key: "min-sites",
        meaning: "different sites an item's copies should be on",
    },
    SettingInfo {
        key: "keep-at",
        meaning: "sites or organisations that keep a copy of everything",
    },
    SettingInfo {
        key: "reserve",
        meaning: "free space each node keeps; no new copy goes to a node below it",
    },
    SettingInfo {
        key: "removal-grace",
        meaning: "how long a withdrawn item stays stored before it is removed",
    },
    SettingInfo {
        key: "removal-confirmation",
        meaning: "a withdrawal waits for a second person to confirm it",
    },
    SettingInfo {
        key: "immediate-removal",
        meaning: "removal without a grace period is allowed",
    },
    SettingInfo {
        key: "offline-grace",
        meaning: "how long a partner may be offline before its copies are made elsewhere",
    },
    SettingInfo {
        key: "audit-interval",
        meaning: "how often every copy should be verified",
    },
];

fn parse_count(key: &str, value: &str) -> Result<u32> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "{key} must be a whole number of 1 or more, not \"{value}\"."
            ))
        })
}

fn parse_duration(key: &str, value: &str) -> Result<u64> {
    let v = value.trim();
    if v.starts_with('-') {
        return Err(Error::InvalidInput(format!(
            "{key} cannot be below zero (\"{value}\"): write e.g. 30d, 12h, or 0 for none."
        )));
    }
    if v == "0" {
        return Ok(0);
    }
    humantime::parse_duration(v)
        .map(|d| d.as_secs())
        .map_err(|_| {
            Error::InvalidInput(format!(
                "{key} \"{value}\" is not a length of time: write e.g. 30d, 12h, 90m or 0 for none."
            ))
        })
}

fn parse_switch(key: &str, value: &str) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => Err(Error::InvalidInput(format!(
            "{key} is on or off, not \"{value}\"."
        ))),
    }
}

fn parse_size(key: &str, value: &str) -> Result<u64> {
    let v = value.trim();
    if v.starts_with('-') {
        return Err(Error::InvalidInput(format!(
            "{key} cannot be below zero (\"{value}\"): write e.g. 5GB, or 0 for none."
        )));
    }
    v.parse::<bytesize::ByteSize>()
        .map(|b| b.as_u64())
        .map_err(|_| {
            Error::InvalidInput(format!(
                "{key} \"{value}\" is not a size: write e.g. 5GB, 500MB or 0 for none."
            ))
        })
}

/// A length of time in words ("30 days", "12 hours", "none"), in the largest
/// unit that divides it.
pub fn duration_words(secs: u64) -> String {
    let units = [(DAY, "day"), (3600, "hour"), (60, "minute"), (1, "second")];
    if secs == 0 {
        return "none".into();
    }
    let (size, unit) = units
        .into_iter()
        .find(|(size, _)| secs % size == 0)
        .unwrap_or((1, "second"));
    let n = secs / size;
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn switch_words(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

impl Policy {
    /// Changes one setting from the words a person typed (`key=value`).
    pub fn apply(&mut self, key: &str, value: &str) -> Result<()> {
        match key {
            "copies-min" => self.copies_min = parse_count(key, value)?,
            "copies-target" => self.copies_target = parse_count(key, value)?,
            "min-sites" => self.min_sites = parse_count(key, value)?,
            "keep-at" => {
                self.keep_at = value
                    .split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect();
            }
            "reserve" => self.reserve_bytes = parse_size(key, value)?,
            "removal-grace" => self.removal_grace_secs = parse_duration(key, value)?,
            "removal-confirmation" => self.removal_needs_confirmation = parse_switch(key, value)?,
            "immediate-removal" => self.immediate_removal = parse_switch(key, value)?,
            "offline-grace" => self.offline_grace_secs = parse_duration(key, value)?,
            "audit-interval" => self.audit_interval_secs = parse_duration(key, value)?,
            _ => {
                let keys: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
                return Err(Error::InvalidInput(format!(
                    "\"{key}\" is not a policy setting: use one of {}.",
                    keys.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Every setting with its value in words, in [`SETTINGS`]' order.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        SETTINGS
            .iter()
            .map(|s| {
                let value = match s.key {
                    "copies-min" => self.copies_min.to_string(),
                    "copies-target" => self.copies_target.to_string(),
                    "min-sites" => self.min_sites.to_string(),
                    "keep-at" if self.keep_at.is_empty() => "none".into(),
                    "keep-at" => self.keep_at.join("; "),
                    "reserve" => bytesize::ByteSize(self.reserve_bytes)
                        .display()
                        .si()
                        .to_string(),
                    "removal-grace" => duration_words(self.removal_grace_secs),
                    "removal-confirmation" => switch_words(self.removal_needs_confirmation).into(),
                    "immediate-removal" => switch_words(self.immediate_removal).into(),
                    "offline-grace" => duration_words(self.offline_grace_secs),
                    _ => duration_words(self.audit_interval_secs),
                };
                (s.key, value)
            })
            .collect()
    }

    /// The settings that differ from `old`: key, old value, new value.
    pub fn changes_from(&self, old: &Policy) -> Vec<(&'static str, String, String)> {
        old.settings()
            .into_iter()
            .zip(self.settings())
            .filter(|((_, a), (_, b))| a != b)
            .map(|((k, a), (_, b))| (k, a, b))
            .collect()
    }

    /// Checks the rules against the network as it is: `partners` members,
    /// `sites` and `organisations` known. One sentence for the first rule
    /// that cannot be followed.
    pub fn check(&self, partners: usize, sites: &[String], organisations: &[String]) -> Result<()> {
        if self.copies_target < self.copies_min {
            return Err(Error::InvalidInput(format!(
                "copies-target ({}) is below copies-min ({}): raise copies-target or lower copies-min.",
                self.copies_target, self.copies_min
            )));
        }
        if self.copies_target as usize > partners {
            return Err(Error::InvalidInput(format!(
                "copies-target asks for {} copies but the network has {partners} partner{}: invite more partners or ask for fewer copies.",
                self.copies_target,
                if partners == 1 { "" } else { "s" }
            )));
        }
        let site_count = sites.len().max(1);
        if self.min_sites as usize > site_count {
            return Err(Error::InvalidInput(format!(
                "min-sites asks for {} sites but the partners are on {}: give partners their sites (see \"Organisations and sites\" in the README) or lower min-sites.",
                self.min_sites,
                if sites.is_empty() {
                    "no named site".to_string()
                } else {
                    format!("{} ({})", sites.len(), sites.join("; "))
                }
            )));
        }
        if self.min_sites > self.copies_target {
            return Err(Error::InvalidInput(format!(
                "min-sites ({}) is more than copies-target ({}): each site needs a copy of its own, so raise copies-target.",
                self.min_sites, self.copies_target
            )));
        }
        for name in &self.keep_at {
            let known = sites
                .iter()
                .chain(organisations)
                .any(|k| k.eq_ignore_ascii_case(name));
            if !known {
                let mut all: Vec<&str> = sites
                    .iter()
                    .chain(organisations)
                    .map(String::as_str)
                    .collect();
                all.sort_unstable();
                all.dedup();
                return Err(Error::InvalidInput(format!(
                    "No partner is at a site or in an organisation called \"{name}\"; {}",
                    if all.is_empty() {
                        "no partner has one yet, so leave keep-at empty.".to_string()
                    } else {
                        format!("the names known are: {}.", all.join("; "))
                    }
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_anchor_is_a_fixed_inline_cid() {
        let a = anchor_cid();
        assert_eq!(a, anchor_cid());
        assert!(a.starts_with("bafk"), "{a}");
        let parsed: cid::Cid = a.parse().unwrap();
        assert_eq!(parsed.hash().code(), 0x00);
        assert_eq!(parsed.hash().digest(), ANCHOR_TEXT);
    }

    #[test]
    fn settings_are_set_from_words_and_shown_in_words() {
        let mut p = Policy::default();
        p.apply("copies-min", "2").unwrap();
        p.apply("removal-grace", "10s").unwrap();
        p.apply("reserve", "2 GB").unwrap();
        p.apply("removal-confirmation", "on").unwrap();
        p.apply("keep-at", "Leeds, UK; Bristol Archives").unwrap();
        assert_eq!(p.removal_grace_secs, 10);
        assert_eq!(p.reserve_bytes, 2_000_000_000);
        assert_eq!(p.keep_at, ["Leeds, UK", "Bristol Archives"]);
        p.apply("keep-at", "").unwrap();
        assert!(p.keep_at.is_empty());
        let changes = p.changes_from(&Policy::default());
        let keys: Vec<_> = changes.iter().map(|c| c.0).collect();
        assert_eq!(keys, ["reserve", "removal-grace", "removal-confirmation"]);
        assert_eq!(
            changes[1],
            ("removal-grace", "30 days".into(), "10 seconds".into())
        );
        assert_eq!(changes[0].2, "2.0 GB");
        assert_eq!(duration_words(7 * DAY), "7 days");
        assert_eq!(duration_words(3600), "1 hour");
        assert_eq!(duration_words(90), "90 seconds");
    }

    #[test]
    fn bad_values_get_one_sentence() {
        let mut p = Policy::default();
        for (k, v) in [
            ("removal-grace", "-1d"),
            ("removal-grace", "soon"),
            ("copies-min", "0"),
            ("reserve", "lots"),
            ("immediate-removal", "maybe"),
            ("colour", "blue"),
        ] {
            let e = p.apply(k, v).unwrap_err().to_string();
            assert!(e.ends_with('.') && !e.contains('\n'), "{e}");
        }
        assert!(
            p.apply("removal-grace", "-1d")
                .unwrap_err()
                .to_string()
                .contains("below zero")
        );
        assert_eq!(p, Policy::default());
    }

    #[test]
    fn the_network_is_checked() {
        let sites = vec!["Leeds, UK".to_string(), "Bristol, UK".to_string()];
        let orgs = vec!["Leeds Community Archive".to_string()];
        let mut p = Policy::default();
        assert!(p.check(3, &sites, &orgs).is_ok());
        p.min_sites = 3;
        let e = p.check(3, &sites, &orgs).unwrap_err().to_string();
        assert!(e.contains("3 sites") && e.contains("Bristol, UK"), "{e}");
        p.min_sites = 2;
        p.keep_at = vec!["leeds community archive".into()];
        assert!(p.check(3, &sites, &orgs).is_ok());
        p.keep_at = vec!["York".into()];
        assert!(
            p.check(3, &sites, &orgs)
                .unwrap_err()
                .to_string()
                .contains("\"York\"")
        );
        p.keep_at.clear();
        p.copies_target = 4;
        assert!(
            p.check(3, &sites, &orgs)
                .unwrap_err()
                .to_string()
                .contains("3 partners")
        );
        // A network without sites can follow the defaults.
        assert!(Policy::default().check(3, &[], &[]).is_ok());
    }

    #[test]
    fn an_older_document_reads_with_defaults_for_what_it_lacks() {
        let doc = PolicyDocument::parse(
            r#"{"format":"ccs-policy/1","version":3,"set_by":"a@b","set_at":"2026-12-01T00:00:00Z","policy":{"copies_min":1}}"#,
        )
        .unwrap();
        assert_eq!(doc.policy.copies_min, 1);
        assert_eq!(doc.policy.copies_target, 3);
        assert!(PolicyDocument::parse("{").is_err());
    }
}
