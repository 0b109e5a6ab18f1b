//! `POST /v1/events[?source=…]` (`anomalies serve` only): push one JSON event or JSON lines
//! by hand, in our contract or (with `source`) a platform's own format. Events for another
//! tenant than the caller's are rejected line by line.

use super::body::Body;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::ports::IntakeReport;
use crate::routes::AppState;
use anomalies_core::connectors::Source;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PushParams {
    source: Option<String>,
}

pub async fn push(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<PushParams>,
    Body(body): Body,
) -> Result<Json<IntakeReport>, ApiError> {
    let source = match params.source.as_deref() {
        None => Source::V1,
        Some(name) => name
            .parse()
            .map_err(|e: anomalies_core::connectors::UnknownSource| {
                ApiError::parameter("source", e.to_string())
            })?,
    };
    let intake = state.intake.as_ref().ok_or(ApiError::NotSupported)?;
    let report = intake
        .ingest(&principal.tenant, source, &body)
        .await
        .map_err(ApiError::QueueUnavailable)?;
    Ok(Json(report))
}
