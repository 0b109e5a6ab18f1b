//! One batch, end to end: read every item the batch needs in one go, run the rules event by
//! event on that snapshot, apply each event's writes in one conditional transaction, then
//! announce the new and changed anomalies. Any step that fails fails only the messages it
//! concerns; SQS redelivers them, and the event markers make redelivery safe:
//! - an event already applied is a duplicate; its anomalies are announced again if they
//!   never were (a crash between the write and the announcement);
//! - an event whose write conflicted with another Lambda is retried on fresh state;
//! - a state change naming a request the table does not hold (its create may still be on
//!   the way) is failed, so SQS redelivers it until the queue dead-letters it.

use crate::handler::Context;
use crate::message::Incoming;
use anomalies_core::anomaly::AnomalyType;
use anomalies_core::bus::{announce, Publication};
use anomalies_core::domain::{AccessEvent, Observation, RequestId, TenantId};
use anomalies_core::engine::{complete, ChangeKind};
use anomalies_core::store::dynamo::keys::{self, ItemKey};
use anomalies_core::store::dynamo::snapshot::{candidate_anomaly_keys, event_keys, Item, Snapshot};
use anomalies_core::store::{EventLog, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[cfg(test)]
mod tests;

/// Counts for the one summary line per invocation.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub messages: usize,
    pub events: usize,
    pub duplicates: usize,
    pub rejected: usize,
    /// Platform payloads about something else than an access request (skipped).
    pub ignored: usize,
    /// State changes for requests not (yet) known: failed, to be redelivered.
    pub unknown_requests: usize,
    pub failed: usize,
    pub anomalies: BTreeMap<AnomalyType, usize>,
    pub republished: usize,
    pub dynamodb_requests: u64,
}

/// The messages that must be retried (or dead-lettered), and the counts.
#[derive(Debug, Default)]
pub struct Outcome {
    pub failed: Vec<String>,
    pub summary: Summary,
}

/// Process one batch of messages with the clock at `now`.
pub async fn process(ctx: &Context, messages: Vec<Incoming>, now: DateTime<Utc>) -> Outcome {
    let requests_before = ctx.table.requests();
    let mut out = Outcome::default();
    out.summary.messages = messages.len();
    let mut events: Vec<(String, Observation)> = Vec::new();
    for message in messages {
        // An event dated in the future is rejected like a malformed one.
        let checked = message
            .observations
            .map_err(|e| e.to_string())
            .and_then(|list| {
                match list
                    .iter()
                    .find_map(|o| ctx.detector.check_times(o, now).err())
                {
                    Some(reason) => Err(reason.to_string()),
                    None => Ok(list),
                }
            });
        match checked {
            Ok(list) if list.is_empty() => out.summary.ignored += 1,
            Ok(list) => events.extend(list.into_iter().map(|o| (message.id.clone(), o))),
            Err(reason) => {
                tracing::warn!(message_id = %message.id, %reason, "rejected message");
                out.summary.rejected += 1;
                out.failed.push(message.id);
            }
        }
    }
    let mut snapshot = match load(ctx, &events).await {
        Ok(snapshot) => snapshot,
        Err(err) => {
            tracing::error!(error = %err, "cannot read the batch's items; the whole batch will be retried");
            out.failed.extend(events.into_iter().map(|(id, _)| id));
            out.summary.failed = out.failed.len().saturating_sub(out.summary.rejected);
            return out;
        }
    };
    let mut publications: Vec<(String, Publication)> = Vec::new();
    let mut republish: Vec<(String, ItemKey)> = Vec::new();
    for (id, observation) in events {
        let event = match complete(&snapshot, observation) {
            Ok(event) => event,
            Err(unknown) => {
                tracing::warn!(message_id = %id, reason = %unknown, "state change for an unknown request; it will be redelivered");
                out.summary.unknown_requests += 1;
                out.failed.push(id);
                continue;
            }
        };
        if snapshot.is_tainted(&event) {
            out.failed.push(id);
            continue;
        }
        if snapshot.has_seen(&event.tenant_id, &event.event_id) {
            out.summary.duplicates += 1;
            if let Some(marker) = snapshot.marker(&event.tenant_id, &event.event_id) {
                let tenant = &event.tenant_id;
                let keys = marker
                    .anomaly_ids
                    .iter()
                    .map(|a| ItemKey::new(keys::anomaly_pk(tenant, a), keys::SK_ANOMALY));
                republish.extend(keys.map(|k| (id.clone(), k)));
            }
            continue;
        }
        out.summary.events += 1;
        let outcome = ctx.detector.process(&mut snapshot, event.clone(), now);
        let produced = outcome
            .changes
            .iter()
            .map(|c| c.anomaly.id.clone())
            .collect();
        snapshot.touch_buckets(now);
        let writes = snapshot.take_writes(&event, produced);
        match ctx.table.apply(&writes).await {
            Ok(()) => {
                snapshot.commit();
                for change in outcome.changes {
                    *out.summary
                        .anomalies
                        .entry(change.anomaly.kind)
                        .or_default() += 1;
                    let version = snapshot
                        .anomaly_record(&change.anomaly.id)
                        .map_or(1, |r| r.version);
                    let publication = Publication {
                        kind: change.kind,
                        anomaly: change.anomaly,
                        version,
                    };
                    publications.push((id.clone(), publication));
                }
            }
            Err(err) => {
                tracing::warn!(message_id = %id, error = %err, "cannot apply the event; it will be retried");
                snapshot.rollback(&event);
                out.failed.push(id);
            }
        }
    }
    match unpublished(ctx, &republish).await {
        Ok(found) => {
            out.summary.republished = found.len();
            publications.extend(found);
        }
        Err(ids) => out.failed.extend(ids),
    }
    publish(ctx, &mut snapshot, publications, &mut out).await;
    out.failed.sort();
    out.failed.dedup();
    out.summary.failed = out.failed.len().saturating_sub(out.summary.rejected);
    out.summary.dynamodb_requests = ctx.table.requests() - requests_before;
    out
}

