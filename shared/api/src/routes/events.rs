//! `POST /v1/events[?source=…]` (`anomalies serve` only): push one JSON event or JSON lines
//! by hand, in our contract or (with `source`) a platform's own format. Events for another
//! tenant than the caller's are rejected line by line. It answers as the intake route does
//! ([`answer`]): 200 with what was taken, 400 with the same report when anything was rejected.

use super::body::Body;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::ports::IntakeReport;
use crate::routes::AppState;
use anomalies_core::connectors::Source;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;

/// The `source` parameter (default: our contract); anything else is refused, named.
fn source(query: Option<&str>) -> Result<Source, ApiError> {
    let mut source = None;
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "source" if source.is_some() => {
                return Err(ApiError::parameter("source", "may be given only once"))
            }
            "source" => {
                source = Some(value.parse().map_err(
                    |e: anomalies_core::connectors::UnknownSource| {
                        ApiError::parameter("source", e.to_string())
                    },
                )?)
            }
            other => {
                return Err(ApiError::parameter(
                    other,
                    "unknown parameter; known: source",
                ))
            }
        }
    }
    Ok(source.unwrap_or(Source::V1))
}

pub async fn push(
    State(state): State<AppState>,
    principal: Principal,
    RawQuery(query): RawQuery,
    Body(body): Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let source = source(query.as_deref())?;
    let intake = state.intake.as_ref().ok_or(ApiError::NotSupported)?;
    let report = intake
        .ingest(&principal.tenant, source, &body)
        .await
        .map_err(ApiError::QueueUnavailable)?;
    answer(&report)
}

/// An intake's answer: 200 with the report, or 400 with it when any payload was rejected
/// (the others are taken all the same).
pub(super) fn answer(report: &IntakeReport) -> Result<(StatusCode, Json<Value>), ApiError> {
    let status = if report.rejected.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = serde_json::to_value(report).map_err(ApiError::internal)?;
    Ok((status, Json(body)))
}
