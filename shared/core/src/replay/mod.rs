//! Replay: run a stream of events through the detector on the in-memory store, with the
//! clock taken from the events. Sweeps run at every sweep-interval boundary (UTC-aligned)
//! that the event clock passes, and once at the end.
//!
//! The clock is the largest `occurred_at` seen so far. An event at exactly a boundary is
//! processed before that boundary's sweep; a duplicate or a bad line never moves the clock.

use crate::anomaly::{Anomaly, AnomalyType};
use crate::connectors::{ConnectorError, MAX_PAYLOAD_BYTES};
use crate::contract::{parse_observation, ContractError};
use crate::domain::AccessEvent;
use crate::engine::{ChangeKind, Detector, Outcome, Suppressed, SweepScope};
use crate::lines::{for_each_line, Line};
use crate::store::{EventLog, MemoryStore};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::BufRead;

pub use crate::connectors::Source;

mod source;

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Non-blank input lines.
    pub lines: u64,
    /// Valid events processed (not duplicates).
    pub events: u64,
    pub duplicates: u64,
    /// Lines that were not valid events.
    pub rejected: u64,
    /// Platform events that are not about access requests (a login, a session), skipped.
    pub ignored: u64,
    pub sweeps: u64,
    /// Anomalies in their final state, by type.
    pub anomalies: BTreeMap<AnomalyType, u64>,
    /// Updates of existing anomalies (automation dedup).
    pub updates: u64,
    /// Distinct anomalies (or automation groups) suppressed by allowlists, by type.
    pub suppressed: BTreeMap<AnomalyType, u64>,
}

impl fmt::Display for ReplaySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let by_type = |map: &BTreeMap<AnomalyType, u64>| {
            AnomalyType::ALL
                .iter()
                .map(|t| format!("{t}={}", map.get(t).copied().unwrap_or(0)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let total: u64 = self.anomalies.values().sum();
        let suppressed: u64 = self.suppressed.values().sum();
        writeln!(
            f,
            "summary: lines={} events={} duplicates={} rejected={} ignored={} sweeps={}",
            self.lines, self.events, self.duplicates, self.rejected, self.ignored, self.sweeps
        )?;
        writeln!(
            f,
            "anomalies: total={total} {} (updates={})",
            by_type(&self.anomalies),
            self.updates
        )?;
        write!(
            f,
            "suppressed: total={suppressed} {}",
            by_type(&self.suppressed)
        )
    }
}

/// A line that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub error: LineProblem,
}

/// What was wrong with a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineProblem {
    /// Not a valid v1 event.
    #[error(transparent)]
    Contract(#[from] ContractError),
    /// A platform payload that could not be read (its own field is named).
    #[error(transparent)]
    Platform(#[from] crate::connectors::ConnectorError),
    /// A state change naming a request no earlier event described.
    #[error(transparent)]
    UnknownRequest(#[from] crate::engine::UnknownRequest),
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.error)
    }
}

/// A replay in progress.
pub struct Replayer<'d> {
    detector: &'d Detector,
    store: MemoryStore,
    clock: Option<DateTime<Utc>>,
    /// The last boundary swept (or the first event's time, before any sweep).
    sweep_cursor: Option<DateTime<Utc>>,
    last_sweep: Option<DateTime<Utc>>,
    summary: ReplaySummary,
    suppressed: HashSet<Suppressed>,
    incremental: bool,
    /// The current time, against which events dated in the future are refused.
    wall_clock: DateTime<Utc>,
}

impl<'d> Replayer<'d> {
    pub fn new(detector: &'d Detector) -> Self {
        Self {
            detector,
            store: MemoryStore::new(),
            clock: None,
            sweep_cursor: None,
            last_sweep: None,
            summary: ReplaySummary::default(),
            suppressed: HashSet::new(),
            incremental: true,
            wall_clock: Utc::now(),
        }
    }

    /// This replayer with `now` as the current time (tests, backtests as of a date).
    pub fn at(self, now: DateTime<Utc>) -> Self {
        Self {
            wall_clock: now,
            ..self
        }
    }

    /// A replay whose every sweep reads all groups in its window (slower; the result is the
    /// same, which a test checks).
    pub fn with_full_sweeps(detector: &'d Detector) -> Self {
        Self {
            incremental: false,
            ..Self::new(detector)
        }
    }

