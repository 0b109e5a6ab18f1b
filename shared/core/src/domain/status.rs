//! The closed vocabularies of the event contract: request status, decision mode.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where an access request is in its life cycle (`request.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
    Granted,
    Revoked,
    Expired,
    Failed,
    Cancelled,
}

impl RequestStatus {
    /// Every status, in life-cycle order.
    pub const ALL: [RequestStatus; 8] = [
        Self::Pending,
        Self::Approved,
        Self::Rejected,
        Self::Granted,
        Self::Revoked,
        Self::Expired,
        Self::Failed,
        Self::Cancelled,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Granted => "granted",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// True for the statuses that end granted access (`expired`, `revoked`).
    pub fn ends_access(self) -> bool {
        matches!(self, Self::Expired | Self::Revoked)
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that is not in the contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?} (expected one of pending, approved, rejected, granted, revoked, expired, failed, cancelled)")]
pub struct UnknownStatus(pub String);

impl FromStr for RequestStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// How a decision was taken (`decision.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionMode {
    Manual,
    Automatic,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_wire_name() {
        for status in RequestStatus::ALL {
            assert_eq!(status.as_str().parse::<RequestStatus>(), Ok(status));
        }
    }

    #[test]
    fn an_unknown_status_names_the_value_and_the_allowed_ones() {
        let err = "approvedd".parse::<RequestStatus>().unwrap_err();
        assert!(err.to_string().contains("\"approvedd\""));
        assert!(err.to_string().contains("cancelled"));
    }
}
