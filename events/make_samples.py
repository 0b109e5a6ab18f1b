#!/usr/bin/env python3
"""Writes the sample events in events/: one file per status in samples/, the demo stream
(every status, every anomaly type, a duplicate and a decoy), and bad-lines.jsonl.
Run from the repo root: python3 events/make_samples.py"""
import copy, json, os
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
T = lambda s: datetime.fromisoformat(s).replace(tzinfo=timezone.utc)
iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")

PEOPLE = {
    "alice": {"id": "u-alice", "name": "Alice Moreau", "email": "alice@acme.example"},
    "dan": {"id": "u-dan", "name": "Dan Okafor", "email": "dan@acme.example"},
    "frank": {"id": "u-frank", "name": "Frank Li", "email": "frank@acme.example"},
    "gina": {"id": "u-gina", "name": "Gina Rossi", "email": "gina@acme.example"},
    "bob": {"id": "u-bob", "name": "Bob Stein", "email": "bob@acme.example"},
    "carol": {"id": "u-carol", "name": "Carol Diaz", "email": "carol@acme.example"},
    "erin": {"id": "u-erin", "name": "Erin Walsh", "email": "erin@acme.example"},
    "deploy": {"id": "svc-deploy", "name": "deploy-bot"},
    "ci": {"id": "svc-ci-runner", "name": "ci-runner"},
    "etl": {"id": "svc-nightly-etl", "name": "nightly-etl"},
}
AWS = {"id": "aws-prod-account", "name": "AWS production", "type": "aws-account"}
PG = {"id": "postgres-main", "name": "Postgres main cluster", "type": "postgresql"}
K8S = {"id": "k8s-eu-west", "name": "Kubernetes EU West", "type": "kubernetes"}

events, seq = [], [0]

def request(rid, who, created, integration, resource_type, resources, permissions, **extra):
    r = {"id": rid, "status": "pending", "created_at": iso(created), "requester": PEOPLE[who],
         "integration": integration, "resource_type": resource_type, "resources": resources,
         "permissions": permissions,
         "access_flow": {"id": f"flow-{integration['id']}", "name": f"{integration['name']} self-serve"},
         "justification": extra.pop("justification", "Investigating ticket OPS-2041"),
         "duration_seconds": extra.pop("duration", 3600), "client": extra.pop("client", "web")}
    r.update(extra)
    return r

def emit(req, status, at, decision=None):
    seq[0] += 1
    r = copy.deepcopy(req)
    r["status"] = status
    if decision:
        r["decision"] = decision
    e = {"event_id": f"evt-{seq[0]:04d}", "tenant_id": "acme", "occurred_at": iso(at), "request": r}
    events.append(e)
    return e

def decide(mode, who, reason=None):
    d = {"mode": mode, "by": PEOPLE[who]} if who else {"mode": mode}
    if reason:
        d["reason"] = reason
    return d

def lifecycle(req, created, approver="bob", mode="manual", end="expired", minutes=60):
    emit(req, "pending", created)
    emit(req, "approved", created + timedelta(minutes=4), decide(mode, approver if mode == "manual" else None))
    emit(req, "granted", created + timedelta(minutes=4, seconds=2))
    emit(req, end, created + timedelta(minutes=4 + minutes))

payments = [{"id": "arn:aws:rds:eu-west-1:111:db/payments", "name": "ProdPayments", "tags": {"env": "prod", "team": "billing"}}]
orders = [{"id": "pg:orders", "name": "orders-replica", "tags": {"team": "commerce"}}]
cache = [{"id": "s3:build-cache", "name": "build-cache", "tags": {"env": "ci"}}]
dashboards = [{"id": "k8s:ns/dashboards", "name": "dashboards", "tags": {"env": "staging"}}]
warehouse = [{"id": "pg:warehouse", "name": "analytics-warehouse"}]

