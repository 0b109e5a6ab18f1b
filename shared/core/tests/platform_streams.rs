//! Generated streams in each platform's own format, replayed through its connector, against
//! their equivalent v1.1 streams (built by the generator from each platform's documented
//! mapping): the same anomalies — types, requests, automation request sets, every field — and
//! the same lines reported, with re-sent duplicates, events arriving minutes late, state
//! changes for requests never created, and the platforms' unrelated events in the stream.

use anomalies_core::anomaly::{Anomaly, AnomalyType};
use anomalies_core::config::Config;
use anomalies_core::engine::Detector;
use anomalies_core::generator::platforms::render;
use anomalies_core::generator::{generate_to_string, GeneratorOptions};
use anomalies_core::replay::{replay_source, LineError, ReplaySummary, Replayer, Source};
use std::collections::BTreeSet;

fn replay(source: Source, input: &str) -> (Vec<Anomaly>, ReplaySummary, Vec<String>) {
    let detector = Detector::new(Config::default()).unwrap();
    let mut errors = Vec::new();
    let (anomalies, summary) = replay_source(
        Replayer::new(&detector),
        source,
        input.as_bytes(),
        |e: &LineError| errors.push(e.to_string()),
    )
    .unwrap();
    (anomalies, summary, errors)
}

fn line_numbers(errors: &[String]) -> Vec<u64> {
    errors
        .iter()
        .map(|e| e.split(':').next().unwrap()[5..].parse().unwrap())
        .collect()
}

fn check(source: Source) {
    // Arrange: a generated stream with duplicates, late events and bad lines.
    let options = GeneratorOptions {
        seed: 7,
        events: 20_000,
        ..GeneratorOptions::default()
    };
    let rendered = render(source, &generate_to_string(&options), 11);
    // Act
    let (found, summary, errors) = replay(source, &rendered.platform);
    let (expected, expected_summary, expected_errors) = replay(Source::V1, &rendered.equivalent);
    // Assert
    let json = |a: &[Anomaly]| serde_json::to_value(a).unwrap();
    assert_eq!(found.len(), expected.len(), "{source}");
    assert_eq!(json(&found), json(&expected), "{source}: anomalies differ");
    assert_eq!(
        line_numbers(&errors),
        line_numbers(&expected_errors),
        "{source}: {errors:?}"
    );
    assert_eq!(summary.duplicates, expected_summary.duplicates, "{source}");
    assert!(
        summary.duplicates > 0,
        "{source}: the stream re-sends events"
    );
    assert!(
        summary.ignored > 0,
        "{source}: unrelated events are in the stream"
    );
    assert_eq!(expected_summary.ignored, 0);
    let kinds: BTreeSet<AnomalyType> = found.iter().map(|a| a.kind).collect();
    assert!(kinds.len() >= 3, "{source}: {kinds:?}");
    let orphans = errors.iter().filter(|e| e.contains("is not known")).count();
    if matches!(source, Source::Teleport | Source::CommonFate) {
        assert!(
            orphans > 0,
            "{source}: changes for requests never created are reported"
        );
    }
    assert!(
        errors
            .iter()
            .all(|e| e.contains("is not known") || !e.contains("orphan")),
        "{errors:?}"
    );
}

#[test]
fn a_teleport_stream_finds_what_its_equivalent_v1_stream_finds() {
    check(Source::Teleport);
}

#[test]
fn an_aws_team_stream_finds_what_its_equivalent_v1_stream_finds() {
    check(Source::AwsTeam);
}

#[test]
fn a_common_fate_stream_finds_what_its_equivalent_v1_stream_finds() {
    check(Source::CommonFate);
}

#[test]
fn an_apono_stream_finds_what_its_equivalent_v1_stream_finds() {
    check(Source::Apono);
}
