//! `generate --format` and `bench --source`: the generator's stream in a platform's own
//! format (with its equivalent v1.1 stream), and the replay throughput of a platform stream
//! through its connector against its equivalent v1.1 stream.

use crate::commands::detector;
use anomalies_core::generator::platforms::{render, Rendered};
use anomalies_core::generator::{generate_to_string, GeneratorOptions};
use anomalies_core::replay::{replay_source, Replayer, Source};
use anyhow::Context;
use std::path::Path;
use std::time::Instant;

fn rendered(events: u64, seed: u64, source: Source) -> Rendered {
    let options = GeneratorOptions {
        events,
        seed,
        ..GeneratorOptions::default()
    };
    render(source, &generate_to_string(&options), seed)
}

/// Write `source`'s stream to `output` (stdout when `None`), and the equivalent v1.1 stream
/// to `equivalent` when given.
pub fn generate(
    events: u64,
    seed: u64,
    source: Source,
    output: Option<&Path>,
    equivalent: Option<&Path>,
) -> anyhow::Result<()> {
    let streams = rendered(events, seed, source);
    match output {
        Some(path) => std::fs::write(path, &streams.platform)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{}", streams.platform),
    }
    if let Some(path) = equivalent {
        std::fs::write(path, &streams.equivalent)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let lines = streams.platform.lines().count();
    eprintln!("wrote {lines} {source} lines (from {events} generated events, seed {seed})");
    Ok(())
}

/// Replay `input` as `source`; (seconds, lines, anomalies).
fn timed(source: Source, input: &str) -> anyhow::Result<(f64, u64, usize)> {
    let detector = detector(None)?;
    let started = Instant::now();
    let (anomalies, summary) =
        replay_source(Replayer::new(&detector), source, input.as_bytes(), |_| {})?;
    Ok((
        started.elapsed().as_secs_f64(),
        summary.lines,
        anomalies.len(),
    ))
}

/// Replay `source`'s stream and its equivalent v1.1 stream `rounds` times each,
/// alternately; print the best throughput of each and their ratio.
pub fn bench(events: u64, seed: u64, source: Source, rounds: u32) -> anyhow::Result<()> {
    let streams = rendered(events, seed, source);
    let mut best_platform = f64::MAX;
    let mut best_v1 = f64::MAX;
    let mut counts = (0, 0, 0, 0);
    for _ in 0..rounds.max(1) {
        let (t, lines, found) = timed(source, &streams.platform)?;
        best_platform = best_platform.min(t);
        let (t_v1, lines_v1, found_v1) = timed(Source::V1, &streams.equivalent)?;
        best_v1 = best_v1.min(t_v1);
        counts = (lines, found, lines_v1, found_v1);
    }
    let (lines, found, lines_v1, found_v1) = counts;
    anyhow::ensure!(
        found == found_v1,
        "the {source} stream and its equivalent disagree: {found} vs {found_v1} anomalies"
    );
    let rate = lines as f64 / best_platform;
    let rate_v1 = lines_v1 as f64 / best_v1;
    println!(
        "{source}: {lines} lines in {best_platform:.3} s, {rate:.0} lines/s ({} MB)",
        streams.platform.len() / 1_000_000
    );
    println!(
        "v1.1 equivalent: {lines_v1} lines in {best_v1:.3} s, {rate_v1:.0} lines/s ({} MB)",
        streams.equivalent.len() / 1_000_000
    );
    // The same events either way: throughput is the inverse of the time taken.
    println!(
        "{source} throughput: {:.0} % of v1 on the same events ({found} anomalies each; best of {rounds})",
        100.0 * best_v1 / best_platform
    );
    Ok(())
}