# Frank's last request before a long absence (2025-11-20), then his return 102 days later.
frank_old = request("req-1001", "frank", T("2025-11-20T14:00:00"), K8S, "kubernetes-namespace", dashboards, ["view"])
lifecycle(frank_old, T("2025-11-20T14:00:00"))
# Gina: an automatic rejection, then an approval of the same scope: not an anomaly (decoy).
gina1 = request("req-1002", "gina", T("2026-02-20T09:00:00"), PG, "postgres-database", warehouse, ["read"])
emit(gina1, "pending", T("2026-02-20T09:00:00"))
emit(gina1, "rejected", T("2026-02-20T09:00:01"), decide("automatic", None, "outside business hours policy"))
gina2 = request("req-1003", "gina", T("2026-02-21T10:00:00"), PG, "postgres-database", warehouse, ["read"])
lifecycle(gina2, T("2026-02-21T10:00:00"), approver="erin")
# Dan: manually rejected, then the same scope approved by someone else the next day.
dan1 = request("req-1004", "dan", T("2026-03-01T16:00:00"), PG, "postgres-database", orders, ["write"], justification="fix order 8812")
emit(dan1, "pending", T("2026-03-01T16:00:00"))
emit(dan1, "rejected", T("2026-03-01T16:20:00"), decide("manual", "carol", "No ticket; use the support tooling"))
dan2 = request("req-1005", "dan", T("2026-03-02T08:10:00"), PG, "postgres-database", orders, ["WRITE", "read"], justification="urgent")
lifecycle(dan2, T("2026-03-02T08:10:00"), approver="erin")
# Alice: elevated access to a production, customer-facing database; later revoked.
alice = request("req-1006", "alice", T("2026-03-02T09:00:00"), AWS, "aws-rds-instance", payments, ["AmazonRDSFullAccess"], client="slack")
lifecycle(alice, T("2026-03-02T09:00:00"), end="revoked", minutes=20)
# Frank returns.
frank_new = request("req-1007", "frank", T("2026-03-02T09:30:00"), K8S, "kubernetes-namespace", dashboards, ["view"])
lifecycle(frank_new, T("2026-03-02T09:30:00"), approver="bob")
# A failed provisioning and a cancelled request.
failed = request("req-1008", "gina", T("2026-03-02T10:00:00"), AWS, "aws-s3-bucket", cache, ["read"])
emit(failed, "pending", T("2026-03-02T10:00:00"))
emit(failed, "approved", T("2026-03-02T10:01:00"), decide("automatic", None))
emit(failed, "failed", T("2026-03-02T10:01:05"))
cancelled = request("req-1009", "alice", T("2026-03-02T11:00:00"), K8S, "kubernetes-namespace", dashboards, ["edit"])
emit(cancelled, "pending", T("2026-03-02T11:00:00"))
emit(cancelled, "cancelled", T("2026-03-02T11:05:00"))
# deploy-bot: a request every hour on the hour, give or take a few seconds (regular cadence).
for k, jitter in enumerate([0, 4, -3, 2, 5, -1, 3]):
    t = T("2026-03-02T06:00:00") + timedelta(hours=k, seconds=jitter)
    r = request(f"req-2{k:03d}", "deploy", t, AWS, "aws-s3-bucket", cache, ["s3:PutObject"], client="api", justification="release pipeline")
    lifecycle(r, t, mode="automatic", minutes=15)
# ci-runner: six requests within ten minutes (rapid fire).
for k, offset in enumerate([0, 90, 170, 260, 380, 560]):
    t = T("2026-03-02T13:00:00") + timedelta(seconds=offset)
    r = request(f"req-3{k:03d}", "ci", t, K8S, "kubernetes-namespace", dashboards, ["edit"], client="cli", justification="e2e")
    emit(r, "pending", t)
    emit(r, "approved", t + timedelta(seconds=2), decide("automatic", None))
# nightly-etl: re-requests within seconds of its access expiring (chained renewals).
t = T("2026-03-02T01:00:00")
for k in range(4):
    r = request(f"req-4{k:03d}", "etl", t, PG, "postgres-database", warehouse, ["read"], client="terraform", duration=1800)
    emit(r, "pending", t)
    emit(r, "approved", t + timedelta(seconds=1), decide("automatic", None))
    emit(r, "granted", t + timedelta(seconds=3))
    end = t + timedelta(seconds=1803)
    emit(r, "expired", end)
    t = end + timedelta(seconds=[12, 7, 30, 9][k])

events.sort(key=lambda e: e["occurred_at"])
lines = [json.dumps(e, separators=(",", ":")) for e in events]
# A re-sent event: the same event_id again later in the stream.
lines.insert(len(lines) // 2, lines[len(lines) // 3])
with open(os.path.join(HERE, "demo-stream.jsonl"), "w") as f:
    f.write("\n".join(lines) + "\n")

statuses = ["pending", "approved", "rejected", "granted", "revoked", "expired", "failed", "cancelled"]
for status in statuses:
    sample = next(e for e in events if e["request"]["status"] == status)
    with open(os.path.join(HERE, "samples", f"{status}.json"), "w") as f:
        json.dump(sample, f, indent=2)
        f.write("\n")

base = next(e for e in events if e["request"]["status"] == "pending")
def bad(mutate):
    e = copy.deepcopy(base); mutate(e); return json.dumps(e, separators=(",", ":"))
bad_lines = [
    '{"event_id": "evt-x", "occurred_at": ',
    bad(lambda e: e["request"].pop("created_at")),
    bad(lambda e: e["request"].__setitem__("status", "approvedd")),
    bad(lambda e: e.__setitem__("occurred_at", "2026-03-02 09:00")),
    bad(lambda e: e["request"].__setitem__("resources", [])),
    bad(lambda e: e["request"].__setitem__("permissions", "admin")),
    bad(lambda e: e.__setitem__("event_id", "")),
    bad(lambda e: e["request"]["requester"].pop("id")),
]
with open(os.path.join(HERE, "bad-lines.jsonl"), "w") as f:
    f.write("\n".join(bad_lines) + "\n")
print(f"{len(lines)} demo lines, {len(statuses)} samples, {len(bad_lines)} bad lines")
