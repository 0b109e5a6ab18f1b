//! Bulk triage (`POST /v1/anomalies/triage`): one status change for many anomalies of the
//! caller's tenant at once — named by id, or every anomaly the list route's filter matches —
//! at most [`MAX_BULK`] per call. Each change is stored and announced as a single triage is;
//! one that fails is reported by id and blocks no other.

use super::body::{json, Body};
use super::triage::{requested_change, updated_event};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::params;
use crate::routes::AppState;
use anomalies_core::anomaly::{Anomaly, TriageStatus};
use anomalies_core::domain::AnomalyId;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

/// Most anomalies one bulk change may touch (one request must finish well inside API
/// Gateway's 30 s integration timeout: each is a conditional write on DynamoDB).
pub const MAX_BULK: usize = 500;
/// Longest `filter` accepted (the list route's parameters fit many times over).
pub const MAX_FILTER_CHARS: usize = 4_000;
/// The list route's page size used to collect what a filter matches.
const PAGE: usize = params::MAX_LIMIT;

/// `POST /v1/anomalies/triage` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkBody {
    status: Option<TriageStatus>,
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    note: Option<String>,
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    suppress_until: Option<DateTime<Utc>>,
    /// The anomalies to change, by id.
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    ids: Option<Vec<String>>,
    /// Every anomaly matching these list parameters (`type=…&severity=…&last=7d`).
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    filter: Option<String>,
}

fn failure(id: &str, err: &ApiError) -> Value {
    json!({ "id": id, "code": err.code(), "message": err.to_string() })
}

/// The ids a filter matches, newest first; more than [`MAX_BULK`] is refused.
async fn matching(
    state: &AppState,
    principal: &Principal,
    filter: &str,
    now: DateTime<Utc>,
) -> Result<Vec<AnomalyId>, ApiError> {
    if filter.chars().count() > MAX_FILTER_CHARS {
        return Err(ApiError::parameter(
            "filter",
            format!("is longer than {MAX_FILTER_CHARS} characters"),
        ));
    }
    let query = params::list(Some(filter), now, state.lookback)?;
    if query.cursor.is_some() {
        return Err(ApiError::parameter(
            "cursor",
            "a bulk filter takes no cursor",
        ));
    }
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = state
            .anomalies
            .page(&principal.tenant, &query.filter, after.as_deref(), PAGE)
            .await?;
        ids.extend(page.anomalies.iter().map(|a| a.id.clone()));
        if ids.len() > MAX_BULK {
            return Err(ApiError::parameter(
                "filter",
                format!(
                    "matches more than {MAX_BULK} anomalies; narrow it and change them in steps"
                ),
            ));
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(ids),
        }
    }
}

/// Longest id a body may name, in characters (what the document allows; the id is echoed
/// back when it is not found).
const MAX_ID_CHARS: usize = 128;

/// The ids named in the body (duplicates once; an impossible id is reported, not fatal).
fn named(raw: Vec<String>) -> Result<Vec<Result<AnomalyId, String>>, ApiError> {
    if let Some(i) = raw.iter().position(|id| id.chars().count() > MAX_ID_CHARS) {
        return Err(ApiError::InvalidBody(format!(
            "ids[{i}] is longer than {MAX_ID_CHARS} characters"
        )));
    }
    if raw.is_empty() {
        return Err(ApiError::InvalidBody(
            "ids must name at least one anomaly".into(),
        ));
    }
    if raw.len() > MAX_BULK {
        return Err(ApiError::InvalidBody(format!(
            "ids names {} anomalies; at most {MAX_BULK} at once",
            raw.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    Ok(raw
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .map(|id| super::anomalies::anomaly_id(&id).map_err(|_| id))
        .collect())
}

/// `POST /v1/anomalies/triage`
pub async fn triage_many(
    State(state): State<AppState>,
    principal: Principal,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let body: BulkBody = json(&body, false)?;
    let now = Utc::now();
    let change = requested_change(body.status, body.note, body.suppress_until)?;
    let targets = match (body.ids, body.filter) {
        (Some(ids), None) => named(ids)?,
        (None, Some(filter)) => matching(&state, &principal, &filter, now)
            .await?
            .into_iter()
            .map(Ok)
            .collect(),
        _ => {
            return Err(ApiError::InvalidBody(
                "give exactly one of `ids` or `filter`".into(),
            ))
        }
    };
    let matched = targets.len();
    let mut failed = Vec::new();
    let mut stored = Vec::new();
    let actor = principal.actor.clone();
    let edit = |a: &mut Anomaly| change.apply(a, &actor, now);
    for target in targets {
        let id = match target {
            Ok(id) => id,
            Err(raw) => {
                failed.push(failure(&raw, &ApiError::NotFound));
                continue;
            }
        };
        match state.anomalies.modify(&principal.tenant, &id, &edit).await {
            Ok(Some(versioned)) => stored.push(versioned),
            Ok(None) => failed.push(failure(id.as_str(), &ApiError::NotFound)),
            Err(err) => failed.push(failure(id.as_str(), &ApiError::from(err))),
        }
    }
    let events = stored
        .iter()
        .map(|v| updated_event(&v.anomaly))
        .collect::<Result<Vec<_>, _>>()?;
    let results = state.bus.put(&events).await;
    let mut changed = Vec::new();
    for (versioned, result) in stored.iter().zip(results) {
        let id = &versioned.anomaly.id;
        match result {
            Ok(()) => {
                if let Err(err) = state
                    .anomalies
                    .mark_published(&principal.tenant, id, versioned.version)
                    .await
                {
                    tracing::warn!(error = %err, anomaly = %id, "could not mark published");
                }
                changed.push(json!(id.as_str()));
            }
            Err(err) => failed.push(failure(id.as_str(), &ApiError::PublishFailed(err))),
        }
    }
    Ok(Json(json!({
        "status": change.status,
        "matched": matched,
        "changed": changed,
        "failed": failed,
    })))
}
