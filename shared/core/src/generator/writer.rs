//! The generator's output: events rendered as JSON lines and written in arrival order, with
//! the bad lines, re-sent duplicates and late arrivals a real feed has.

use super::*;

pub(super) struct Writer<'w, W: Write> {
    pub(super) out: &'w mut W,
    pub(super) rng: ChaCha8Rng,
    pub(super) options: GeneratorOptions,
    /// Events waiting to be written, by arrival time.
    pub(super) queue: BinaryHeap<Reverse<(DateTime<Utc>, u64, String)>>,
    pub(super) seq: u64,
    pub(super) written: u64,
    pub(super) requests: u64,
}

impl<'w, W: Write> Writer<'w, W> {
    pub(super) fn enqueue(&mut self, arrival: DateTime<Utc>, line: String) {
        self.seq += 1;
        self.queue.push(Reverse((arrival, self.seq, line)));
    }

    /// Queue one event; it may arrive late, be re-sent, or be preceded by a bad line.
    pub(super) fn event(
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

    pub(super) fn bad_line(&mut self, event: &Value) -> String {
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

    pub(super) fn flush_until(&mut self, until: DateTime<Utc>) -> io::Result<bool> {
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

    pub(super) fn request(
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
    pub(super) fn human_request(&mut self, tenant: &str, person: &Value, created: DateTime<Utc>) {
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
            // One request in 500 is approved by its own requester (no extra draw, so the
            // rest of the stream is as before).
            if roll < 0.132 {
                self.lifecycle_by(tenant, &request, decided, Some("manual"), person.clone());
            } else {
                self.lifecycle(tenant, &request, decided, Some(mode));
            }
        }
    }

    /// approved → granted → expired (or revoked).
    pub(super) fn lifecycle(
        &mut self,
        tenant: &str,
        request: &Value,
        approved: DateTime<Utc>,
        mode: Option<&str>,
    ) {
        self.lifecycle_by(tenant, request, approved, mode, json!({"id": "approver-1"}));
    }

    /// [`Self::lifecycle`], approved by `by`.
    fn lifecycle_by(
        &mut self,
        tenant: &str,
        request: &Value,
        approved: DateTime<Utc>,
        mode: Option<&str>,
        by: Value,
    ) {
        let decision = mode.map(|m| json!({"mode": m, "by": by}));
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
    pub(super) fn bot_request(
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

    pub(super) fn bot_day(&mut self, tenant: &str, bot: &Value, kind: BotKind, day: DateTime<Utc>) {
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
