//! The partners: every member of the network, online or not, with its name,
//! organisation and site, versions, free space, copies held and alerts.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use serde::Serialize;

use super::{Cancel, Session, cancellable};
use crate::content::provenance;
use crate::deploy::place::{self, ORGANISATION_TAG, Place, SITE_TAG};
use crate::error::{Error, Result};
use crate::net::cluster::{Alert, ClusterClient, TrackerStatus};

/// One member of the network.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Partner {
    /// Its name; an offline partner's is recovered from the pin states.
    pub name: String,
    /// Its organisation and site, as its node publishes them (an offline
    /// partner's from its last metrics while the cluster still has them).
    pub place: Place,
    pub cluster_peer_id: String,
    pub online: bool,
    /// RFC 3339, when offline and known (its last metric).
    pub last_seen: Option<String>,
    /// Why it could not be reached, when offline.
    pub error: Option<String>,
    pub cluster_version: Option<String>,
    pub kubo_version: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub free_space: Option<u64>,
    /// Items it holds a complete copy of.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pins: u64,
    /// Its alerts, each "metric (when)".
    pub alerts: Vec<String>,
    /// When this computer last audited one of its copies (RFC 3339).
    pub last_audited: Option<String>,
    /// Of its copies audited here, how many passed their last check.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub copies_audited: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub copies_verified: u64,
}

fn rfc3339_from_nanos(ns: i64) -> Option<String> {
    (ns > 0).then(|| {
        let secs = Duration::from_nanos(ns as u64).as_secs();
        provenance::format_unix(secs)
    })
}

/// Names of peers that cannot answer themselves, from the first pin states
/// that mention them (stops reading as soon as all are named).
pub async fn names_of(cluster: &ClusterClient, ids: &[String]) -> HashMap<String, String> {
    let mut names = HashMap::new();
    if ids.is_empty() {
        return names;
    }
    let Ok(mut stream) = cluster.status_all(None).await else {
        return names;
    };
    while let Some(Ok(s)) = stream.next().await {
        for id in ids {
            if let Some(p) = s.peer_map.get(id) {
                if !p.peername.is_empty() {
                    names.insert(id.clone(), p.peername.clone());
                }
            }
        }
        if names.len() == ids.len() {
            break;
        }
    }
    names
}

/// Where every member is: its organisation and site by cluster peer id.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NetworkPlaces {
    /// Members of the network, online or not.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub partners: usize,
    /// Peer id -> place; a member that publishes nothing is absent.
    pub by_peer: HashMap<String, Place>,
}

impl NetworkPlaces {
    /// The place of a peer (empty when unknown).
    pub fn of(&self, peer_id: &str) -> Place {
        self.by_peer.get(peer_id).cloned().unwrap_or_default()
    }

    /// The distinct sites, sorted.
    pub fn sites(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self
            .by_peer
            .values()
            .filter_map(|p| p.site.as_ref())
            .collect();
        set.into_iter().cloned().collect()
    }

    /// The distinct organisations, sorted.
    pub fn organisations(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self
            .by_peer
            .values()
            .filter_map(|p| p.organisation.as_ref())
            .collect();
        set.into_iter().cloned().collect()
    }
}

/// Reads every member's organisation and site from the cluster's tag metrics
/// (`deploy::place`): the online members' latest ones, and an offline
/// member's from the alert its expired metric raised, while the cluster keeps
/// it.
pub async fn places(cluster: &ClusterClient) -> Result<NetworkPlaces> {
    let partners = cluster.peers().await?.collect_vec().await?.len();
    let alerts = cluster.alerts().await?;
    places_from(cluster, partners, &alerts).await
}

/// [`places`] for a caller that already has the peer count and the alerts.
pub(crate) async fn places_from(
    cluster: &ClusterClient,
    partners: usize,
    alerts: &[Alert],
) -> Result<NetworkPlaces> {
    let mut by_peer: HashMap<String, Place> = HashMap::new();
    let site_metric = format!("tag:{SITE_TAG}");
    let org_metric = format!("tag:{ORGANISATION_TAG}");
    let site = cluster.metrics(&site_metric).await?;
    let org = cluster.metrics(&org_metric).await?;
    let from_alerts = alerts.iter().map(|a| a.metric.clone());
    // Alerts first, so that a live metric wins over an expired one.
    for m in from_alerts.chain(site).chain(org) {
        let entry = by_peer.entry(m.peer.clone()).or_default();
        if m.name == site_metric {
            entry.site = place::site_from_tag(&m.value);
        } else if m.name == org_metric {
            entry.organisation = place::name_from_tag(&m.value);
        }
    }
    by_peer.retain(|_, p| !p.is_empty());
    Ok(NetworkPlaces { partners, by_peer })
}

