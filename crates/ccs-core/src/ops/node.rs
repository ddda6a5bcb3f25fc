//! Node check: run by a node's operator on the node's own computer, against
//! its kubo RPC on loopback (which no other member can reach). It finds what
//! an audit can only report from outside, and with `repair` fixes it:
//!
//! - **Damaged blocks**: every block in the repository re-hashed (kubo's
//!   `repo verify`); with repair, each corrupt block is removed and fetched
//!   again from the other members (`--heal`).
//! - **Missing blocks**: every pin walked for blocks the node lacks (`pin
//!   verify`, and an offline `dag stat` for CIDv1 pins, whose raw leaves `pin
//!   verify` does not read); with repair, an online `dag stat` fetches them
//!   from the other members, and the pin is checked again.
//!
//! What it found and did is written into the preservation record when this
//! computer's settings reach the network (the node's own cluster API, say):
//! for each item whose copy here lacked blocks or held damaged ones, a failed
//! fixity check naming this node's partner, and after a repair a recovery,
//! a success only when the copy is whole again. A damaged block is traced to
//! its items by walking the node's pins offline (only when one was found).
//!
//! Why not IPFS Cluster's recover: the node still reports such a pin as
//! pinned (kubo does not re-read what it stores), and the cluster's recover
//! only retries pins in an error state (ipfs-cluster 1.1.6,
//! `pintracker/stateless/stateless.go`, `recoverWithPinInfo`), so it changes
//! nothing here.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Cancel, Session, cancellable};
use crate::content::fixity;
use crate::content::history::{Event as HistoryEvent, EventOutcome, EventType};
use crate::error::{Error, Result};
use crate::net::kubo::KuboClient;

/// How long fetching one incomplete pin's missing blocks may take.
const FETCH_WAIT: std::time::Duration = std::time::Duration::from_secs(600);
/// Pins named in a report (the counts are always exact).
const PINS_KEPT: usize = 1000;
/// kubo's messages about corrupt blocks kept in a report.
const MESSAGES_KEPT: usize = 100;

/// Where the node's RPC is, and whether to fix what is found.
#[derive(Debug, Clone)]
pub struct NodeCheckRequest {
    /// The kubo RPC, e.g. `http://127.0.0.1:5001`.
    pub ipfs_api: String,
    pub repair: bool,
}

/// What the check is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeCheckPhase {
    /// Re-hashing every block in the repository.
    VerifyingBlocks,
    /// Walking every pin for blocks the node lacks.
    CheckingPins,
    /// Fetching missing blocks from the other members.
    Fetching,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeCheckEvent {
    Phase(NodeCheckPhase),
    /// Blocks re-hashed so far.
    Blocks(u64),
    /// kubo's sentence about a corrupt block (and what was done with it).
    Damaged(String),
    /// A pin that lacks blocks.
    Incomplete {
        cid: String,
        missing: u64,
    },
}

/// What the check found and did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NodeCheckReport {
    pub blocks_checked: u64,
    /// Blocks whose bytes did not match their CID.
    pub damaged: u64,
    /// Of those, removed and fetched again (repair).
    pub damaged_healed: u64,
    pub damaged_messages: Vec<String>,
    /// Pins that lacked blocks, and how many pins that was.
    pub incomplete_pins: Vec<String>,
    pub incomplete_count: u64,
    /// Pins made complete again (repair).
    pub fetched_again: Vec<String>,
    /// Pins still lacking blocks at the end.
    pub still_incomplete: Vec<String>,
    pub repaired: bool,
    /// The items the preservation record now has this check's findings for.
    pub items_recorded: u64,
    /// Why the findings could not be recorded, when there were some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_problem: Option<String>,
    /// The damaged blocks kubo named (by multihash), and whether each was
    /// fetched again.
    #[serde(skip)]
    damaged_blocks: BTreeMap<Vec<u8>, bool>,
}

impl NodeCheckReport {
    /// Nothing wrong is left on the node.
    pub fn healthy(&self) -> bool {
        self.damaged == self.damaged_healed
            && self.still_incomplete.is_empty()
            && (self.repaired || self.incomplete_count == 0)
    }

