//! `POST /v1/events` (`anomalies serve` only): push one JSON event or JSON lines by hand.
//! Events for another tenant than the caller's are rejected line by line.

use super::body::Body;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::ports::IntakeReport;
use crate::routes::AppState;
use axum::extract::State;
use axum::Json;

pub async fn push(
    State(state): State<AppState>,
    principal: Principal,
    Body(body): Body,
) -> Result<Json<IntakeReport>, ApiError> {
    let intake = state.intake.as_ref().ok_or(ApiError::NotSupported)?;
    Ok(Json(intake.ingest(&principal.tenant, &body).await))
}
