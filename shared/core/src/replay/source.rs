//! Replaying a platform's payloads: each line translated by its connector, payloads about
//! something else counted as ignored, and state changes that name only the request (from a
//! connector or in contract v1.1) completed from the request the store already holds, or
//! reported: its create has not been seen.

use super::{LineError, LineProblem, Replayer, Source};
use crate::connectors::{self, Translation};
use crate::domain::{Observation, TenantId};
use crate::engine::complete;

impl Replayer<'_> {
    /// Feed one line of `source`'s payloads (platform payloads carry no tenant: they replay
    /// as the default tenant).
    pub fn push_payload(
        &mut self,
        number: u64,
        line: &[u8],
        source: Source,
    ) -> Result<(), LineError> {
        if source == Source::V1 {
            return self.push_line(number, line);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        self.summary.lines += 1;
        let tenant = TenantId::default_tenant();
        let translation = match connectors::translate(source, line, &tenant) {
            Ok(t) => t,
            Err(e) => return Err(self.reject(number, e.into())),
        };
        let events = match translation {
            Translation::NotAccessRequest => {
                self.summary.ignored += 1;
                return Ok(());
            }
            Translation::Events(events) => events,
        };
        for observation in events {
            self.push_observation(number, observation)?;
        }
        Ok(())
    }

    /// Feed one observation of line `number`: one dated in the future is refused
    /// ([`crate::engine::clock`]); a state change is completed from the request the store
    /// knows, or reported (its create has not been seen).
    pub(super) fn push_observation(
        &mut self,
        number: u64,
        observation: Observation,
    ) -> Result<(), LineError> {
        if let Err(error) = self.detector.check_times(&observation, self.wall_clock) {
            return Err(self.reject(number, error.into()));
        }
        match complete(&self.store, observation) {
            Ok(event) => {
                self.push_event(event);
                Ok(())
            }
            Err(unknown) => Err(self.reject(number, unknown.into())),
        }
    }

    pub(super) fn reject(&mut self, line: u64, error: LineProblem) -> LineError {
        self.summary.rejected += 1;
        LineError { line, error }
    }
}