    /// One sentence for a person.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.damaged == 0 {
            parts.push(format!(
                "all {} blocks match their content IDs",
                self.blocks_checked
            ));
        } else if self.repaired {
            parts.push(format!(
                "{} of {} blocks were damaged and {} of them were fetched again from the other partners",
                self.damaged, self.blocks_checked, self.damaged_healed
            ));
        } else {
            parts.push(format!(
                "{} of {} blocks are damaged",
                self.damaged, self.blocks_checked
            ));
        }
        if self.incomplete_count == 0 {
            parts.push("every stored item is complete".into());
        } else if self.repaired {
            parts.push(format!(
                "{} item(s) lacked blocks; {} are complete again, {} still lack blocks",
                self.incomplete_count,
                self.fetched_again.len(),
                self.still_incomplete.len()
            ));
        } else {
            parts.push(format!("{} item(s) lack blocks", self.incomplete_count));
        }
        let mut text = parts.join("; ");
        if !self.healthy() {
            text.push_str(if self.repaired {
                ". What is still wrong could not be fetched from any partner now: check that this node is connected to the others, and run the check again"
            } else {
                ". Run `ccs node check --repair` to fetch them again from the other partners"
            });
        }
        text.push('.');
        text
    }
}

/// The block a `repo/verify` message is about ("block CID was corrupt (...)"
/// and, with heal, ", healed" or why not), and whether it was fetched again.
fn damaged_block(message: &str) -> Option<(String, bool)> {
    let rest = message.strip_prefix("block ")?;
    let (cid, _) = rest.split_once(" was corrupt")?;
    Some((cid.to_string(), message.ends_with(", healed")))
}

/// A block's multihash, which is what kubo stores it under: `repo/verify`
/// names a block as a raw CIDv1 of it, where the DAG links it as `Qm…`.
fn block_key(cid: &str) -> Option<Vec<u8>> {
    cid.parse::<cid::Cid>().ok().map(|c| c.hash().to_bytes())
}

/// Checks (and with `repair`, fixes) the node whose RPC is `ipfs_api`, then
/// records what it found through `session` (none: the report says why not).
pub async fn check(
    request: NodeCheckRequest,
    session: Option<&Session>,
    cancel: &Cancel,
    mut on_event: impl FnMut(NodeCheckEvent) + Send,
) -> Result<NodeCheckReport> {
    let kubo = KuboClient::new(Some(&request.ipfs_api), None);
    let mut report = find_and_fix(&kubo, &request, cancel, &mut on_event).await?;
    if report.damaged > 0 || report.incomplete_count > 0 {
        let recorded = match session {
            Some(session) => cancellable(cancel, record(session, &kubo, &report)).await,
            None => Err(Error::InvalidInput(
                "no settings file on this computer names the network; connect it with `ccs connect` to have the record kept".into(),
            )),
        };
        match recorded {
            Ok(n) => report.items_recorded = n,
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => {
                report.record_problem = Some(format!(
                    "What the check found was not written into the preservation record ({}).",
                    e.to_string().trim_end_matches('.')
                ))
            }
        }
    }
    Ok(report)
}

