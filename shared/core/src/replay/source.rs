//! Replaying a platform's payloads: each line translated by its connector, payloads about
//! something else counted as ignored, and state changes that name only the request completed
//! from the request the store already holds (or reported: its create has not been seen).

use super::{LineError, LineProblem, Replayer, Source};
use crate::connectors::{self, StateChange, Translated, Translation};
use crate::domain::{AccessEvent, AccessRequest, TenantId};

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
        for translated in events {
            let event = match translated {
                Translated::Event(event) => *event,
                Translated::Change(change) => match self.complete(change) {
                    Ok(event) => event,
                    Err(unknown) => return Err(self.reject(number, unknown)),
                },
            };
            self.push_event(event);
        }
        Ok(())
    }

    fn reject(&mut self, line: u64, error: LineProblem) -> LineError {
        self.summary.rejected += 1;
        LineError { line, error }
    }

    /// A state change as a whole event, from the request the store knows.
    fn complete(&self, change: StateChange) -> Result<AccessEvent, LineProblem> {
        let known = self
            .store
            .known_request(&change.tenant_id, &change.request_id)
            .ok_or_else(|| LineProblem::UnknownRequest(change.request_id.as_str().to_owned()))?;
        Ok(AccessEvent {
            event_id: change.event_id,
            tenant_id: change.tenant_id,
            occurred_at: change.occurred_at,
            request: AccessRequest {
                status: change.status,
                decision: change.decision,
                ..known
            },
        })
    }
}
