//! A seeded generator of realistic event streams: people who request, get approved,
//! rejected, re-request and go on leave; bots that request on a timer, in bursts or by
//! renewing the moment access expires; plus bad lines, re-sent duplicates and events that
//! arrive a little late. Same seed and options → byte-identical output.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GeneratorOptions {
    pub seed: u64,
    /// Lines to write (valid events, duplicates and bad lines together).
    pub events: u64,
    pub tenants: usize,
    /// People per tenant.
    pub people: usize,
    /// Bots per tenant.
    pub bots: usize,
    /// Simulated days the stream spans (long enough for 90-day rules to fire).
    pub days: i64,
    /// Fraction of lines that are bad.
    pub bad_line_rate: f64,
    /// Fraction of events re-sent later as duplicates.
    pub duplicate_rate: f64,
}

impl Default for GeneratorOptions {
    fn default() -> Self {
        Self {
            seed: 42,
            events: 10_000,
            tenants: 2,
            people: 120,
            bots: 6,
            days: 200,
            bad_line_rate: 0.003,
            duplicate_rate: 0.01,
        }
    }
}

const RESOURCES: &[(&str, &str, &str)] = &[
    ("res-prod-payments", "ProdPayments", "prod"),
    ("res-customer-db", "customer-records", "prod"),
    ("res-analytics", "analytics-warehouse", "staging"),
    ("res-sandbox", "dev-sandbox", "dev"),
    ("res-phi-archive", "phi_archive", "prod"),
    ("res-build-cache", "build-cache", "dev"),
    ("res-marketing", "marketing-site", "staging"),
];
const PERMISSIONS: &[&str] = &[
    "ReadOnlyAccess",
    "ReadOnlyAccess",
    "ReadOnlyAccess",
    "PowerUser",
    "AdministratorAccess",
    "db_owner",
];
const INTEGRATIONS: &[(&str, &str, &str)] = &[
    ("aws-main", "AWS main account", "aws-account"),
    ("postgres-prod", "Postgres production", "postgresql"),
    ("k8s-eu", "Kubernetes EU", "kubernetes"),
];
const FIRST_NAMES: &[&str] = &[
    "Alice", "Bruno", "Chen", "Dana", "Eitan", "Fatima", "Goran", "Hana", "Ivan", "Jun",
];

#[derive(Clone, Copy)]
enum BotKind {
    Cadence,
    RapidFire,
    Renewal,
}

struct Writer<'w, W: Write> {
    out: &'w mut W,
    rng: ChaCha8Rng,
    options: GeneratorOptions,
    /// Events waiting to be written, by arrival time.
    queue: BinaryHeap<Reverse<(DateTime<Utc>, u64, String)>>,
    seq: u64,
    written: u64,
    requests: u64,
}

impl<'w, W: Write> Writer<'w, W> {
    fn enqueue(&mut self, arrival: DateTime<Utc>, line: String) {
        self.seq += 1;
        self.queue.push(Reverse((arrival, self.seq, line)));
    }

    /// Queue one event; it may arrive late, be re-sent, or be preceded by a bad line.
    fn event(
        &mut self,
        tenant: &str,
        occurred: DateTime<Utc>,
        request: &Value,
        status: &str,
        decision: Option<Value>,
    ) {
        self.seq += 1;
        let mut req = request.clone();
        req["status"] = json!(status);
        if let Some(d) = decision {
            req["decision"] = d;
        }
        let event = json!({
            "event_id": format!("evt-{tenant}-{}", self.seq),
            "tenant_id": tenant,
            "occurred_at": occurred.to_rfc3339(),
            "request": req,
        });
        let line = event.to_string();
        let late = if self.rng.gen_bool(0.02) {
            Duration::seconds(self.rng.gen_range(1..240))
        } else {
            Duration::zero()
        };
        if self.rng.gen_bool(self.options.duplicate_rate) {
            let resent = occurred + late + Duration::seconds(self.rng.gen_range(0..900));
            self.enqueue(resent, line.clone());
        }
        if self.rng.gen_bool(self.options.bad_line_rate) {
            let bad = self.bad_line(&event);
            self.enqueue(occurred + late, bad);
        }
        self.enqueue(occurred + late, line);
    }

    fn bad_line(&mut self, event: &Value) -> String {
        let mut bad = event.clone();
        match self.rng.gen_range(0..5) {
            0 => return "{\"event_id\": \"truncated".to_owned(),
            1 => {
                if let Some(r) = bad["request"].as_object_mut() {
                    r.remove("created_at");
                }
            }
            2 => bad["request"]["status"] = json!("approvedd"),
            3 => bad["occurred_at"] = json!("yesterday at noon"),
            _ => bad["request"]["resources"] = json!([]),
        }
        bad["event_id"] = json!(format!("bad-{}", self.seq));
        bad.to_string()
    }

