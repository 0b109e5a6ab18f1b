//! Time sanity: an event is dated by its platform, and a platform's clock can be wrong (or an
//! event forged). Detection's clock follows the events, so one event dated in 2999 would
//! move it centuries ahead and every later event would look old: windows empty, gaps
//! vanish, anomalies disappear. So an event is refused, naming the field, when
//!
//! - its `occurred_at`, or its request's `created_at`, is more than the allowed skew
//!   (`events.max_clock_skew_hours`, default 24 h) after the current time, or
//! - its request's `created_at` is more than the skew after its `occurred_at` (a request
//!   cannot be created after the event that reports it).
//!
//! Events in the past are never refused for their age: replays of history are the point.

use crate::contract::ContractError;
use crate::domain::Observation;
use chrono::{DateTime, Duration, SecondsFormat, Utc};

fn text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Refuse an observation whose times cannot be right, `now` being the current time.
pub fn check_times(
    observation: &Observation,
    now: DateTime<Utc>,
    skew: Duration,
) -> Result<(), ContractError> {
    let latest = now + skew;
    let (occurred_at, created_at) = match observation {
        Observation::Event(event) => (event.occurred_at, Some(event.request.created_at)),
        Observation::Change(change) => (change.occurred_at, None),
    };
    let ahead = |path: &str, at: DateTime<Utc>| {
        ContractError::field(
            path,
            format!(
                "{} is more than {} h after the current time ({})",
                text(at),
                skew.num_hours(),
                text(now)
            ),
        )
    };
    if occurred_at > latest {
        return Err(ahead("occurred_at", occurred_at));
    }
    if let Some(created_at) = created_at {
        if created_at > latest {
            return Err(ahead("request.created_at", created_at));
        }
        if created_at > occurred_at + skew {
            return Err(ContractError::field(
                "request.created_at",
                format!(
                    "{} is more than {} h after the event's occurred_at ({})",
                    text(created_at),
                    skew.num_hours(),
                    text(occurred_at)
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::parse_observation;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap()
    }

    fn event(occurred_at: &str, created_at: &str) -> Observation {
        let json = serde_json::json!({
            "event_id": "e1", "tenant_id": "acme", "occurred_at": occurred_at,
            "request": {"id": "r1", "status": "pending", "created_at": created_at,
                "requester": {"id": "alice"}, "integration": {"id": "aws"},
                "resource_type": "role", "resources": [{"id": "db"}], "permissions": ["read"]}
        });
        parse_observation(json.to_string().as_bytes()).unwrap()
    }

    fn change(occurred_at: &str) -> Observation {
        let json = serde_json::json!({
            "event_id": "e2", "tenant_id": "acme", "occurred_at": occurred_at,
            "request": {"id": "r1", "status": "expired"}
        });
        parse_observation(json.to_string().as_bytes()).unwrap()
    }

    fn check(observation: &Observation) -> Result<(), String> {
        check_times(observation, now(), Duration::hours(24)).map_err(|e| e.to_string())
    }

    #[test]
    fn events_of_the_past_and_up_to_the_skew_ahead_are_accepted() {
        assert!(check(&event("2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z")).is_ok());
        assert!(check(&event("2026-12-04T12:00:00Z", "2026-12-04T11:00:00Z")).is_ok());
        assert!(check(&change("2026-12-04T12:00:00Z")).is_ok());
    }

    #[test]
    fn an_event_dated_past_the_skew_is_refused_naming_occurred_at() {
        let err = check(&event("2999-01-01T00:00:00Z", "2026-12-03T00:00:00Z")).unwrap_err();
        assert_eq!(
            err,
            "occurred_at: 2999-01-01T00:00:00Z is more than 24 h after the current time (2026-12-03T12:00:00Z)"
        );
        let err = check(&change("2026-12-04T12:00:01Z")).unwrap_err();
        assert!(err.starts_with("occurred_at: "), "{err}");
    }

    #[test]
    fn a_request_created_in_the_future_or_after_its_event_is_refused_naming_created_at() {
        let future = check(&event("2026-12-03T00:00:00Z", "2027-01-01T00:00:00Z")).unwrap_err();
        assert!(
            future.starts_with(
                "request.created_at: 2027-01-01T00:00:00Z is more than 24 h after the current time"
            ),
            "{future}"
        );
        let after = check(&event("2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z")).unwrap_err();
        assert_eq!(
            after,
            "request.created_at: 2026-01-03T00:00:00Z is more than 24 h after the event's occurred_at (2026-01-01T00:00:00Z)"
        );
    }
}
