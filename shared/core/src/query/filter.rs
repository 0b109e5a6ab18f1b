//! What a caller wants to see: a time window and any combination of filters. Parsed once at
//! the API boundary; every store answers with the same [`AnomalyFilter::matches`].

use crate::anomaly::{Anomaly, AnomalyType, Severity, TriageStatus};
use crate::domain::{IntegrationId, UserId};
use chrono::{DateTime, Utc};
use compact_str::CompactString;
use sha2::{Digest, Sha256};

/// A field that can be filtered on and faceted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    User,
    Integration,
    ResourceType,
    Type,
    Severity,
    Status,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Self::User,
        Self::Integration,
        Self::ResourceType,
        Self::Type,
        Self::Severity,
        Self::Status,
    ];

    /// The query parameter's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Integration => "integration",
            Self::ResourceType => "resource_type",
            Self::Type => "type",
            Self::Severity => "severity",
            Self::Status => "status",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

/// Anomalies detected in `[from, to]` (both inclusive) matching every non-empty filter. An
/// empty list means "any"; several values of one filter mean "any of these".
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyFilter {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub types: Vec<AnomalyType>,
    pub severities: Vec<Severity>,
    pub statuses: Vec<TriageStatus>,
    pub users: Vec<UserId>,
    pub integrations: Vec<IntegrationId>,
    pub resource_types: Vec<CompactString>,
    /// Lowercase; matched as a substring of the summary, requester name or email, and
    /// resource names.
    pub q: Option<String>,
}

impl AnomalyFilter {
    /// Everything in the window.
    pub fn window(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self {
            from,
            to,
            types: Vec::new(),
            severities: Vec::new(),
            statuses: Vec::new(),
            users: Vec::new(),
            integrations: Vec::new(),
            resource_types: Vec::new(),
            q: None,
        }
    }

    pub fn matches(&self, a: &Anomaly) -> bool {
        fn any<T: PartialEq>(wanted: &[T], value: &T) -> bool {
            wanted.is_empty() || wanted.contains(value)
        }
        a.detected_at >= self.from
            && a.detected_at <= self.to
            && any(&self.types, &a.kind)
            && any(&self.severities, &a.severity)
            && any(&self.statuses, &a.status)
            && any(&self.users, &a.requester.id)
            && any(&self.integrations, &a.integration.id)
            && any(&self.resource_types, &a.resource_type)
            && self.q.as_deref().is_none_or(|q| text_matches(a, q))
    }

    /// The same filter without the one on `field` (facet counts show the other values).
    pub fn without(&self, field: Field) -> Self {
        let mut f = self.clone();
        match field {
            Field::User => f.users.clear(),
            Field::Integration => f.integrations.clear(),
            Field::ResourceType => f.resource_types.clear(),
            Field::Type => f.types.clear(),
            Field::Severity => f.severities.clear(),
            Field::Status => f.statuses.clear(),
        }
        f
    }

    /// A digest of the whole filter (order of values ignored), so a page cursor can only be
    /// used with the query that issued it.
    pub fn fingerprint(&self) -> [u8; 32] {
        fn sorted<T: AsRef<str>>(values: impl Iterator<Item = T>) -> String {
            let mut v: Vec<String> = values.map(|s| s.as_ref().to_owned()).collect();
            v.sort_unstable();
            v.dedup();
            v.join("\u{1f}")
        }
        let parts = [
            self.from.timestamp_micros().to_string(),
            self.to.timestamp_micros().to_string(),
            sorted(self.types.iter().map(|t| t.as_str())),
            sorted(self.severities.iter().map(|s| s.as_str())),
            sorted(self.statuses.iter().map(|s| s.as_str())),
            sorted(self.users.iter().map(UserId::as_str)),
            sorted(self.integrations.iter().map(IntegrationId::as_str)),
            sorted(self.resource_types.iter()),
            self.q.clone().unwrap_or_default(),
        ];
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part.as_bytes());
            hasher.update([0u8]);
        }
        hasher.finalize().into()
    }
}

fn contains(haystack: Option<&str>, needle: &str) -> bool {
    haystack.is_some_and(|h| h.to_lowercase().contains(needle))
}

fn text_matches(a: &Anomaly, q: &str) -> bool {
    contains(Some(&a.summary), q)
        || contains(a.requester.name.as_deref(), q)
        || contains(a.requester.email.as_deref(), q)
        || a.resources.iter().any(|r| contains(r.name.as_deref(), q))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::at;
    use crate::sample::sample_anomaly;

    #[test]
    fn every_filter_narrows_and_an_empty_filter_allows_anything() {
        // Arrange
        let a = sample_anomaly("u1", 10);
        let all = AnomalyFilter::window(at(0), at(100));
        // Act / Assert
        assert!(all.matches(&a));
        let mut f = all.clone();
        f.users = vec![UserId::try_from("u2").unwrap()];
        assert!(!f.matches(&a));
        f.users.push(a.requester.id.clone());
        assert!(f.matches(&a), "several values mean any of them");
        let mut f = all.clone();
        f.types = vec![AnomalyType::InactiveUser];
        assert_eq!(f.matches(&a), a.kind == AnomalyType::InactiveUser);
        let mut f = all.clone();
        f.statuses = vec![TriageStatus::Resolved];
        assert!(!f.matches(&a));
    }

    #[test]
    fn the_window_is_inclusive_at_both_ends() {
        let a = sample_anomaly("u1", 10);
        assert!(AnomalyFilter::window(a.detected_at, a.detected_at).matches(&a));
        let later = a.detected_at + chrono::Duration::microseconds(1);
        assert!(!AnomalyFilter::window(later, at(1_000)).matches(&a));
    }

    #[test]
    fn text_search_is_case_insensitive_over_summary_people_and_resource_names() {
        let a = sample_anomaly("u1", 10);
        let mut f = AnomalyFilter::window(at(0), at(100));
        let name = a.requester.name.clone().unwrap().to_uppercase();
        f.q = Some(name[1..4].to_lowercase());
        assert!(f.matches(&a));
        let resource = a.resources[0].name.clone().unwrap();
        f.q = Some(resource.to_lowercase().to_string());
        assert!(f.matches(&a));
        f.q = Some("no such text anywhere".into());
        assert!(!f.matches(&a));
    }

    #[test]
    fn fingerprints_ignore_value_order_but_not_values() {
        let mut a = AnomalyFilter::window(at(0), at(100));
        a.severities = vec![Severity::High, Severity::Low];
        let mut b = a.clone();
        b.severities.reverse();
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.severities.pop();
        assert_ne!(a.fingerprint(), b.fingerprint());
        let mut c = a.clone();
        c.to = at(101);
        assert_ne!(a.fingerprint(), c.fingerprint());
    }
}