async fn find_and_fix(
    kubo: &KuboClient,
    request: &NodeCheckRequest,
    cancel: &Cancel,
    on_event: &mut (impl FnMut(NodeCheckEvent) + Send),
) -> Result<NodeCheckReport> {
    let mut report = NodeCheckReport {
        repaired: request.repair,
        ..Default::default()
    };
    cancellable(cancel, async {
        on_event(NodeCheckEvent::Phase(NodeCheckPhase::VerifyingBlocks));
        let mut verify = kubo.repo_verify(request.repair).await?;
        loop {
            match verify.next().await {
                None => break,
                Some(Ok(p)) => {
                    if p.progress > 0 {
                        report.blocks_checked = p.progress;
                        if p.progress % 1000 == 0 {
                            on_event(NodeCheckEvent::Blocks(p.progress));
                        }
                    }
                    if !p.msg.is_empty() && !p.msg.starts_with("verify complete") {
                        report.damaged += 1;
                        if p.msg.contains(", healed") {
                            report.damaged_healed += 1;
                        }
                        on_event(NodeCheckEvent::Damaged(p.msg.clone()));
                        if report.damaged_messages.len() < MESSAGES_KEPT {
                            if let Some((key, healed)) = damaged_block(&p.msg)
                                .and_then(|(cid, healed)| Some((block_key(&cid)?, healed)))
                            {
                                report.damaged_blocks.insert(key, healed);
                            }
                            report.damaged_messages.push(p.msg);
                        }
                    }
                }
                // kubo ends a run that found corrupt blocks with an error
                // that only sums up what was already reported.
                Some(Err(Error::StreamFailed { message, .. }))
                    if message.starts_with("verify complete") => {}
                Some(Err(e)) => return Err(e),
            }
        }
        on_event(NodeCheckEvent::Blocks(report.blocks_checked));

        on_event(NodeCheckEvent::Phase(NodeCheckPhase::CheckingPins));
        let mut incomplete = Vec::new();
        let mut bad = kubo.pin_verify().await?;
        while let Some(p) = bad.next().await.transpose()? {
            if p.cid.is_empty() {
                continue;
            }
            on_event(NodeCheckEvent::Incomplete {
                cid: p.cid.clone(),
                missing: p.bad_nodes.len() as u64,
            });
            incomplete.push(p.cid);
        }
        // CIDv1 pins usually have raw leaves, which `pin verify` lists but
        // does not read: walk those offline.
        let mut pins = kubo.recursive_pins().await?;
        while let Some(pin) = pins.next().await.transpose()? {
            if pin.cid.starts_with("Qm") || incomplete.contains(&pin.cid) {
                continue;
            }
            match kubo.dag_stat(&pin.cid, true).await {
                Ok(()) => {}
                Err(Error::Api { .. }) => {
                    on_event(NodeCheckEvent::Incomplete {
                        cid: pin.cid.clone(),
                        missing: 1,
                    });
                    incomplete.push(pin.cid);
                }
                Err(e) => return Err(e),
            }
        }
        report.incomplete_count = incomplete.len() as u64;
        report.incomplete_pins = incomplete.iter().take(PINS_KEPT).cloned().collect();

        if request.repair && !incomplete.is_empty() {
            on_event(NodeCheckEvent::Phase(NodeCheckPhase::Fetching));
            for cid in &incomplete {
                // Online: whatever is missing is fetched from the members
                // (bounded: with no member holding a block, kubo would wait
                // for ever).
                let fetched = tokio::time::timeout(FETCH_WAIT, kubo.dag_stat(cid, false))
                    .await
                    .unwrap_or(Err(Error::Cancelled));
                let complete = fetched.is_ok() && kubo.dag_stat(cid, true).await.is_ok();
                let list = if complete {
                    &mut report.fetched_again
                } else {
                    &mut report.still_incomplete
                };
                if list.len() < PINS_KEPT {
                    list.push(cid.clone());
                }
            }
        } else {
            report.still_incomplete = report.incomplete_pins.clone();
        }
        Ok(report)
    })
    .await
}

/// Writes the findings into the preservation record (see the module's
/// comment); returns how many items they were about.
async fn record(session: &Session, kubo: &KuboClient, report: &NodeCheckReport) -> Result<u64> {
    let node = session.node()?;
    // This node's partner, as the network names it: the cluster peer whose
    // kubo is the one checked.
    let me = kubo.id().await?.id;
    let mut partner = None;
    let mut peers = node.cluster.peers().await?;
    while let Some(peer) = peers.next().await.transpose()? {
        if peer.ipfs.id == me {
            partner = Some(peer.peername);
            break;
        }
    }
    drop(peers);
    let partner = partner.ok_or_else(|| {
        Error::InvalidInput(format!(
            "this node ({me}) is not one of the partners of the network that {} belongs to",
            node.name
        ))
    })?;

    // Each pin the findings touch: lacking blocks, holding damaged ones.
    let mut touched: BTreeMap<String, Finding> = BTreeMap::new();
    for cid in &report.incomplete_pins {
        touched.entry(cid.clone()).or_default().missing = true;
    }
    if !report.damaged_blocks.is_empty() {
        let damaged =
            |cid: &str| block_key(cid).and_then(|k| report.damaged_blocks.get(&k).map(|h| (k, *h)));
        // The pins streamed, not listed: a node may hold a great many.
        let mut pins = kubo.recursive_pins().await?;
        while let Some(pin) = pins.next().await.transpose()? {
            let root = pin.cid;
            let mut hit = BTreeSet::new();
            hit.extend(damaged(&root));
            // A walk that cannot go on (a block removed, not fetched
            // again) has named what it could.
            if let Ok(mut refs) = kubo.refs(&root).await {
                while let Some(Ok(line)) = refs.next().await {
                    hit.extend(damaged(&line.cid));
                }
            }
            if !hit.is_empty() {
                let f = touched.entry(root).or_default();
                f.damaged += hit.len() as u64;
                f.damaged_unhealed += hit.iter().filter(|(_, healed)| !healed).count() as u64;
            }
        }
    }

    let mut events = Vec::new();
    let mut items = 0;
    for (cid, finding) in touched {
        // Only items: a manifest's or the record's own pins are not.
        let Some(pin) = node.cluster.allocation(&cid).await? else {
            continue;
        };
        if fixity::is_internal_pin(&pin.metadata) {
            continue;
        }
        items += 1;
        let whole_again = report.repaired
            && finding.damaged_unhealed == 0
            && (!finding.missing || report.fetched_again.contains(&cid));
        let mut found = Vec::new();
        if finding.missing {
            found.push("blocks missing".to_string());
        }
        if finding.damaged > 0 {
            found.push(format!(
                "{} damaged block{}",
                finding.damaged,
                if finding.damaged == 1 { "" } else { "s" }
            ));
        }
        let found = found.join(" and ");
        let mut checked = HistoryEvent::new(
            EventType::FixityCheck,
            &cid,
            EventOutcome::Failure,
            format!(
                "The node's own check, run by its operator, found {found} in this partner's copy."
            ),
            session.client,
        )
        .named(&pin.name);
        checked.partner = Some(partner.clone());
        events.push(checked);
        if report.repaired {
            let mut repaired = HistoryEvent::new(
                EventType::Recovery,
                &cid,
                if whole_again {
                    EventOutcome::Success
                } else {
                    EventOutcome::Failure
                },
                if whole_again {
                    format!("The node's own repair fetched what was wrong ({found}) again from the other partners; this partner's copy is whole again.")
                } else {
                    format!("The node's own repair could not fetch all that was wrong ({found}) from the other partners; this partner's copy is still incomplete.")
                },
                session.client,
            )
            .named(&pin.name);
            repaired.partner = Some(partner.clone());
            events.push(repaired);
        }
    }
    super::history::record(session, events).await?;
    Ok(items)
}