    fn flush_until(&mut self, until: DateTime<Utc>) -> io::Result<bool> {
        while let Some(Reverse((arrival, _, _))) = self.queue.peek() {
            if *arrival >= until {
                break;
            }
            let Some(Reverse((_, _, line))) = self.queue.pop() else {
                break;
            };
            writeln!(self.out, "{line}")?;
            self.written += 1;
            if self.written >= self.options.events {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn request(
        &mut self,
        tenant: &str,
        requester: &Value,
        created: DateTime<Utc>,
        scope: Option<(usize, usize, usize)>,
    ) -> (Value, (usize, usize, usize)) {
        self.requests += 1;
        let (i, r, p) = scope.unwrap_or_else(|| {
            (
                self.rng.gen_range(0..INTEGRATIONS.len()),
                self.rng.gen_range(0..RESOURCES.len()),
                self.rng.gen_range(0..PERMISSIONS.len()),
            )
        });
        let (iid, iname, ikind) = INTEGRATIONS[i];
        let (rid, rname, env) = RESOURCES[r];
        let value = json!({
            "id": format!("req-{tenant}-{}", self.requests),
            "created_at": created.to_rfc3339(),
            "requester": requester,
            "integration": {"id": iid, "name": iname, "type": ikind},
            "resource_type": "database",
            "resources": [{"id": rid, "name": rname, "tags": {"env": env}}],
            "permissions": [PERMISSIONS[p]],
            "access_flow": {"id": format!("flow-{iid}"), "name": format!("{iname} self-serve")},
            "justification": "ticket OPS-1234",
            "duration_seconds": 3600,
            "client": "web",
        });
        (value, (i, r, p))
    }

    /// A person's request: pending, then approved (and maybe a later approve-after-reject)
    /// or rejected, then granted and expired.
    fn human_request(&mut self, tenant: &str, person: &Value, created: DateTime<Utc>) {
        let (request, scope) = self.request(tenant, person, created, None);
        self.event(tenant, created, &request, "pending", None);
        let decided = created + Duration::seconds(self.rng.gen_range(30..1800));
        let approver = json!({"id": format!("approver-{}", self.rng.gen_range(1..5))});
        let roll: f64 = self.rng.gen();
        if roll < 0.10 {
            let decision = json!({"mode": "manual", "by": approver, "reason": "not justified"});
            self.event(tenant, decided, &request, "rejected", Some(decision));
            if self.rng.gen_bool(0.4) {
                let again = decided + Duration::hours(self.rng.gen_range(2..400));
                let (retry, _) = self.request(tenant, person, again, Some(scope));
                self.event(tenant, again, &retry, "pending", None);
                self.lifecycle(
                    tenant,
                    &retry,
                    again + Duration::seconds(600),
                    Some("manual"),
                );
            }
        } else if roll < 0.13 {
            self.event(tenant, decided, &request, "cancelled", None);
        } else {
            let mode = if self.rng.gen_bool(0.5) {
                "manual"
            } else {
                "automatic"
            };
            self.lifecycle(tenant, &request, decided, Some(mode));
        }
    }

    /// approved → granted → expired (or revoked).
    fn lifecycle(
        &mut self,
        tenant: &str,
        request: &Value,
        approved: DateTime<Utc>,
        mode: Option<&str>,
    ) {
        let decision = mode.map(|m| json!({"mode": m, "by": {"id": "approver-1"}}));
        self.event(tenant, approved, request, "approved", decision);
        self.event(
            tenant,
            approved + Duration::seconds(2),
            request,
            "granted",
            None,
        );
        let end = approved + Duration::seconds(3600);
        let status = if self.rng.gen_bool(0.05) {
            "revoked"
        } else {
            "expired"
        };
        self.event(tenant, end, request, status, None);
    }

    /// A bot's request, approved automatically a second later.
    fn bot_request(
        &mut self,
        tenant: &str,
        bot: &Value,
        t: DateTime<Utc>,
        scope: (usize, usize, usize),
    ) -> Value {
        let (request, _) = self.request(tenant, bot, t, Some(scope));
        self.event(tenant, t, &request, "pending", None);
        let approved = t + Duration::seconds(1);
        self.event(
            tenant,
            approved,
            &request,
            "approved",
            Some(json!({"mode": "automatic"})),
        );
        request
    }

    fn bot_day(&mut self, tenant: &str, bot: &Value, kind: BotKind, day: DateTime<Utc>) {
        let scope = (0, self.rng.gen_range(0..RESOURCES.len()), 0);
        let start = day + Duration::seconds(self.rng.gen_range(0..36_000));
        match kind {
            BotKind::Cadence => {
                for k in 0..self.rng.gen_range(4..9) {
                    let t = start + Duration::seconds(3600 * k + self.rng.gen_range(-20..20));
                    let request = self.bot_request(tenant, bot, t, scope);
                    let granted = t + Duration::seconds(3);
                    self.event(tenant, granted, &request, "granted", None);
                    self.event(
                        tenant,
                        t + Duration::seconds(1800),
                        &request,
                        "expired",
                        None,
                    );
                }
            }
            BotKind::RapidFire => {
                let mut t = start;
                for _ in 0..self.rng.gen_range(3..8) {
                    self.bot_request(tenant, bot, t, scope);
                    t += Duration::seconds(self.rng.gen_range(20..400));
                }
            }
            BotKind::Renewal => {
                let mut t = start;
                for _ in 0..self.rng.gen_range(2..6) {
                    let request = self.bot_request(tenant, bot, t, scope);
                    let end = t + Duration::seconds(self.rng.gen_range(1800..3600));
                    self.event(tenant, end, &request, "expired", None);
                    t = end + Duration::seconds(self.rng.gen_range(0..90));
                }
            }
        }
    }
}

struct Person {
    value: Value,
    /// Requests per day while active.
    rate: f64,
    /// Days of leave (no requests), if any.
    leave: Option<(i64, i64)>,
}

/// The stream as one string (JSON Lines).
pub fn generate_to_string(options: &GeneratorOptions) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and every line is serde_json output (valid UTF-8).
    let _ = generate(options, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Write a stream to `out`. Returns the number of lines written.
pub fn generate<W: Write>(options: &GeneratorOptions, out: &mut W) -> io::Result<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let tenants: Vec<String> = (0..options.tenants.max(1))
        .map(|t| format!("tenant-{t}"))
        .collect();
    // About five lines per request: size the daily request rate to fill the stream.
    let people_total = (options.people.max(1) * tenants.len()) as f64;
    let per_day = options.events as f64 / 5.0 / options.days.max(1) as f64;
    let bot_share = 0.25;
    let person_rate = per_day * (1.0 - bot_share) / people_total;
    let mut people: Vec<(usize, Person)> = Vec::new();
    for (t, _) in tenants.iter().enumerate() {
        for p in 0..options.people.max(1) {
            let name = FIRST_NAMES[p % FIRST_NAMES.len()];
            let value = json!({"id": format!("user-{t}-{p}"), "name": format!("{name} {p}"), "email": format!("{}.{p}@example.com", name.to_lowercase())});
            // The first person of each tenant always takes a long leave, so even a short
            // stream has a return from inactivity; others do with some probability.
            let leave = (p == 0 || rng.gen_bool(0.15)).then(|| {
                let from = rng.gen_range(5..options.days.max(6));
                (from, from + rng.gen_range(91..140))
            });
            people.push((
                t,
                Person {
                    value,
                    rate: person_rate * rng.gen_range(0.3..1.7),
                    leave,
                },
            ));
        }
    }
    let bots: Vec<(usize, Value, BotKind)> = (0..tenants.len())
        .flat_map(|t| (0..options.bots).map(move |b| (t, b)))
        .map(|(t, b)| {
            let kind = [BotKind::Cadence, BotKind::RapidFire, BotKind::Renewal][b % 3];
            (
                t,
                json!({"id": format!("svc-{t}-{b}"), "name": format!("deploy-bot-{b}")}),
                kind,
            )
        })
        .collect();
    let bot_days_rate = (per_day * bot_share / 5.0 / bots.len().max(1) as f64).min(1.0);
    let mut w = Writer {
        out,
        rng,
        options: options.clone(),
        queue: BinaryHeap::new(),
        seq: 0,
        written: 0,
        requests: 0,
    };
    let mut day = 0i64;
    loop {
        let day_start = start + Duration::days(day);
        for (t, person) in &people {
            if person
                .leave
                .is_some_and(|(from, to)| (from..to).contains(&(day % options.days.max(1))))
            {
                continue;
            }
            let mut expected = person.rate;
            while expected > 0.0 {
                if w.rng.gen_bool(expected.min(1.0)) {
                    let created = day_start + Duration::seconds(w.rng.gen_range(28_800..64_800));
                    w.human_request(&tenants[*t], &person.value, created);
                }
                expected -= 1.0;
            }
        }
        for (t, bot, kind) in &bots {
            if w.rng.gen_bool(bot_days_rate) {
                w.bot_day(&tenants[*t], bot, *kind, day_start);
            }
        }
        if w.flush_until(day_start + Duration::days(1))? {
            break;
        }
        day += 1;
        if day > 20 * options.days.max(1) && w.written == 0 {
            break;
        }
    }
    w.out.flush()?;
    Ok(w.written)
}
