//! The resource catalog: tags for resources whose platform sends none (Teleport and AWS TEAM
//! name resources but carry no tags), by resource id or name pattern. Applied to every
//! request before the rules run, on every path (replay, `serve`, ingest), so the high-risk
//! rule sees `env=prod` on `/main/db/orders` as if the platform had sent it. A tag the event
//! carries itself wins over the catalog's; entries apply in order, the first to set a key wins.

use crate::domain::{AccessRequest, Tags};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most catalog entries accepted (each is matched against every resource of every request).
pub const MAX_ENTRIES: usize = 500;
/// Most tags one entry may add, and the longest key or value.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 256;

/// One catalog entry as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    /// A resource id or name, exact or glob (`*`, `?`, `[a-z]`).
    pub resource: String,
    pub tags: BTreeMap<String, String>,
}

/// The compiled catalog.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: Vec<(glob::Pattern, Vec<(CompactString, CompactString)>)>,
}

/// Why a catalog was refused (the message names the entry).
pub fn check(entries: &[CatalogEntry]) -> Result<(), String> {
    if entries.len() > MAX_ENTRIES {
        return Err(format!(
            "catalog: {} entries, at most {MAX_ENTRIES}",
            entries.len()
        ));
    }
    for (i, entry) in entries.iter().enumerate() {
        glob::Pattern::new(&entry.resource)
            .map_err(|e| format!("catalog[{i}].resource {:?}: {e}", entry.resource))?;
        if entry.tags.is_empty() || entry.tags.len() > MAX_TAGS {
            return Err(format!("catalog[{i}].tags: between 1 and {MAX_TAGS} tags"));
        }
        let bad = |s: &str| s.trim().is_empty() || s.chars().count() > MAX_TAG_CHARS;
        if let Some((k, _)) = entry.tags.iter().find(|(k, v)| bad(k) || bad(v)) {
            return Err(format!(
                "catalog[{i}].tags.{k}: keys and values must be 1 to {MAX_TAG_CHARS} characters"
            ));
        }
    }
    Ok(())
}

impl Catalog {
    /// Compile checked entries (see [`check`]).
    pub fn compile(entries: &[CatalogEntry]) -> Result<Self, glob::PatternError> {
        let entries = entries
            .iter()
            .map(|e| {
                let tags = e
                    .tags
                    .iter()
                    .map(|(k, v)| (k.as_str().into(), v.as_str().into()))
                    .collect();
                Ok((glob::Pattern::new(&e.resource)?, tags))
            })
            .collect::<Result<_, glob::PatternError>>()?;
        Ok(Self { entries })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Add the catalog's tags to the request's resources.
    pub fn apply(&self, request: &mut AccessRequest) {
        if self.entries.is_empty() {
            return;
        }
        for resource in &mut request.resources {
            let name = resource.name.as_deref();
            let mut added: Vec<(CompactString, CompactString)> = Vec::new();
            for (pattern, tags) in &self.entries {
                let hit = pattern.matches(resource.id.as_str())
                    || name.is_some_and(|n| pattern.matches(n));
                if !hit {
                    continue;
                }
                for (k, v) in tags {
                    let taken = resource.tags.get(k).is_some() || added.iter().any(|(a, _)| a == k);
                    if !taken {
                        added.push((k.clone(), v.clone()));
                    }
                }
            }
            if !added.is_empty() {
                let own = resource.tags.iter().map(|(k, v)| (k.clone(), v.clone()));
                resource.tags = added.into_iter().chain(own).collect::<Tags>();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Integration, Party, RequestStatus, Resource};

    /// A resource as (id, name, tags).
    type Spec<'a> = (&'a str, Option<&'a str>, &'a [(&'a str, &'a str)]);

    fn request(resources: &[Spec<'_>]) -> AccessRequest {
        AccessRequest {
            id: "r".try_into().unwrap(),
            status: RequestStatus::Pending,
            created_at: chrono::DateTime::UNIX_EPOCH,
            requester: Party {
                id: "u".try_into().unwrap(),
                name: None,
                email: None,
            },
            integration: Integration {
                id: "i".try_into().unwrap(),
                name: None,
                kind: None,
            },
            resource_type: "db".into(),
            resources: resources
                .iter()
                .map(|(id, name, tags)| Resource {
                    id: (*id).try_into().unwrap(),
                    name: name.map(Into::into),
                    tags: tags
                        .iter()
                        .map(|(k, v)| ((*k).into(), (*v).into()))
                        .collect(),
                })
                .collect(),
            permissions: vec!["read".into()],
            access_flow: None,
            justification: None,
            duration_seconds: None,
            client: None,
            decision: None,
        }
    }

    fn entry(resource: &str, tags: &[(&str, &str)]) -> CatalogEntry {
        CatalogEntry {
            resource: resource.into(),
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        }
    }

    fn tags_of(r: &AccessRequest, i: usize) -> Vec<(String, String)> {
        r.resources[i]
            .tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_pattern_tags_resources_matching_their_id_or_name_and_no_others() {
        // Arrange
        let catalog = Catalog::compile(&[
            entry("/main/db/*", &[("env", "prod")]),
            entry("payments-*", &[("data", "customer")]),
        ])
        .unwrap();
        let mut r = request(&[
            ("/main/db/orders", None, &[]),
            ("acct-1", Some("payments-eu"), &[]),
            ("/main/node/bastion", Some("bastion"), &[]),
        ]);
        // Act
        catalog.apply(&mut r);
        // Assert
        assert_eq!(tags_of(&r, 0), [("env".into(), "prod".into())]);
        assert_eq!(tags_of(&r, 1), [("data".into(), "customer".into())]);
        assert!(r.resources[2].tags.is_empty());
    }

    #[test]
    fn the_events_own_tags_win_and_the_first_entry_to_set_a_key_wins() {
        let catalog = Catalog::compile(&[
            entry("/main/*", &[("env", "prod"), ("owner", "dba")]),
            entry("/main/db/*", &[("owner", "payments"), ("tier", "1")]),
        ])
        .unwrap();
        let mut r = request(&[("/main/db/orders", None, &[("env", "staging")])]);
        catalog.apply(&mut r);
        assert_eq!(
            tags_of(&r, 0),
            [
                ("env".into(), "staging".into()),
                ("owner".into(), "dba".into()),
                ("tier".into(), "1".into())
            ]
        );
    }

    #[test]
    fn a_bad_entry_is_refused_naming_it() {
        assert!(check(&[entry("[", &[("env", "prod")])])
            .unwrap_err()
            .starts_with("catalog[0].resource"));
        assert!(check(&[entry("x", &[])])
            .unwrap_err()
            .starts_with("catalog[0].tags"));
        assert!(check(&[entry("x", &[("env", "")])])
            .unwrap_err()
            .starts_with("catalog[0].tags.env"));
        let many: Vec<CatalogEntry> = (0..=MAX_ENTRIES)
            .map(|i| entry(&format!("r{i}"), &[("a", "b")]))
            .collect();
        assert!(check(&many).unwrap_err().contains("at most 500"));
        assert_eq!(check(&[entry("/main/*", &[("env", "prod")])]), Ok(()));
    }
}
