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
//! Why not IPFS Cluster's recover: the node still reports such a pin as
//! pinned (kubo does not re-read what it stores), and the cluster's recover
//! only retries pins in an error state (ipfs-cluster 1.1.6,
//! `pintracker/stateless/stateless.go`, `recoverWithPinInfo`), so it changes
//! nothing here.

use serde::Serialize;

use super::{Cancel, cancellable};
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

/// Checks (and with `repair`, fixes) the node whose RPC is `ipfs_api`.
pub async fn check(
    request: NodeCheckRequest,
    cancel: &Cancel,
    mut on_event: impl FnMut(NodeCheckEvent) + Send,
) -> Result<NodeCheckReport> {
    let kubo = KuboClient::new(Some(&request.ipfs_api), None);
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

#[cfg(test)]
mod tests {
    use super::*;

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
