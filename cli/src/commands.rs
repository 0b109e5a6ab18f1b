//! The subcommands, each a thin layer over `anomalies_core`.

use anomalies_core::anomaly::Anomaly;
use anomalies_core::config::Config;
use anomalies_core::engine::Detector;
use anomalies_core::generator::{generate as generate_stream, GeneratorOptions};
use anomalies_core::replay::{replay_reader, replay_source, replay_with, Replayer, Source};
use anyhow::Context;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::time::Instant;

/// The sample stream shipped in `events/`, built into the binary so `demo` works anywhere.
pub const DEMO_STREAM: &str = include_str!("../../events/demo-stream.jsonl");

pub fn detector(config: Option<&Path>) -> anyhow::Result<Detector> {
    let config = match config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    Ok(Detector::new(config)?)
}

fn open_input(file: Option<&Path>) -> anyhow::Result<Box<dyn Read>> {
    Ok(match file {
        None => Box::new(io::stdin().lock()),
        Some(path) if path.as_os_str() == "-" => Box::new(io::stdin().lock()),
        Some(path) => {
            Box::new(File::open(path).with_context(|| format!("cannot open {}", path.display()))?)
        }
    })
}

/// How `replay` writes each anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// The anomaly record (docs/integration.md).
    Anomaly,
    /// An OCSF Detection Finding.
    Ocsf,
}

/// An anomaly as an OCSF Detection Finding as of its last change: created when it never
/// changed after detection, updated (or closed) otherwise.
fn ocsf_finding(anomaly: &Anomaly) -> serde_json::Value {
    use anomalies_webhooks::format::{ocsf, Envelope};
    use anomalies_webhooks::model::EventType;
    let event_type = if anomaly.updated_at > anomaly.detected_at {
        EventType::AnomalyUpdated
    } else {
        EventType::AnomalyDetected
    };
    ocsf::finding(&Envelope {
        event_type,
        event_time: anomaly.updated_at,
        data: anomaly.clone(),
    })
}

pub fn replay(
    config: Option<&Path>,
    file: Option<&Path>,
    source: Source,
    output: Output,
) -> anyhow::Result<()> {
    let detector = detector(config)?;
    let input = BufReader::with_capacity(1 << 16, open_input(file)?);
    let stderr = io::stderr();
    let (anomalies, summary) = replay_source(Replayer::new(&detector), source, input, |e| {
        let _ = writeln!(stderr.lock(), "{e}");
    })
    .context("cannot read the events")?;
    let mut out = BufWriter::new(io::stdout().lock());
    for anomaly in &anomalies {
        match output {
            Output::Anomaly => serde_json::to_writer(&mut out, anomaly)?,
            Output::Ocsf => serde_json::to_writer(&mut out, &ocsf_finding(anomaly))?,
        }
        out.write_all(b"\n")?;
    }
    out.flush()?;
    eprintln!("{summary}");
    Ok(())
}

pub fn demo(config: Option<&Path>) -> anyhow::Result<()> {
    let detector = detector(config)?;
    let (anomalies, summary) = replay_reader(&detector, DEMO_STREAM.as_bytes(), |e| {
        println!("skipped {e}")
    })?;
    println!(
        "Replayed the sample stream (events/demo-stream.jsonl): {} anomalies\n",
        anomalies.len()
    );
    print_table(&anomalies);
    println!("\n{summary}");
    println!("\nFull records as JSON: anomalies replay events/demo-stream.jsonl");
    Ok(())
}

fn print_table(anomalies: &[Anomaly]) {
    println!(
        "{:<20}  {:<24}  {:<8}  {:<18}  SUMMARY",
        "DETECTED (UTC)", "TYPE", "SEVERITY", "REQUEST"
    );
    for a in anomalies {
        println!(
            "{:<20}  {:<24}  {:<8}  {:<18}  {}",
            a.detected_at.format("%Y-%m-%d %H:%M:%S"),
            a.kind.as_str(),
            a.severity.as_str(),
            a.request_id.as_str(),
            a.summary
        );
    }
}

pub fn generate(events: u64, seed: u64, output: Option<&Path>) -> anyhow::Result<()> {
    let options = GeneratorOptions {
        events,
        seed,
        ..GeneratorOptions::default()
    };
    let written = match output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            generate_stream(&options, &mut BufWriter::new(file))?
        }
        None => generate_stream(&options, &mut BufWriter::new(io::stdout().lock()))?,
    };
    eprintln!("wrote {written} lines (seed {seed})");
    Ok(())
}

pub fn bench(events: u64, seed: u64, file: Option<&Path>, verify: bool) -> anyhow::Result<()> {
    let path = match file {
        Some(path) => path.to_path_buf(),
        None => {
            let path = std::env::temp_dir().join(format!("anomalies-bench-{seed}-{events}.jsonl"));
            if !path.exists() {
                generate(events, seed, Some(&path))?;
            }
            path
        }
    };
    let detector = detector(None)?;
    let bytes = std::fs::metadata(&path)?.len();
    let started = Instant::now();
    let input = BufReader::with_capacity(1 << 16, File::open(&path)?);
    let (anomalies, summary) = replay_reader(&detector, input, |_| {})?;
    let mut sink = BufWriter::new(io::sink());
    for anomaly in &anomalies {
        serde_json::to_writer(&mut sink, anomaly)?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let lines = summary.lines;
    println!(
        "input: {} ({lines} lines, {:.1} MB)",
        path.display(),
        bytes as f64 / 1e6
    );
    println!("{summary}");
    println!(
        "replay: {:.3} s, {:.0} events/s, {:.1} MB/s",
        elapsed,
        lines as f64 / elapsed,
        bytes as f64 / 1e6 / elapsed
    );
    if let Some(peak) = peak_rss_mb() {
        println!("peak memory (VmHWM): {peak:.1} MB");
    }
    if verify {
        let started = Instant::now();
        let input = BufReader::with_capacity(1 << 16, File::open(&path)?);
        let (full, _) = replay_with(Replayer::with_full_sweeps(&detector), input, |_| {})?;
        let seconds = started.elapsed().as_secs_f64();
        anyhow::ensure!(
            full == anomalies,
            "incremental and full sweeps disagree: {} vs {} anomalies",
            anomalies.len(),
            full.len()
        );
        println!(
            "verify: full sweeps give the same {} anomalies ({seconds:.1} s)",
            full.len()
        );
    }
    Ok(())
}

/// Peak resident set size of this process, from /proc (Linux only).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
