//! Time sanity through replay: an event dated in the future is rejected like a malformed
//! line, naming the field, and changes nothing else.

mod common;

use anomalies_core::config::Config;
use anomalies_core::engine::Detector;
use anomalies_core::replay::{replay_reader, replay_with, Replayer};
use chrono::{TimeZone, Utc};
use common::event;

fn demo() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/demo-stream.jsonl"
    );
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn an_event_dated_2999_at_the_head_of_the_demo_stream_is_rejected_and_hides_no_anomaly() {
    // Arrange
    let detector = Detector::new(Config::default()).unwrap();
    let future = event(
        "evt-2999",
        "req-2999",
        "pending",
        "mallory",
        "2999-01-01T00:00:00Z",
        "2999-01-01T00:00:00Z",
    );
    let poisoned = format!("{future}\n{}", demo());

    // Act
    let (expected, clean) = replay_reader(&detector, demo().as_bytes(), |_| {}).unwrap();
    let mut errors = Vec::new();
    let (anomalies, summary) = replay_reader(&detector, poisoned.as_bytes(), |e| {
        errors.push(e.to_string())
    })
    .unwrap();

    // Assert
    assert_eq!(expected.len(), 6, "the demo stream's anomalies");
    let ids = |list: &[anomalies_core::anomaly::Anomaly]| -> Vec<String> {
        list.iter().map(|a| a.id.to_string()).collect()
    };
    assert_eq!(ids(&anomalies), ids(&expected), "nothing hidden");
    assert_eq!(summary.rejected, clean.rejected + 1);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]
            .contains("occurred_at: 2999-01-01T00:00:00Z is more than 24 h after the current time"),
        "{}",
        errors[0]
    );
}

#[test]
fn the_allowed_skew_is_configurable() {
    // Arrange: an event 36 hours ahead of a fixed current time.
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let ahead = event(
        "e1",
        "r1",
        "pending",
        "dan",
        "2026-06-02T12:00:00Z",
        "2026-06-02T12:00:00Z",
    )
    .to_string();
    let mut wide = Config::default();
    wide.events.max_clock_skew_hours = 48;
    let strict = Detector::new(Config::default()).unwrap();
    let lenient = Detector::new(wide).unwrap();

    // Act
    let (_, refused) =
        replay_with(Replayer::new(&strict).at(now), ahead.as_bytes(), |_| {}).unwrap();
    let (_, taken) =
        replay_with(Replayer::new(&lenient).at(now), ahead.as_bytes(), |_| {}).unwrap();

    // Assert
    assert_eq!((refused.rejected, refused.events), (1, 0));
    assert_eq!((taken.rejected, taken.events), (0, 1));
}

#[test]
fn a_zero_skew_is_refused_by_the_configuration() {
    let err = Config::from_toml("[events]\nmax_clock_skew_hours = 0\n").unwrap_err();
    assert_eq!(err, "events.max_clock_skew_hours must be at least 1");
}
