//! Where a member node is: its organisation and its site (a place with its
//! own disaster risk), published as IPFS Cluster informer tags.
//!
//! The site is the tag `group`, the one IPFS Cluster 1.1.6's balanced
//! allocator partitions by by default (`allocate_by: ["tag:group",
//! "freespace"]`, `allocator/balanced/config.go`): it hands out copies one
//! partition at a time in turn, so an item's copies go to different sites
//! first and then by free space. A node without tags publishes
//! `group: default` (`informer/tags/config.go`), so files made before sites
//! existed still take part in allocation: a peer that lacks a metric the
//! allocator asks for gets no copies at all (`allocate.go`, `filterMetrics`),
//! which is why a tag of our own name would have shut them out.
//!
//! The tags travel in `CLUSTER_TAGS_TAGS`, which `envconfig` splits at every
//! `,` and `:` (`envconfig.go`, `case reflect.Map`), so those two characters
//! and `%` are percent-encoded in values and decoded when read back. The
//! variable replaces the whole map (the same code makes a new one), so a
//! node with an organisation but no site still publishes `group: default`.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The tag that carries the site: the balanced allocator's default partition.
pub const SITE_TAG: &str = "group";
/// The tag that carries the organisation.
pub const ORGANISATION_TAG: &str = "org";
/// What an untagged node publishes as its `group`.
pub const UNTAGGED_SITE: &str = "default";
/// `CLUSTER_TAGS_TAGS`: the tags informer's map.
pub const TAGS_ENV: &str = "CLUSTER_TAGS_TAGS";
/// `CLUSTER_BALANCED_ALLOCATEBY`: set explicitly, so a changed default in a
/// later IPFS Cluster cannot silently stop spreading copies over sites.
pub const ALLOCATE_BY_ENV: &str = "CLUSTER_BALANCED_ALLOCATEBY";
/// Sites first, then free space.
pub const ALLOCATE_BY: &str = "tag:group,freespace";

/// The longest organisation or site name accepted.
pub const MAX_NAME_CHARS: usize = 100;

const TAG_VALUE: &AsciiSet = &CONTROLS.add(b'%').add(b',').add(b':');

/// A node's organisation and site; either may be unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Place {
    /// e.g. "Leeds Community Archive".
    pub organisation: Option<String>,
    /// e.g. "Leeds, UK".
    pub site: Option<String>,
}

impl Place {
    /// A place from what a person typed: each name trimmed, empty means not
    /// given; a name that is too long or holds control characters is refused.
    pub fn new(organisation: Option<&str>, site: Option<&str>) -> Result<Self> {
        Ok(Self {
            organisation: check_name("organisation", organisation)?,
            site: check_name("site", site)?,
        })
    }

    /// The same place checked as [`Place::new`] checks what a person typed
    /// (for a place that came from elsewhere, e.g. the app's form).
    pub fn checked(&self) -> Result<Self> {
        Self::new(self.organisation.as_deref(), self.site.as_deref())
    }

    pub fn is_empty(&self) -> bool {
        self.organisation.is_none() && self.site.is_none()
    }

    /// `CLUSTER_TAGS_TAGS`'s value; `None` for a place with nothing in it (the
    /// node then keeps IPFS Cluster's default tags).
    pub fn tags_env(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        // Always a `group`: the variable replaces IPFS Cluster's default
        // tags, and a peer without the metric would get no copies at all.
        let site = self
            .site
            .as_deref()
            .map_or_else(|| UNTAGGED_SITE.to_string(), encode);
        let mut pairs = vec![format!("{SITE_TAG}:{site}")];
        if let Some(org) = &self.organisation {
            pairs.push(format!("{ORGANISATION_TAG}:{}", encode(org)));
        }
        Some(pairs.join(","))
    }

    /// The place in a `CLUSTER_TAGS_TAGS` value (unknown tags ignored; a
    /// malformed pair is skipped, as the value is the operator's to edit).
    pub fn from_tags_env(value: &str) -> Self {
        let mut place = Self::default();
        for pair in value.split(',') {
            let Some((key, raw)) = pair.split_once(':') else {
                continue;
            };
            match key {
                SITE_TAG => place.site = site_from_tag(raw),
                ORGANISATION_TAG => place.organisation = name_from_tag(raw),
                _ => {}
            }
        }
        place
    }
}