/// Each peer's free space (bytes) from its latest metric.
pub(crate) async fn free_space(cluster: &ClusterClient) -> Result<HashMap<String, u64>> {
    Ok(cluster
        .freespace()
        .await?
        .into_iter()
        .filter_map(|m| m.value.parse().ok().map(|v| (m.peer, v)))
        .collect())
}

/// [`places`] through the session's node.
pub async fn network_places(session: &Session) -> Result<NetworkPlaces> {
    places(&session.node()?.cluster).await
}

/// The members that do not answer just now, by name: a light look (no pin
/// counts, no free space) for the app's "a partner cannot be reached".
pub async fn unreachable(session: &Session) -> Result<Vec<String>> {
    let cluster = session.node()?.cluster;
    let ids = cluster.peers().await?.collect_vec().await?;
    let away: Vec<String> = ids
        .into_iter()
        .filter(|i| !i.error.is_empty())
        .map(|i| i.id)
        .collect();
    let names = names_of(&cluster, &away).await;
    Ok(away
        .into_iter()
        .map(|id| {
            names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| "A partner with no name".to_string())
        })
        .collect())
}

/// Every member, sorted by name.
pub async fn list(session: &Session, cancel: &Cancel) -> Result<Vec<Partner>> {
    let cluster = session.node()?.cluster;
    let ids = cluster.peers().await?.collect_vec().await?;
    let free = free_space(&cluster).await?;
    let alerts = cluster.alerts().await?;
    let places = places_from(&cluster, ids.len(), &alerts).await?;
    // Names and pin counts from the status stream (offline peers keep their name there).
    let mut names: HashMap<String, String> = HashMap::new();
    let mut pins: HashMap<String, u64> = HashMap::new();
    let mut stream = cluster.status_all(None).await?;
    cancellable(cancel, async {
        while let Some(s) = stream.next().await {
            let s = s?;
            let manifest = crate::content::fixity::is_internal_pin(&s.metadata);
            for (id, p) in s.peer_map {
                if p.status == TrackerStatus::Pinned && !manifest {
                    *pins.entry(id.clone()).or_default() += 1;
                }
                if !p.peername.is_empty() {
                    names.entry(id).or_insert(p.peername);
                }
            }
        }
        Ok::<(), Error>(())
    })
    .await?;

    let mut partners = Vec::new();
    for id in ids {
        let online = id.error.is_empty();
        let name = if !id.peername.is_empty() {
            id.peername.clone()
        } else {
            names
                .get(&id.id)
                .cloned()
                .unwrap_or_else(|| id.id.chars().take(16).collect())
        };
        let kubo_version = if online {
            cancellable(cancel, async {
                Ok(session.profile(&name).kubo().gateway_version().await.ok())
            })
            .await?
        } else {
            None
        };
        let own_alerts: Vec<_> = alerts.iter().filter(|a| a.metric.peer == id.id).collect();
        let last_seen = if online {
            None
        } else {
            own_alerts
                .iter()
                .map(|a| a.metric.received_at)
                .max()
                .and_then(rfc3339_from_nanos)
        };
        partners.push(Partner {
            place: places.of(&id.id),
            cluster_peer_id: id.id.clone(),
            online,
            last_seen,
            error: (!online).then(|| id.error.clone()),
            cluster_version: (!id.version.is_empty())
                .then(|| id.version.split('+').next().unwrap_or("").to_string()),
            kubo_version,
            free_space: free.get(&id.id).copied(),
            pins: pins.get(&id.id).copied().unwrap_or(0),
            alerts: own_alerts
                .iter()
                .map(|a| format!("{} ({})", a.metric.name, a.triggered_at))
                .collect(),
            name,
            last_audited: None,
            copies_audited: 0,
            copies_verified: 0,
        });
    }
    // The audits' findings, by partner name.
    session.audits().each(|rec| {
        for (name, copy) in rec.copies {
            if let Some(p) = partners.iter_mut().find(|p| p.name == name) {
                p.copies_audited += 1;
                if copy.outcome == crate::ops::audit::CopyOutcome::Verified {
                    p.copies_verified += 1;
                }
                if p.last_audited.as_ref().is_none_or(|t| *t < copy.checked_at) {
                    p.last_audited = Some(copy.checked_at);
                }
            }
        }
    });
    partners.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(partners)
}