/// Read everything the batch's events may need, in as few requests as the limits allow:
/// first the requests that state changes name (their stored description says which other
/// items the change touches), then every item of every event.
async fn load(
    ctx: &Context,
    observations: &[(String, Observation)],
) -> Result<Snapshot, StoreError> {
    let mut snapshot = Snapshot::new(ctx.retention.clone());
    let mut named: Vec<ItemKey> = observations
        .iter()
        .filter_map(|(_, o)| match o {
            Observation::Change(c) => Some(ItemKey::new(
                keys::request_pk(&c.tenant_id, &c.request_id),
                keys::SK_REQUEST,
            )),
            Observation::Event(_) => None,
        })
        .collect();
    named.sort();
    named.dedup();
    if !named.is_empty() {
        for item in ctx.table.load(&named).await? {
            snapshot.load(item);
        }
    }
    // A change whose request is created earlier in this same batch is keyed by that create.
    let mut in_batch: HashMap<(TenantId, RequestId), &AccessEvent> = HashMap::new();
    let mut keys: Vec<ItemKey> = Vec::new();
    for (_, observation) in observations {
        let completed = match observation {
            Observation::Event(event) => {
                in_batch
                    .entry((event.tenant_id.clone(), event.request.id.clone()))
                    .or_insert(event);
                Some((**event).clone())
            }
            Observation::Change(change) => {
                complete(&snapshot, observation.clone()).ok().or_else(|| {
                    let key = (change.tenant_id.clone(), change.request_id.clone());
                    let create = in_batch.get(&key)?;
                    Some(change.clone().complete(create.request.clone()))
                })
            }
        };
        if let Some(event) = completed {
            keys.extend(
                event_keys(&event)
                    .into_iter()
                    .chain(candidate_anomaly_keys(&event)),
            );
        }
    }
    keys.retain(|k| !named.contains(k));
    if keys.is_empty() {
        return Ok(snapshot);
    }
    for item in ctx.table.load(&keys).await? {
        snapshot.load(item);
    }
    Ok(snapshot)
}

/// Anomalies of duplicate events that were stored but never announced. On a read error,
/// the messages concerned are failed (retried later).
async fn unpublished(
    ctx: &Context,
    wanted: &[(String, ItemKey)],
) -> Result<Vec<(String, Publication)>, Vec<String>> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<ItemKey> = wanted.iter().map(|(_, k)| k.clone()).collect();
    let items = ctx.table.load(&keys).await.map_err(|err| {
        tracing::warn!(error = %err, "cannot read anomalies to republish");
        wanted.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>()
    })?;
    let mut found = Vec::new();
    for item in items {
        let Item::Anomaly(record) = item else {
            continue;
        };
        if record.published {
            continue;
        }
        let pk = record.pk.clone();
        let Some((id, _)) = wanted.iter().find(|(_, k)| k.pk == pk) else {
            continue;
        };
        let kind = if record.version <= 1 {
            ChangeKind::Detected
        } else {
            ChangeKind::Updated
        };
        found.push((
            id.clone(),
            Publication {
                kind,
                version: record.version,
                anomaly: record.anomaly,
            },
        ));
    }
    Ok(found)
}

async fn publish(
    ctx: &Context,
    snapshot: &mut Snapshot,
    publications: Vec<(String, Publication)>,
    out: &mut Outcome,
) {
    if publications.is_empty() {
        return;
    }
    let (ids, items): (Vec<String>, Vec<Publication>) = publications.into_iter().unzip();
    let accepted = announce(&*ctx.bus, &items).await;
    let mut published = Vec::new();
    for ((id, publication), ok) in ids.into_iter().zip(&items).zip(accepted) {
        if ok {
            snapshot.set_published(&publication.anomaly.id);
            let a = &publication.anomaly;
            published.push((a.tenant_id.clone(), a.id.clone(), publication.version));
        } else {
            tracing::warn!(message_id = %id, anomaly = %publication.anomaly.id, "cannot publish; the message will be retried");
            out.failed.push(id);
        }
    }
    if let Err(err) = ctx.table.mark_published(&published).await {
        // Announced but not marked: a redelivery may announce them again (at least once).
        tracing::warn!(error = %err, "cannot mark anomalies published");
    }
}
