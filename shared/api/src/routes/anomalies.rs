//! Reading anomalies: the filtered list, facet counts, one anomaly's details.

use crate::auth::Principal;
use crate::cursor;
use crate::error::ApiError;
use crate::params;
use crate::routes::AppState;
use anomalies_core::anomaly::Anomaly;
use anomalies_core::domain::AnomalyId;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};

/// Response header with the index items read (for measuring query cost).
pub const ITEMS_READ_HEADER: &str = "x-items-read";

/// Parse a path id; an impossible id is simply not found.
pub(super) fn anomaly_id(raw: &str) -> Result<AnomalyId, ApiError> {
    if raw.len() > 128 {
        return Err(ApiError::NotFound);
    }
    AnomalyId::try_from(raw).map_err(|_| ApiError::NotFound)
}

fn with_items_read(mut response: Response, items_read: u64) -> Response {
    response
        .headers_mut()
        .insert(ITEMS_READ_HEADER, HeaderValue::from(items_read));
    response
}

/// `GET /v1/anomalies`
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let now = Utc::now();
    let mut query = params::list(query.as_deref(), now, state.lookback)?;
    let tenant = &principal.tenant;
    let after = match &query.cursor {
        Some(c) => Some(cursor::open(
            &state.cursor_key,
            tenant,
            &mut query.filter,
            c,
            now,
        )?),
        None => None,
    };
    let page = state
        .anomalies
        .page(tenant, &query.filter, after.as_deref(), query.limit)
        .await?;
    let next = page
        .next
        .as_deref()
        .map(|p| cursor::issue(&state.cursor_key, tenant, &query.filter, p, now));
    let items: Vec<&Anomaly> = page.anomalies.iter().map(|a| &**a).collect();
    let body = json!({
        "items": items,
        "next_cursor": next,
        "window": { "from": query.filter.from, "to": query.filter.to },
    });
    Ok(with_items_read(Json(body).into_response(), page.items_read))
}

/// `GET /v1/anomalies/facets`
pub async fn facets(
    State(state): State<AppState>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = params::facets(query.as_deref(), Utc::now(), state.lookback)?;
    let facets = state
        .anomalies
        .facets(
            &principal.tenant,
            &query.filter,
            query.field,
            query.search.as_deref(),
            query.limit,
        )
        .await?;
    let values: Vec<Value> = facets
        .values
        .iter()
        .map(|v| json!({ "value": v.value, "label": v.label, "count": v.count }))
        .collect();
    let body = json!({
        "field": query.field.as_str(),
        "values": values,
        "matched": facets.matched,
        "truncated": facets.truncated,
        "window": { "from": query.filter.from, "to": query.filter.to },
    });
    Ok(with_items_read(
        Json(body).into_response(),
        facets.items_read,
    ))
}

/// The details document: the record, its links.
pub(super) fn details(state: &AppState, anomaly: &Anomaly) -> Result<Value, ApiError> {
    let mut value = serde_json::to_value(anomaly).map_err(ApiError::internal)?;
    if let Value::Object(map) = &mut value {
        map.insert("links".into(), Value::Object(state.links.links(anomaly)));
        map.entry("history").or_insert_with(|| json!([]));
    }
    Ok(value)
}

/// `GET /v1/anomalies/{id}`
pub async fn details_route(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = anomaly_id(&id)?;
    let anomaly = state
        .anomalies
        .get(&principal.tenant, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(details(&state, &anomaly)?))
}
