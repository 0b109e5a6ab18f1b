//! The inactivity sweep: requesters whose latest request is older than the inactivity window
//! are marked dormant, so the API can list them. It reads only the activity-day partitions
//! that have just passed the window (each day once, `gsi7`), a page at a time, checkpointing
//! like the automation sweep. A requester who requests again leaves the dormant index (ingest
//! refreshes the record), and their request still raises `inactive_user`: the requester item
//! has no TTL, so the last request time outlives the request history.

use crate::handler::{Context, Summary, SweepError};
use anomalies_core::store::dynamo::keys::{self, ItemKey};
use anomalies_core::store::dynamo::records::SweepCheckpoint;
use anomalies_core::store::dynamo::snapshot::{Condition, Item, WriteSet};
use anomalies_core::store::StoreError;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Requesters read and written together (one TransactWriteItems of at most 25, under 100).
const CHUNK: usize = 25;
/// Days checked on the very first run (before it, no day has been).
const FIRST_RUN_DAYS: i64 = 30;

/// The last activity day entirely older than the window at `at`.
fn last_day(at: DateTime<Utc>, inactivity: Duration) -> NaiveDate {
    (at - inactivity).date_naive() - Duration::days(1)
}

/// Mark dormant requesters as of `at`, within `budget` requesters.
pub async fn sweep(
    ctx: &Context,
    at: DateTime<Utc>,
    mut budget: usize,
    summary: &mut Summary,
) -> Result<(), SweepError> {
    let days = i64::from(ctx.detector.config().inactive_user.inactivity_days);
    let inactivity = Duration::days(days);
    let cutoff = at - inactivity;
    let through = last_day(at, inactivity);
    let mut state = ctx.table.state().await?;
    let mut day = match (&state.dormant_pending, state.dormant_through) {
        (Some(pending), _) => pending.at.date_naive(),
        (None, Some(done)) => done + Duration::days(1),
        (None, None) => through - Duration::days(FIRST_RUN_DAYS - 1),
    };
    while day <= through {
        let partitions = keys::activity_day_partitions(day);
        let (mut position, mut after) = match state.dormant_pending.take() {
            Some(p) => (p.partition, p.after),
            None => (0, None),
        };
        while position < partitions.len() {
            let start_of_day = day.and_time(chrono::NaiveTime::MIN).and_utc();
            if budget == 0 {
                state.dormant_pending = Some(SweepCheckpoint {
                    at: start_of_day,
                    partition: position,
                    after,
                });
                ctx.table.save_state(&mut state).await?;
                summary.complete = false;
                return Ok(());
            }
            let partition = &partitions[position];
            let (requesters, next) = ctx
                .table
                .activity_requesters(partition, after.as_deref(), budget.min(CHUNK))
                .await?;
            summary.partitions_read += 1;
            match next {
                Some(last) => after = Some(last),
                None => (position, after) = (position + 1, None),
            }
            if requesters.is_empty() {
                continue;
            }
            budget = budget.saturating_sub(requesters.len());
            summary.dormant += mark(ctx, &requesters, partition, cutoff, at).await?;
            state.dormant_pending = Some(SweepCheckpoint {
                at: start_of_day,
                partition: position,
                after: after.clone(),
            });
            ctx.table.save_state(&mut state).await?;
        }
        state.dormant_pending = None;
        state.dormant_through = Some(day);
        ctx.table.save_state(&mut state).await?;
        day += Duration::days(1);
    }
    Ok(())
}

/// Mark these requesters dormant where they still are inactive; a requester who changed
/// meanwhile is left to the next read of its (new) day.
async fn mark(
    ctx: &Context,
    requesters: &[String],
    partition: &str,
    cutoff: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<usize, SweepError> {
    let keys: Vec<ItemKey> = requesters
        .iter()
        .map(|pk| ItemKey::new(pk.clone(), keys::SK_REQUESTER))
        .collect();
    let mut puts = Vec::new();
    for item in ctx.table.load(&keys).await? {
        let Item::Requester(mut record) = item else {
            continue;
        };
        let inactive = record
            .last_activity
            .as_ref()
            .is_some_and(|a| a.created_at < cutoff);
        if !inactive || record.is_dormant() || record.gsi7pk.as_deref() != Some(partition) {
            continue;
        }
        let expected = record.version;
        record.version += 1;
        record.mark_dormant(at);
        puts.push((Item::Requester(record), Condition::Version(expected)));
    }
    let marked = puts.len();
    if marked == 0 {
        return Ok(0);
    }
    match ctx.table.apply(&WriteSet { puts }).await {
        Ok(()) => Ok(marked),
        // Someone requested meanwhile: no longer dormant, or to be checked on a later day.
        Err(StoreError::Conflict) => Ok(0),
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_checked_once_it_is_wholly_older_than_the_window() {
        let at = DateTime::parse_from_rfc3339("2026-06-10T00:15:00Z")
            .unwrap()
            .with_timezone(&Utc);
        // 90 days before is 2026-03-12T00:15: 2026-03-11 is wholly older, 2026-03-12 is not.
        assert_eq!(last_day(at, Duration::days(90)).to_string(), "2026-03-11");
    }
}
