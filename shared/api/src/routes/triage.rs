//! Triage: set an anomaly's status (with a note and, when dismissing, a suppression end) and
//! ask the access platform to revoke the access. Each is stored in the anomaly's history,
//! then announced on the anomalies bus.

use super::anomalies::{anomaly_id, details};
use super::body::{json, Body};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::ports::Versioned;
use crate::routes::AppState;
use anomalies_core::anomaly::{Anomaly, TriageStatus};
use anomalies_core::bus::{BusEvent, DetailType};
use anomalies_core::engine::ChangeKind;
use anomalies_core::triage::{request_revoke, unchanged_since, RevokeRequest, TriageChange};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Mutex;

/// `PATCH /v1/anomalies/{id}` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TriageBody {
    status: Option<TriageStatus>,
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    note: Option<String>,
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    suppress_until: Option<DateTime<Utc>>,
    /// The `updated_at` the caller read: the change applies only to that version (else 409).
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    expected_updated_at: Option<DateTime<Utc>>,
}

/// `POST /v1/anomalies/{id}/revoke` body (optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    reason: Option<String>,
}

/// The status change a body asks for, checked on its own (before any record is read).
pub(super) fn requested_change(
    status: Option<TriageStatus>,
    note: Option<String>,
    suppress_until: Option<DateTime<Utc>>,
) -> Result<TriageChange, ApiError> {
    let status = status.ok_or_else(|| ApiError::InvalidBody("missing field `status`".into()))?;
    let change = TriageChange {
        status,
        note,
        suppress_until,
    };
    change
        .validate()
        .map_err(|e| ApiError::InvalidBody(e.to_string()))?;
    Ok(change)
}

pub(super) fn updated_event(anomaly: &Anomaly) -> Result<BusEvent, ApiError> {
    BusEvent::anomaly(ChangeKind::Updated, anomaly).map_err(ApiError::internal)
}

/// Announce, then record that the stored version was announced.
pub(super) async fn announce(
    state: &AppState,
    principal: &Principal,
    stored: &Versioned,
    events: Vec<BusEvent>,
) -> Result<(), ApiError> {
    let results = state.bus.put(&events).await;
    if let Some(Err(err)) = results.into_iter().find(Result::is_err) {
        return Err(ApiError::PublishFailed(err));
    }
    let id = &stored.anomaly.id;
    if let Err(err) = state
        .anomalies
        .mark_published(&principal.tenant, id, stored.version)
        .await
    {
        // Announced already; a stale flag only means a possible duplicate announcement.
        tracing::warn!(error = %err, anomaly = %id, "could not mark published");
    }
    Ok(())
}

/// `PATCH /v1/anomalies/{id}`
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let id = anomaly_id(&id)?;
    let body: TriageBody = json(&body, false)?;
    let now = Utc::now();
    let change = requested_change(body.status, body.note, body.suppress_until)?;
    let actor = principal.actor.clone();
    let read = body.expected_updated_at;
    let edit = move |a: &mut Anomaly| {
        unchanged_since(a, read)?;
        change.apply(a, &actor, now)
    };
    let stored = state
        .anomalies
        .modify(&principal.tenant, &id, &edit)
        .await?
        .ok_or(ApiError::NotFound)?;
    announce(
        &state,
        &principal,
        &stored,
        vec![updated_event(&stored.anomaly)?],
    )
    .await?;
    Ok(Json(details(&state, &stored.anomaly)?))
}

/// `POST /v1/anomalies/{id}/revoke`
pub async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = anomaly_id(&id)?;
    let body: RevokeBody = json(&body, true)?;
    let now = Utc::now();
    let request: Mutex<Option<RevokeRequest>> = Mutex::new(None);
    let actor = principal.actor.clone();
    let edit = |a: &mut Anomaly| {
        let event = request_revoke(a, &actor, body.reason.clone(), now)?;
        if let Ok(mut slot) = request.lock() {
            *slot = Some(event);
        }
        Ok(())
    };
    let stored = state
        .anomalies
        .modify(&principal.tenant, &id, &edit)
        .await?
        .ok_or(ApiError::NotFound)?;
    let revoke = request
        .into_inner()
        .ok()
        .flatten()
        .ok_or_else(|| ApiError::internal("revocation request was not built"))?;
    let requested = BusEvent::new(
        DetailType::RevokeAccessRequested,
        stored.anomaly.id.as_str(),
        &revoke,
    )
    .map_err(ApiError::internal)?;
    let revoke_json = requested.detail.clone();
    let events = vec![requested, updated_event(&stored.anomaly)?];
    announce(&state, &principal, &stored, events).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "status": "accepted", "revoke": revoke_json })),
    ))
}
