//! Properties of replay on generated streams: it is deterministic, duplicates never change
//! the result, and incremental sweeps give exactly what full sweeps give.

use anomalies_core::anomaly::Anomaly;
use anomalies_core::config::Config;
use anomalies_core::contract::parse_event;
use anomalies_core::engine::Detector;
use anomalies_core::generator::{generate_to_string, GeneratorOptions};
use anomalies_core::replay::{replay_reader, Replayer};
use proptest::prelude::*;

fn stream(seed: u64, events: u64) -> String {
    let options = GeneratorOptions {
        seed,
        events,
        tenants: 2,
        people: 12,
        bots: 3,
        days: 120,
        ..GeneratorOptions::default()
    };
    generate_to_string(&options)
}

fn replay(text: &str) -> Vec<Anomaly> {
    let detector = Detector::new(Config::default()).unwrap();
    replay_reader(&detector, text.as_bytes(), |_| {}).unwrap().0
}

fn replay_full_sweeps(text: &str) -> Vec<Anomaly> {
    let detector = Detector::new(Config::default()).unwrap();
    let mut replayer = Replayer::with_full_sweeps(&detector);
    for (i, line) in text.lines().enumerate() {
        let _ = replayer.push_line(i as u64 + 1, line.as_bytes());
    }
    let (store, _) = replayer.finish();
    store
        .anomalies_by_detection()
        .into_iter()
        .cloned()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn replaying_the_same_stream_twice_yields_identical_anomalies(seed in any::<u64>()) {
        let text = stream(seed, 3_000);
        let first = replay(&text);
        prop_assert!(!first.is_empty());
        prop_assert_eq!(first, replay(&text));
    }

    #[test]
    fn duplicating_every_event_in_place_changes_nothing(seed in any::<u64>()) {
        let text = stream(seed, 3_000);
        let doubled: String = text.lines().flat_map(|l| [l, "\n", l, "\n"]).collect();
        prop_assert_eq!(replay(&text), replay(&doubled));
    }

    #[test]
    fn re_sending_the_whole_stream_afterwards_changes_nothing(seed in any::<u64>()) {
        let text = stream(seed, 2_000);
        let twice = format!("{text}{text}");
        prop_assert_eq!(replay(&text), replay(&twice));
    }

    #[test]
    fn incremental_sweeps_find_exactly_what_full_sweeps_find(seed in any::<u64>()) {
        let text = stream(seed, 3_000);
        prop_assert_eq!(replay(&text), replay_full_sweeps(&text));
    }
}

#[test]
fn the_generator_is_deterministic_and_mixes_in_bad_lines_and_duplicates() {
    // Arrange
    let a = stream(7, 5_000);
    // Act
    let b = stream(7, 5_000);
    // Assert
    assert_eq!(a, b);
    assert_eq!(a.lines().count(), 5_000);
    let bad = a
        .lines()
        .filter(|l| parse_event(l.as_bytes()).is_err())
        .count();
    assert!(bad > 0, "expected some bad lines");
    let mut ids: Vec<String> = a
        .lines()
        .filter_map(|l| parse_event(l.as_bytes()).ok())
        .map(|e| e.event_id.to_string())
        .collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert!(ids.len() < total, "expected some re-sent events");
}

#[test]
fn a_generated_stream_exercises_every_anomaly_type() {
    let anomalies = replay(&stream(42, 20_000));
    for kind in anomalies_core::anomaly::AnomalyType::ALL {
        assert!(
            anomalies.iter().any(|a| a.kind == kind),
            "no {kind} in the generated stream"
        );
    }
}
