//! `high_risk_access`: elevated permissions (admin, owner, full access) requested on a
//! sensitive resource (customer, PHI, PII, prod). Evaluated on a request's first sighting.

use crate::anomaly::{ElevatedMatch, Evidence, MatchedField, SensitiveMatch};
use crate::config::HighRiskConfig;
use crate::domain::AccessRequest;
use crate::text::KeywordSet;

/// Matches listed per kind (sensitive, elevated): the first found. Each quotes a field of
/// the request, so the bound keeps the evidence small whatever the request lists.
pub const MAX_MATCHES_LISTED: usize = 10;

/// The compiled rule.
#[derive(Debug, Clone)]
pub struct HighRiskRule {
    sensitive: KeywordSet,
    elevated: KeywordSet,
}

impl HighRiskRule {
    pub fn new(config: &HighRiskConfig) -> Self {
        Self {
            sensitive: KeywordSet::new(&config.sensitive_keywords),
            elevated: KeywordSet::new(&config.elevated_keywords),
        }
    }

    /// Evidence when the request is both sensitive and elevated, else `None`.
    pub fn evaluate(&self, request: &AccessRequest) -> Option<Evidence> {
        let elevated = self.elevated_matches(request);
        if elevated.is_empty() {
            return None;
        }
        let sensitive = self.sensitive_matches(request);
        if sensitive.is_empty() {
            return None;
        }
        Some(Evidence::HighRiskAccess {
            sensitive,
            elevated,
        })
    }

    /// True when the request would alert (used for automation severity).
    pub fn is_high_risk(&self, request: &AccessRequest) -> bool {
        self.evaluate(request).is_some()
    }

    fn elevated_matches(&self, request: &AccessRequest) -> Vec<ElevatedMatch> {
        let mut found = Vec::new();
        for permission in &request.permissions {
            for keyword in self.elevated.matches_in(permission) {
                if found.len() == MAX_MATCHES_LISTED {
                    return found;
                }
                found.push(ElevatedMatch {
                    permission: permission.clone(),
                    keyword: keyword.to_owned(),
                });
            }
        }
        found
    }

    fn sensitive_matches(&self, request: &AccessRequest) -> Vec<SensitiveMatch> {
        let mut found = Vec::new();
        for resource in &request.resources {
            let name = resource.name.iter().map(|n| (MatchedField::Name, n));
            let tags = resource
                .tags
                .iter()
                .flat_map(|(k, v)| [(MatchedField::TagKey, k), (MatchedField::TagValue, v)]);
            for (field, value) in name.chain(tags) {
                for keyword in self.sensitive.matches_in(value) {
                    if found.len() == MAX_MATCHES_LISTED {
                        return found;
                    }
                    found.push(SensitiveMatch {
                        resource_id: resource.id.clone(),
                        field,
                        value: value.clone(),
                        keyword: keyword.to_owned(),
                    });
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RequestStatus::Pending;
    use crate::rules::fixtures::event;

    fn rule() -> HighRiskRule {
        HighRiskRule::new(&HighRiskConfig::default())
    }

    fn request(
        resource_name: Option<&str>,
        tags: &[(&str, &str)],
        permissions: &[&str],
    ) -> AccessRequest {
        event("e1", "r1", Pending)
            .resource("res-1", resource_name, tags)
            .permissions(permissions)
            .build()
            .request
    }

    #[test]
    fn elevated_access_to_a_sensitive_resource_alerts_with_both_matches_as_evidence() {
        // Arrange
        let request = request(Some("ProdPayments"), &[], &["AmazonS3FullAccess"]);
        // Act
        let evidence = rule().evaluate(&request);
        // Assert
        let Some(Evidence::HighRiskAccess {
            sensitive,
            elevated,
        }) = evidence
        else {
            panic!("expected an alert, got {evidence:?}");
        };
        assert_eq!(sensitive[0].keyword, "prod");
        assert_eq!(sensitive[0].field, MatchedField::Name);
        assert_eq!(elevated[0].keyword, "full access");
        assert_eq!(elevated[0].permission, "AmazonS3FullAccess");
    }

    #[test]
    fn elevated_access_to_an_ordinary_resource_does_not_alert() {
        assert_eq!(
            rule().evaluate(&request(Some("analytics"), &[], &["admin"])),
            None
        );
    }

    #[test]
    fn read_access_to_a_sensitive_resource_does_not_alert() {
        assert_eq!(
            rule().evaluate(&request(Some("prod-db"), &[], &["read"])),
            None
        );
    }

    #[test]
    fn a_sensitive_tag_value_makes_the_resource_sensitive() {
        let evidence =
            rule().evaluate(&request(Some("db-7"), &[("env", "prod")], &["FULL_ACCESS"]));
        let Some(Evidence::HighRiskAccess { sensitive, .. }) = evidence else {
            panic!()
        };
        assert_eq!(sensitive[0].field, MatchedField::TagValue);
    }

    #[test]
    fn a_sensitive_tag_key_makes_the_resource_sensitive() {
        let evidence = rule().evaluate(&request(
            Some("db-7"),
            &[("contains-PII", "yes")],
            &["Owner"],
        ));
        let Some(Evidence::HighRiskAccess { sensitive, .. }) = evidence else {
            panic!()
        };
        assert_eq!(sensitive[0].field, MatchedField::TagKey);
        assert_eq!(sensitive[0].keyword, "pii");
    }

    #[test]
    fn hyphenated_and_underscored_permissions_are_elevated() {
        for permission in ["Full-Access", "FULL_ACCESS", "db_owner", "SuperAdmin"] {
            assert!(
                rule()
                    .evaluate(&request(Some("customer-data"), &[], &[permission]))
                    .is_some(),
                "{permission}"
            );
        }
    }

    #[test]
    fn decoys_that_split_a_keyword_do_not_alert() {
        // "ad-min" and "fullaccess" (no case boundary) do not contain the normalized keywords;
        // "pro-d" does not contain "prod".
        assert_eq!(
            rule().evaluate(&request(Some("prod-db"), &[], &["ad-min", "fullaccess"])),
            None
        );
        assert_eq!(
            rule().evaluate(&request(Some("pro-d"), &[("p", "h-i")], &["admin"])),
            None
        );
    }

    #[test]
    fn the_resource_id_alone_does_not_make_a_resource_sensitive() {
        let request = event("e1", "r1", Pending)
            .resource("prod-db-1", Some("warehouse"), &[])
            .permissions(&["admin"])
            .build()
            .request;
        assert_eq!(rule().evaluate(&request), None);
    }

    #[test]
    fn substring_matching_flags_words_that_contain_a_keyword() {
        // Documented behaviour: matching is by substring, so "production" is sensitive.
        assert!(rule()
            .evaluate(&request(Some("production"), &[], &["admin"]))
            .is_some());
    }

    #[test]
    fn configured_keywords_replace_the_defaults() {
        let config = HighRiskConfig {
            sensitive_keywords: vec!["finance".into()],
            elevated_keywords: vec!["write".into()],
            ..HighRiskConfig::default()
        };
        let rule = HighRiskRule::new(&config);
        assert!(rule
            .evaluate(&request(Some("FinanceLedger"), &[], &["ReadWrite"]))
            .is_some());
        assert_eq!(rule.evaluate(&request(Some("prod"), &[], &["admin"])), None);
    }
}
