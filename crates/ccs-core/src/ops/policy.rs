//! The network policy (see [`crate::content::policy`] for where it is kept):
//! `show` reads it, `set` changes it for every member and records the change.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Session;
use crate::content::fixity::KIND_KEY;
use crate::content::history::{Event, EventOutcome, EventType};
use crate::content::policy::{
    ANCHOR_NAME, FORMAT, KIND_POLICY, POLICY_KEY, Policy, PolicyDocument, anchor_cid,
};
use crate::error::{Error, Result};
use crate::net::cluster::{ClusterClient, PinOptions};

/// The policy as the network holds it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PolicyView {
    pub document: PolicyDocument,
    /// False: nobody has set one, so the defaults apply.
    pub stored: bool,
    /// Every setting in words, as `ccs policy show` lists them: key, value,
    /// meaning.
    pub settings: Vec<PolicySetting>,
}

/// One setting in words.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PolicySetting {
    pub key: String,
    pub value: String,
    pub meaning: String,
}

/// One changed setting.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PolicyChange {
    pub key: String,
    pub old: String,
    pub new: String,
}

/// What `set` did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PolicySet {
    pub view: PolicyView,
    /// Empty: the policy already said this, and nothing was written.
    pub changes: Vec<PolicyChange>,
    /// Set when the change was made but could not be recorded.
    pub record_problem: Option<String>,
    /// Set when the stored policy could not be read and this change replaced
    /// it, starting from the defaults: the sentence to show.
    pub replaced_unreadable: Option<String>,
}

/// How a policy is changed: the command line's `key=value` words, or a whole
/// policy (the app's form).
#[derive(Debug, Clone)]
pub enum PolicyUpdate {
    Words(Vec<(String, String)>),
    Whole(Policy),
}

fn view(document: PolicyDocument, stored: bool) -> PolicyView {
    let settings = document
        .policy
        .settings()
        .into_iter()
        .zip(crate::content::policy::SETTINGS.iter())
        .map(|((key, value), info)| PolicySetting {
            key: key.into(),
            value,
            meaning: info.meaning.into(),
        })
        .collect();
    PolicyView {
        document,
        stored,
        settings,
    }
}

/// The policy document in the anchor pin, or `None` when it is not pinned.
pub(crate) async fn stored_document(cluster: &ClusterClient) -> Result<Option<PolicyDocument>> {
    let Some(pin) = cluster.allocation(&anchor_cid()).await? else {
        return Ok(None);
    };
    match pin.metadata.get(POLICY_KEY) {
        Some(text) => PolicyDocument::parse(text).map(Some),
        None => Err(Error::InvalidInput(
            "The network's policy pin holds no policy: set it again with `ccs policy set`.".into(),
        )),
    }
}

/// For `set`: the stored document, or, when the anchor holds a policy that
/// cannot be read (damaged, or no policy at all), the defaults continuing its
/// version count and a sentence saying it will be replaced, so that the one
/// command that mends it is never blocked by the damage. A policy in a format
/// only a newer program knows is not replaced (its settings would be lost).
async fn stored_for_set(
    cluster: &ClusterClient,
) -> Result<(Option<PolicyDocument>, Option<String>)> {
    let Some(pin) = cluster.allocation(&anchor_cid()).await? else {
        return Ok((None, None));
    };
    let text = pin.metadata.get(POLICY_KEY).map(String::as_str);
    if let Some(Ok(doc)) = text.map(PolicyDocument::parse) {
        return Ok((Some(doc), None));
    }
    let raw: Option<serde_json::Value> = text.and_then(|t| serde_json::from_str(t).ok());
    let field = |name: &str| raw.as_ref().and_then(|v| v.get(name).cloned());
    if let Some(format) = field("format").and_then(|f| f.as_str().map(str::to_owned))
        && format != FORMAT
    {
        return Err(Error::InvalidInput(format!(
            "The network's policy is in a format this program does not know (\"{format}\"): update the program before changing it."
        )));
    }
    let version = field("version").and_then(|v| v.as_u64()).unwrap_or(0);
    let document = PolicyDocument {
        version,
        ..PolicyDocument::defaults()
    };
    Ok((
        Some(document),
        Some(
            "The network's stored policy could not be read, so it was replaced: every setting not named here is back to its default.".into(),
        ),
    ))
}

