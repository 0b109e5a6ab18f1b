//! Triage: what a responder may do to an anomaly (set its status, ask for the access to be
//! revoked), checked and recorded in the anomaly's history. Stores apply these to the
//! record they hold; the API publishes the outcome.

use crate::anomaly::{Anomaly, HistoryAction, HistoryEntry, TriageStatus};
use crate::domain::{Party, RequestId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest note or revocation reason accepted, in characters.
pub const MAX_NOTE_CHARS: usize = 2_000;
/// Longest history kept per anomaly; older entries are dropped first (the record must stay
/// well under DynamoDB's 400 KB item limit).
pub const MAX_HISTORY: usize = 200;
/// Most bytes the history takes as JSON (200 entries of 2,000-character notes would take up
/// to 1.6 MB): with the rest of the record it stays well under DynamoDB's 400 KB item limit
/// and, announced, under EventBridge's 256 KB entry limit. Older entries go first; the
/// newest is always kept (one entry is at most ~8 KB: a note of 2,000 four-byte characters).
pub const MAX_HISTORY_BYTES: usize = 64 * 1024;

/// A status change asked for by a responder.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageChange {
    pub status: TriageStatus,
    pub note: Option<String>,
    pub suppress_until: Option<DateTime<Utc>>,
}

/// Why a triage request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriageError {
    #[error("suppress_until is only allowed with status \"dismissed\"")]
    SuppressWithoutDismiss,
    #[error("{field} is longer than {MAX_NOTE_CHARS} characters")]
    TooLong { field: &'static str },
    /// The caller changed what they read, but someone changed the anomaly since.
    #[error("the anomaly was changed at {updated_at}, after the version you read; reload it and try again")]
    Changed { updated_at: DateTime<Utc> },
}

/// Refuse a change made to an older version: `read` is the `updated_at` the caller saw
/// (none: no check).
pub fn unchanged_since(anomaly: &Anomaly, read: Option<DateTime<Utc>>) -> Result<(), TriageError> {
    match read {
        Some(read) if anomaly.updated_at != read => Err(TriageError::Changed {
            updated_at: anomaly.updated_at,
        }),
        _ => Ok(()),
    }
}

fn check_text(field: &'static str, text: Option<&str>) -> Result<(), TriageError> {
    match text {
        Some(t) if t.chars().count() > MAX_NOTE_CHARS => Err(TriageError::TooLong { field }),
        _ => Ok(()),
    }
}

impl TriageChange {
    /// Check the change on its own (before any record is read). A `suppress_until` that
    /// is not in the future is accepted and suppresses nothing (its time is already over).
    pub fn validate(&self) -> Result<(), TriageError> {
        check_text("note", self.note.as_deref())?;
        match self.suppress_until {
            Some(_) if self.status != TriageStatus::Dismissed => {
                Err(TriageError::SuppressWithoutDismiss)
            }
            _ => Ok(()),
        }
    }

    /// Apply the change to `anomaly` as `actor` at `now`, appending to its history.
    pub fn apply(
        &self,
        anomaly: &mut Anomaly,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), TriageError> {
        self.validate()?;
        let from = anomaly.status;
        anomaly.status = self.status;
        anomaly.suppressed_until = self.suppress_until;
        anomaly.updated_at = now;
        push_history(
            anomaly,
            HistoryEntry {
                at: now,
                actor: actor.to_owned(),
                action: HistoryAction::StatusChanged,
                from: Some(from),
                to: Some(self.status),
                note: self.note.clone(),
                suppress_until: self.suppress_until,
            },
        );
        Ok(())
    }
}

fn push_history(anomaly: &mut Anomaly, entry: HistoryEntry) {
    anomaly.history.push(entry);
    let excess = anomaly.history.len().saturating_sub(MAX_HISTORY);
    anomaly.history.drain(..excess);
    let sizes: Vec<usize> = anomaly.history.iter().map(json_bytes).collect();
    let mut total: usize = sizes.iter().sum();
    let mut oldest = 0;
    while total > MAX_HISTORY_BYTES && oldest + 1 < sizes.len() {
        total -= sizes[oldest];
        oldest += 1;
    }
    anomaly.history.drain(..oldest);
}

/// An entry's size as stored and announced (JSON).
fn json_bytes(entry: &HistoryEntry) -> usize {
    serde_json::to_vec(entry).map_or(0, |json| json.len())
}

/// The `Revoke Access Requested` event: what the access platform needs to end the access.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevokeRequest {
    pub tenant_id: TenantId,
    pub anomaly_id: crate::domain::AnomalyId,
    pub request_id: RequestId,
    pub requester: Party,
    pub integration_id: crate::domain::IntegrationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub actor: String,
    pub requested_at: DateTime<Utc>,
}

