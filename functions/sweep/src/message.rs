//! What arrives: a scheduled event, whose time is the sweep time T: the `time` of the EventBridge scheduled event (so a retried invocation
//! sweeps the same T), or of a hand-made `{"time": "..."}`; the clock when there is none.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Why the payload's time was not usable.
#[derive(Debug, thiserror::Error)]
#[error("the event's time {0:?} is not an RFC 3339 time")]
pub struct BadTime(pub String);

/// T for this invocation.
pub fn sweep_time(payload: &Value, now: DateTime<Utc>) -> Result<DateTime<Utc>, BadTime> {
    match payload.get("time").and_then(Value::as_str) {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| BadTime(text.to_owned())),
        None => Ok(now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheduled_events_time_is_the_sweep_time() {
        let event: Value =
            serde_json::from_str(include_str!("../../../events/lambda/sweep-schedule.json"))
                .unwrap();
        let now = Utc::now();
        let t = sweep_time(&event, now).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-02T09:15:00+00:00");
        assert_eq!(sweep_time(&serde_json::json!({}), now).unwrap(), now);
        assert!(sweep_time(&serde_json::json!({"time": "noon"}), now).is_err());
    }
}