/// The policy every member follows (the defaults when nobody set one).
pub async fn current(session: &Session) -> Result<PolicyDocument> {
    let cluster = session.node()?.cluster;
    Ok(stored_document(&cluster)
        .await?
        .unwrap_or_else(PolicyDocument::defaults))
}

/// `ccs policy show`.
pub async fn show(session: &Session) -> Result<PolicyView> {
    let cluster = session.node()?.cluster;
    Ok(match stored_document(&cluster).await? {
        Some(doc) => view(doc, true),
        None => view(PolicyDocument::defaults(), false),
    })
}

/// Changes the policy for every member: checked against the network as it is
/// (partners, their sites and organisations), written to the anchor pin, and
/// recorded as a `policy assignment` event naming each change.
pub async fn set(session: &Session, update: PolicyUpdate) -> Result<PolicySet> {
    let cluster = session.node()?.cluster;
    let (stored, replaced_unreadable) = stored_for_set(&cluster).await?;
    let old = stored.clone().unwrap_or_else(PolicyDocument::defaults);
    let mut policy = old.policy.clone();
    match update {
        PolicyUpdate::Words(words) => {
            if words.is_empty() {
                return Err(Error::InvalidInput(
                    "Name a setting to change, e.g. `ccs policy set copies-target=3` (`ccs policy show` lists them).".into(),
                ));
            }
            for (key, value) in &words {
                policy.apply(key.trim(), value)?;
            }
        }
        PolicyUpdate::Whole(p) => policy = p,
    }
    let changes: Vec<PolicyChange> = policy
        .changes_from(&old.policy)
        .into_iter()
        .map(|(key, old, new)| PolicyChange {
            key: key.into(),
            old,
            new,
        })
        .collect();
    // An unreadable policy is written even when nothing differs from the
    // defaults: that is the mending.
    if changes.is_empty() && replaced_unreadable.is_none() {
        return Ok(PolicySet {
            view: view(old, stored.is_some()),
            changes,
            record_problem: None,
            replaced_unreadable: None,
        });
    }
    let network = super::partners::places(&cluster).await?;
    policy.check(network.partners, &network.sites(), &network.organisations())?;

    let document = PolicyDocument {
        format: FORMAT.into(),
        version: old.version + 1,
        set_by: Some(crate::content::provenance::who()),
        set_at: Some(crate::content::provenance::now_rfc3339()),
        policy,
    };
    let text = serde_json::to_string(&document)
        .map_err(|e| Error::InvalidInput(format!("The policy could not be written ({e}).")))?;
    let options = PinOptions {
        name: Some(ANCHOR_NAME.into()),
        // Every member holds it (it costs no block: the CID inlines its bytes).
        replication_min: Some(-1),
        replication_max: Some(-1),
        metadata: BTreeMap::from([
            (KIND_KEY.to_string(), KIND_POLICY.to_string()),
            (POLICY_KEY.to_string(), text),
        ]),
        ..PinOptions::default()
    };
    cluster.pin(&anchor_cid(), &options).await?;

    let mut detail = format!(
        "Network policy version {} set: {}.",
        document.version,
        if changes.is_empty() {
            "the defaults".to_string()
        } else {
            changes
                .iter()
                .map(|c| format!("{} {} -> {}", c.key, c.old, c.new))
                .collect::<Vec<_>>()
                .join("; ")
        }
    );
    if replaced_unreadable.is_some() {
        detail.push_str(" It replaced a stored policy that could not be read.");
    }
    let event = Event::new(
        EventType::PolicyAssignment,
        &anchor_cid(),
        EventOutcome::Success,
        detail,
        session.client,
    )
    .named("Network policy");
    let record_problem = super::history::record_or_say(session, vec![event]).await;
    Ok(PolicySet {
        view: view(document, true),
        changes,
        record_problem,
        replaced_unreadable,
    })
}
