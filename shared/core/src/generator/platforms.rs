//! A generated stream in an access platform's own format, line for line with its
//! *equivalent* v1.1 stream: the events that say exactly what each platform payload says —
//! whole where the platform sends the whole request, naming only the request where it names
//! only the request, without what it cannot carry (tags, names, reasons). Replayed, the two
//! must give the same anomalies and report the same lines; the equivalent lines are built here
//! from the generator's events by each platform's documented mapping (docs/connectors.md),
//! not by the connectors, so the comparison tests the connectors.
//!
//! Besides translating every event (re-sent duplicates and late arrivals included), the
//! platform stream gets the platform's unrelated events (a login: a blank equivalent line, so
//! line numbers stay aligned), a few state changes for requests never created (where the
//! platform names requests by id), and a bad payload wherever the v1 stream has a bad line.

mod apono;
mod aws_team;
mod common_fate;
mod teleport;

use crate::connectors::Source;
use crate::contract::parse_event;
use chrono::{DateTime, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// Both streams, as JSON lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    pub platform: String,
    pub equivalent: String,
}

/// Share of lines preceded by an unrelated platform event.
const UNRELATED_RATE: f64 = 0.03;
/// Share of lines preceded by a change for a request never created (id-naming platforms).
const ORPHAN_RATE: f64 = 0.002;

/// One event of the generator's v1 stream, read back.
pub(super) struct Event<'a> {
    pub value: &'a Value,
    pub id: &'a str,
    pub occurred: &'a str,
    pub status: &'a str,
    pub request: &'a Value,
}

impl<'a> Event<'a> {
    fn read(value: &'a Value) -> Option<Self> {
        Some(Self {
            value,
            id: value["event_id"].as_str()?,
            occurred: value["occurred_at"].as_str()?,
            status: value["request"]["status"].as_str()?,
            request: &value["request"],
        })
    }

    pub fn time(&self) -> DateTime<Utc> {
        crate::timestamp::parse_rfc3339(self.occurred).unwrap_or_default()
    }

    pub fn text(&self, pointer: &str) -> &'a str {
        self.request
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn decision(&self) -> Option<&'a Value> {
        self.request.get("decision")
    }

    pub fn mode(&self) -> &'a str {
        self.decision()
            .and_then(|d| d["mode"].as_str())
            .unwrap_or("manual")
    }

    pub fn decider(&self) -> Option<&'a str> {
        self.decision().and_then(|d| d["by"]["id"].as_str())
    }
}

/// What a platform renderer makes of one event: its payload, and the equivalent v1.1 event
/// (`None`: the platform says nothing the detector tracks, and the line is blank).
pub(super) type Pair = (Value, Option<Value>);

/// The equivalent event's envelope, for the default tenant (platform payloads carry none).
pub(super) fn envelope(event_id: &str, occurred: &str, request: Value) -> Value {
    json!({"event_id": event_id, "tenant_id": "default", "occurred_at": occurred, "request": request})
}

/// Render a generated v1 stream as `source`'s payloads (seeded: same input, same output).
pub fn render(source: Source, v1: &str, seed: u64) -> Rendered {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Rendered::default();
    let mut orphans = 0u64;
    let push = |out: &mut Rendered, (platform, equivalent): Pair| {
        out.platform.push_str(&platform.to_string());
        out.platform.push('\n');
        if let Some(equivalent) = equivalent {
            out.equivalent.push_str(&equivalent.to_string());
        }
        out.equivalent.push('\n');
    };
    for line in v1.lines() {
        let value: Option<Value> = parse_event(line.as_bytes())
            .ok()
            .and_then(|_| serde_json::from_str(line).ok());
        let Some(event) = value.as_ref().and_then(Event::read) else {
            out.platform.push_str(&bad(source).to_string());
            out.platform.push('\n');
            out.equivalent.push_str(line);
            out.equivalent.push('\n');
            continue;
        };
        if rng.gen_bool(UNRELATED_RATE) {
            push(&mut out, (unrelated(source, &event), None));
        }
        if rng.gen_bool(ORPHAN_RATE) {
            orphans += 1;
            if let Some(pair) = orphan(source, &event, orphans) {
                push(&mut out, pair);
            }
        }
        push(&mut out, translate(source, &event));
    }
    out
}

fn translate(source: Source, event: &Event) -> Pair {
    match source {
        Source::Teleport => teleport::render(event),
        Source::AwsTeam => aws_team::render(event),
        Source::CommonFate => common_fate::render(event),
        Source::Apono => apono::render(event),
        Source::V1 => (event.value.clone(), Some(event.value.clone())),
    }
}

/// A change for a request never created, where the platform names requests by id.
fn orphan(source: Source, event: &Event, n: u64) -> Option<Pair> {
    let id = format!("orphan-{n}");
    let uid = format!("{}-orphan-{n}", event.id);
    let equivalent =
        |status: &str| envelope(&uid, event.occurred, json!({"id": id, "status": status}));
    match source {
        Source::Teleport => Some((
            json!({"event": "access_request.expire", "code": "T5005I", "uid": uid,
                   "time": event.occurred, "id": id}),
            Some(equivalent("expired")),
        )),
        Source::CommonFate => Some((
            json!({"id": uid, "action": "grant.revoked", "occurred_at": event.occurred,
                   "targets": [{"type": "Access::Grant", "id": id}],
                   "actor": {"type": "CF::User", "id": "usr_admin"}}),
            Some(equivalent("revoked")),
        )),
        Source::AwsTeam | Source::Apono | Source::V1 => None,
    }
}

fn unrelated(source: Source, event: &Event) -> Value {
    let uid = format!("{}-unrelated", event.id);
    match source {
        Source::Teleport => json!({"event": "user.login", "code": "T1000I", "uid": uid,
                                   "time": event.occurred, "user": event.text("/requester/id"),
                                   "success": true, "method": "local"}),
        Source::AwsTeam => json!({"Type": "SubscriptionConfirmation", "MessageId": uid,
                                  "TopicArn": aws_team::TOPIC, "Message": "You have chosen to subscribe",
                                  "Timestamp": event.occurred}),
        Source::CommonFate => {
            json!({"id": uid, "request": {"principal": {"type": "CF::User", "id": "usr_1"}},
                                     "decision": 1, "evaluated_at": event.occurred, "allowed": true})
        }
        Source::Apono => json!({"event_type": "AccessFlowUpdated", "event_time": "1767225600",
                                "data": {"action": "edit", "target_type": "access flow"}}),
        Source::V1 => Value::Null,
    }
}

/// A payload of the platform's kind missing a field its connector requires.
fn bad(source: Source) -> Value {
    match source {
        Source::Teleport => {
            json!({"event": "access_request.create", "code": "T5000I", "id": "req-bad"})
        }
        Source::AwsTeam => {
            json!({"accountId": "111122223333", "status": "pending", "id": "req-bad"})
        }
        Source::CommonFate => json!({"id": "evt_bad", "action": "grant.requested", "targets": []}),
        Source::Apono => {
            json!({"event_type": "AccessRequestCreated", "event_time": "soon", "data": {}})
        }
        Source::V1 => json!({"event_id": ""}),
    }
}