/// Record a revocation request in the anomaly's history and build the event announcing it.
pub fn request_revoke(
    anomaly: &mut Anomaly,
    actor: &str,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<RevokeRequest, TriageError> {
    check_text("reason", reason.as_deref())?;
    anomaly.updated_at = now;
    push_history(
        anomaly,
        HistoryEntry {
            at: now,
            actor: actor.to_owned(),
            action: HistoryAction::RevokeRequested,
            from: None,
            to: None,
            note: reason.clone(),
            suppress_until: None,
        },
    );
    Ok(RevokeRequest {
        tenant_id: anomaly.tenant_id.clone(),
        anomaly_id: anomaly.id.clone(),
        request_id: anomaly.request_id.clone(),
        requester: anomaly.requester.clone(),
        integration_id: anomaly.integration.id.clone(),
        reason,
        actor: actor.to_owned(),
        requested_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::at;

    fn anomaly() -> Anomaly {
        crate::sample::sample_anomaly("u1", 0)
    }

    #[test]
    fn a_status_change_is_recorded_with_actor_time_and_note() {
        // Arrange
        let mut a = anomaly();
        let change = TriageChange {
            status: TriageStatus::Acknowledged,
            note: Some("looking".into()),
            suppress_until: None,
        };
        // Act
        change.apply(&mut a, "alice@example.com", at(60)).unwrap();
        // Assert
        assert_eq!(a.status, TriageStatus::Acknowledged);
        assert_eq!(a.updated_at, at(60));
        let entry = &a.history[0];
        assert_eq!(
            (
                entry.from,
                entry.to,
                entry.actor.as_str(),
                entry.note.as_deref()
            ),
            (
                Some(TriageStatus::Open),
                Some(TriageStatus::Acknowledged),
                "alice@example.com",
                Some("looking")
            )
        );
    }

    #[test]
    fn suppression_needs_dismissed_and_a_past_time_suppresses_nothing() {
        let mut a = anomaly();
        let mut change = TriageChange {
            status: TriageStatus::Resolved,
            note: None,
            suppress_until: Some(at(120)),
        };
        assert_eq!(
            change.apply(&mut a, "x", at(60)),
            Err(TriageError::SuppressWithoutDismiss)
        );
        assert!(a.history.is_empty(), "a refused change leaves no trace");
        change.status = TriageStatus::Dismissed;
        change.suppress_until = Some(at(120));
        change.apply(&mut a, "x", at(60)).unwrap();
        assert_eq!(a.suppressed_until, Some(at(120)));
        change.suppress_until = Some(at(30));
        change.apply(&mut a, "x", at(60)).unwrap();
        // Kept as given; the detector suppresses only while it is ahead of the clock.
        assert_eq!(a.suppressed_until, Some(at(30)));
    }

    #[test]
    fn a_revocation_request_names_the_request_and_is_kept_in_history() {
        let mut a = anomaly();
        let event = request_revoke(&mut a, "bob", Some("not needed".into()), at(5)).unwrap();
        assert_eq!(event.request_id, a.request_id);
        assert_eq!(event.actor, "bob");
        assert_eq!(a.history[0].action, HistoryAction::RevokeRequested);
    }

    #[test]
    fn history_keeps_only_the_newest_entries() {
        let mut a = anomaly();
        let change = TriageChange {
            status: TriageStatus::Acknowledged,
            note: None,
            suppress_until: None,
        };
        for i in 0..(MAX_HISTORY as i64 + 5) {
            change.apply(&mut a, "x", at(i)).unwrap();
        }
        assert_eq!(a.history.len(), MAX_HISTORY);
        assert_eq!(a.history.last().unwrap().at, at(MAX_HISTORY as i64 + 4));
    }

    #[test]
    fn history_of_the_longest_notes_keeps_the_newest_within_its_bytes() {
        // Arrange: 200 changes, each with a note of 2,000 four-byte characters (8 KB).
        let mut a = anomaly();
        let mut change = TriageChange {
            status: TriageStatus::Acknowledged,
            note: None,
            suppress_until: None,
        };
        // Act
        for i in 0..MAX_HISTORY as i64 {
            change.note = Some(format!("{i:04}{}", "\u{1d11e}".repeat(MAX_NOTE_CHARS - 4)));
            change
                .apply(&mut a, "responder@acme.example", at(i))
                .unwrap();
        }
        // Assert: within the bytes, the newest kept, the record far under 400 KB.
        let bytes: usize = a.history.iter().map(json_bytes).sum();
        assert!(bytes <= MAX_HISTORY_BYTES, "{bytes}");
        assert!(
            a.history.len() >= 7 && a.history.len() < 10,
            "{}",
            a.history.len()
        );
        assert_eq!(a.history.last().unwrap().at, at(MAX_HISTORY as i64 - 1));
        let record = serde_json::to_vec(&a).unwrap().len();
        assert!(record < 100 * 1024, "{record}");
    }

    #[test]
    fn overlong_notes_are_refused() {
        let mut a = anomaly();
        let change = TriageChange {
            status: TriageStatus::Resolved,
            note: Some("x".repeat(MAX_NOTE_CHARS + 1)),
            suppress_until: None,
        };
        assert_eq!(
            change.apply(&mut a, "x", at(0)),
            Err(TriageError::TooLong { field: "note" })
        );
    }
}
