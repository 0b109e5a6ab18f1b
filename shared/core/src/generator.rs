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

pub mod platforms;
mod writer;

use writer::Writer;

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