    /// Feed one input line (without its newline). Blank lines are skipped.
    pub fn push_line(&mut self, number: u64, line: &[u8]) -> Result<(), LineError> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        self.summary.lines += 1;
        match parse_observation(line) {
            Ok(observation) => self.push_observation(number, observation),
            Err(error) => Err(self.reject(number, error.into())),
        }
    }

    /// Feed one parsed event.
    pub fn push_event(&mut self, event: AccessEvent) -> Outcome {
        if !self.store.mark_seen(&event.tenant_id, &event.event_id) {
            self.summary.duplicates += 1;
            return Outcome {
                duplicate: true,
                ..Outcome::default()
            };
        }
        self.sweep_before(event.occurred_at);
        let now = self
            .clock
            .map_or(event.occurred_at, |c| c.max(event.occurred_at));
        self.clock = Some(now);
        self.sweep_cursor.get_or_insert(now);
        let outcome = self.detector.process_unseen(&mut self.store, event, now);
        self.summary.events += 1;
        self.record(&outcome);
        outcome
    }

    fn next_boundary(&self, after: DateTime<Utc>) -> DateTime<Utc> {
        let interval = self.detector.sweep_interval().num_seconds();
        let next = (after.timestamp().div_euclid(interval) + 1) * interval;
        DateTime::from_timestamp(next, 0).unwrap_or(after)
    }

    /// Sweep every boundary strictly before `t` that has not been swept.
    fn sweep_before(&mut self, t: DateTime<Utc>) {
        while let Some(cursor) = self.sweep_cursor {
            let boundary = self.next_boundary(cursor);
            if boundary >= t || boundary <= cursor {
                break;
            }
            self.sweep_at(boundary);
            self.sweep_cursor = Some(boundary);
        }
    }

    fn sweep_at(&mut self, at: DateTime<Utc>) {
        let scope = match self.last_sweep {
            Some(previous) if self.incremental => SweepScope::Since(previous),
            _ => SweepScope::Full,
        };
        let outcome = self.detector.sweep(&mut self.store, at, scope);
        self.last_sweep = Some(at);
        self.summary.sweeps += 1;
        self.record(&outcome);
    }

    fn record(&mut self, outcome: &Outcome) {
        for change in &outcome.changes {
            if change.kind == ChangeKind::Updated {
                self.summary.updates += 1;
            }
        }
        for suppressed in &outcome.suppressed {
            if self.suppressed.insert(suppressed.clone()) {
                *self.summary.suppressed.entry(suppressed.kind).or_default() += 1;
            }
        }
    }

    /// Run the remaining boundary sweeps and the final one; return the store and summary.
    pub fn finish(mut self) -> (MemoryStore, ReplaySummary) {
        if let Some(clock) = self.clock {
            self.sweep_before(clock + Duration::nanoseconds(1));
            if self.last_sweep != Some(clock) {
                self.sweep_at(clock);
            }
        }
        for anomaly in self.store.anomalies() {
            *self.summary.anomalies.entry(anomaly.kind).or_default() += 1;
        }
        (self.store, self.summary)
    }
}

/// Replay JSON lines from `input`: bad lines go to `on_error`, and the result is every
/// anomaly in its final state (ordered by `detected_at`, then id) with the summary.
pub fn replay_reader<R: BufRead>(
    detector: &Detector,
    input: R,
    on_error: impl FnMut(&LineError),
) -> std::io::Result<(Vec<Anomaly>, ReplaySummary)> {
    replay_with(Replayer::new(detector), input, on_error)
}

/// [`replay_reader`] with a replayer set up by the caller (e.g. [`Replayer::with_full_sweeps`]).
pub fn replay_with<R: BufRead>(
    replayer: Replayer<'_>,
    input: R,
    on_error: impl FnMut(&LineError),
) -> std::io::Result<(Vec<Anomaly>, ReplaySummary)> {
    replay_source(replayer, Source::V1, input, on_error)
}

/// [`replay_with`] for a platform's payloads, one per line, translated by its connector.
pub fn replay_source<R: BufRead>(
    mut replayer: Replayer<'_>,
    source: Source,
    input: R,
    mut on_error: impl FnMut(&LineError),
) -> std::io::Result<(Vec<Anomaly>, ReplaySummary)> {
    for_each_line(input, MAX_PAYLOAD_BYTES, |number, line| {
        let result = match line {
            Line::Text(text) => replayer.push_payload(number, text, source),
            Line::TooLong(size) => {
                replayer.summary.lines += 1;
                replayer.summary.rejected += 1;
                let message =
                    format!("the payload is {size} bytes, over the limit of {MAX_PAYLOAD_BYTES}");
                Err(LineError {
                    line: number,
                    error: ConnectorError::new("$", message).into(),
                })
            }
        };
        if let Err(error) = result {
            on_error(&error);
        }
    })?;
    let (store, summary) = replayer.finish();
    Ok((store.into_anomalies_by_detection(), summary))
}