/// A site from the `group` tag's value as published (`default`: none given).
pub fn site_from_tag(raw: &str) -> Option<String> {
    name_from_tag(raw).filter(|s| s != UNTAGGED_SITE)
}

/// A name from a tag's published value. Line breaks and other control
/// characters an edited file may hold (`%0A`) become spaces, so a name read
/// back is always one line.
pub fn name_from_tag(raw: &str) -> Option<String> {
    let decoded = percent_decode_str(raw).decode_utf8_lossy();
    let one_line: String = decoded
        .chars()
        .map(|c| if breaks_line(c) { ' ' } else { c })
        .collect();
    let trimmed = one_line.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// A control character, or one of the separators YAML and editors take as a
/// line break.
fn breaks_line(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

fn encode(name: &str) -> String {
    utf8_percent_encode(name, TAG_VALUE).to_string()
}

fn check_name(what: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().any(breaks_line) {
        return Err(Error::InvalidInput(format!(
            "The {what} name holds a line break or another control character: write it on one line."
        )));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(Error::InvalidInput(format!(
            "The {what} name is longer than {MAX_NAME_CHARS} characters: use a shorter name."
        )));
    }
    if what == "site" && value.eq_ignore_ascii_case(UNTAGGED_SITE) {
        return Err(Error::InvalidInput(format!(
            "\"{value}\" is the name IPFS Cluster gives a node without a site: name the place, e.g. \"Leeds, UK\"."
        )));
    }
    Ok(Some(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_commas_and_colons_survive_the_environment_variable() {
        let place = Place::new(Some("Archive: 100% Community"), Some(" Leeds, UK ")).unwrap();
        assert_eq!(place.site.as_deref(), Some("Leeds, UK"));
        let env = place.tags_env().unwrap();
        // What envconfig needs: exactly one ':' per ',' separated pair.
        for pair in env.split(',') {
            assert_eq!(pair.matches(':').count(), 1, "{env}");
        }
        assert_eq!(Place::from_tags_env(&env), place);
    }

    #[test]
    fn an_organisation_without_a_site_keeps_the_default_group() {
        let place = Place::new(Some("Bristol Archives"), None).unwrap();
        assert_eq!(
            place.tags_env().as_deref(),
            Some("group:default,org:Bristol Archives")
        );
        assert_eq!(
            Place::from_tags_env("group:default,org:Bristol Archives"),
            place
        );
        let site_only = Place::new(None, Some("Bristol, UK")).unwrap();
        assert_eq!(site_only.tags_env().as_deref(), Some("group:Bristol%2C UK"));
    }

    #[test]
    fn names_read_back_are_one_line() {
        let place = Place::from_tags_env("group:Leeds%0Aservices%3A x,org:A%E2%80%A8B");
        assert_eq!(place.site.as_deref(), Some("Leeds services: x"));
        assert_eq!(place.organisation.as_deref(), Some("A B"));
        assert_eq!(place.checked().unwrap(), place);
    }

    #[test]
    fn an_empty_place_sets_no_tags_and_default_is_no_site() {
        let place = Place::new(Some("  "), None).unwrap();
        assert!(place.is_empty());
        assert_eq!(place.tags_env(), None);
        assert_eq!(site_from_tag("default"), None);
        assert_eq!(site_from_tag("Leeds%2C UK").as_deref(), Some("Leeds, UK"));
        assert_eq!(Place::from_tags_env("group:default"), Place::default());
    }

    #[test]
    fn bad_names_get_one_sentence() {
        for (org, site) in [
            (Some("a\nb"), None),
            (None, Some("Leeds\u{2028}UK")),
            (None, Some("default")),
            (Some(&*"x".repeat(101)), None),
        ] {
            let err = Place::new(org, site).unwrap_err();
            assert_eq!(err.code(), crate::error::ErrorCode::InvalidInput);
            let msg = err.to_string();
            assert!(msg.ends_with('.') && !msg.contains('\n'), "{msg}");
        }
    }
}
