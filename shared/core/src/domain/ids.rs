//! Identifier newtypes: a non-empty string checked once at the boundary, so the rest of
//! the code can never mix up a requester id with a resource id. Ids are `CompactString`s:
//! up to 24 bytes live inline, so typical ids cost no heap allocation.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a string could not become an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a non-empty string")]
pub struct EmptyId;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "CompactString", into = "CompactString")]
        pub struct $name(CompactString);

        impl $name {
            /// Borrow the identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<CompactString> for $name {
            type Error = EmptyId;
            fn try_from(value: CompactString) -> Result<Self, Self::Error> {
                // `any` stops at the first non-blank character: O(1) for real ids.
                if !value.chars().any(|c| !c.is_whitespace()) {
                    Err(EmptyId)
                } else {
                    Ok(Self(value))
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = EmptyId;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::try_from(CompactString::from(value))
            }
        }

        impl TryFrom<&str> for $name {
            type Error = EmptyId;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::try_from(CompactString::from(value))
            }
        }

        impl From<$name> for CompactString {
            fn from(value: $name) -> CompactString {
                value.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// The idempotency key of one event (`event_id`).
    EventId
);
string_id!(
    /// The tenant an event and everything derived from it belongs to.
    TenantId
);
string_id!(
    /// An access request's id in the access platform (`request.id`).
    RequestId
);
string_id!(
    /// A person or machine identity (`requester.id`, `decision.by.id`).
    UserId
);
string_id!(
    /// The access platform integration a request is for (`integration.id`).
    IntegrationId
);
string_id!(
    /// One resource's id (`request.resources[].id`).
    ResourceId
);
string_id!(
    /// An anomaly's deterministic id.
    AnomalyId
);

impl TenantId {
    /// The tenant of events that do not name one.
    pub fn default_tenant() -> Self {
        Self(CompactString::const_new("default"))
    }
}

impl Default for TenantId {
    fn default() -> Self {
        Self::default_tenant()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_blank_id_is_rejected() {
        assert_eq!(RequestId::try_from(""), Err(EmptyId));
        assert_eq!(RequestId::try_from("  "), Err(EmptyId));
    }

    #[test]
    fn an_id_serializes_as_a_plain_string() {
        let id = UserId::try_from("alice").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"alice\"");
        let back: UserId = serde_json::from_str("\"alice\"").unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<UserId>("\"\"").is_err());
    }
}