/// What a check found in one pin's copy on this node.
#[derive(Debug, Default)]
struct Finding {
    missing: bool,
    damaged: u64,
    damaged_unhealed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubo_names_the_damaged_block_and_whether_it_was_healed() {
        assert_eq!(
            damaged_block(
                "block QmA was corrupt (block in storage has different hash than requested)"
            ),
            Some(("QmA".to_string(), false))
        );
        assert_eq!(
            damaged_block("block bafyB was corrupt (bad hash), healed"),
            Some(("bafyB".to_string(), true))
        );
        assert_eq!(
            damaged_block("block QmC was corrupt (bad hash), failed to heal (not found)"),
            Some(("QmC".to_string(), false))
        );
        assert_eq!(
            damaged_block("verify complete, some blocks were corrupt."),
            None
        );
        // kubo names a block as a raw CIDv1 of its multihash; a folder links it as Qm….
        let v0: cid::Cid = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
            .parse()
            .unwrap();
        let raw = cid::Cid::new_v1(0x55, *v0.hash()).to_string();
        assert!(raw.starts_with("bafkrei"), "{raw}");
        assert_eq!(block_key(&raw), block_key(&v0.to_string()));
        assert_eq!(block_key("not a cid"), None);
    }

    #[test]
    fn a_check_is_healthy_only_when_nothing_wrong_is_left() {
        let clean = NodeCheckReport {
            blocks_checked: 10,
            ..Default::default()
        };
        assert!(clean.healthy());
        assert_eq!(
            clean.summary(),
            "all 10 blocks match their content IDs; every stored item is complete."
        );
        let found = NodeCheckReport {
            blocks_checked: 10,
            damaged: 1,
            incomplete_count: 1,
            incomplete_pins: vec!["QmA".into()],
            still_incomplete: vec!["QmA".into()],
            ..Default::default()
        };
        assert!(!found.healthy());
        assert!(
            found.summary().contains("Run `ccs node check --repair`"),
            "{}",
            found.summary()
        );
        let repaired = NodeCheckReport {
            blocks_checked: 10,
            damaged: 1,
            damaged_healed: 1,
            incomplete_count: 1,
            fetched_again: vec!["QmA".into()],
            repaired: true,
            ..Default::default()
        };
        assert!(repaired.healthy(), "{}", repaired.summary());
        let stuck = NodeCheckReport {
            still_incomplete: vec!["QmA".into()],
            incomplete_count: 1,
            repaired: true,
            ..Default::default()
        };
        assert!(!stuck.healthy());
        assert!(
            stuck.summary().contains("could not be fetched"),
            "{}",
            stuck.summary()
        );
    }
}
