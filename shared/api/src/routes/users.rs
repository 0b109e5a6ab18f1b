//! `GET /v1/users?dormant=true`: requesters with no request for the inactivity window, with
//! their last request, longest inactive first, paged with a signed cursor.

use crate::auth::Principal;
use crate::cursor;
use crate::error::ApiError;
use crate::params::{parse_limit, DEFAULT_LIMIT, MAX_LIMIT};
use crate::routes::AppState;
use axum::extract::{RawQuery, State};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};

const LIST: &str = "dormant-users";

struct UsersQuery {
    limit: usize,
    cursor: Option<String>,
}

fn parse(query: Option<&str>) -> Result<UsersQuery, ApiError> {
    let mut dormant = None;
    let mut out = UsersQuery {
        limit: DEFAULT_LIMIT,
        cursor: None,
    };
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "dormant" if value == "true" => dormant = Some(true),
            "dormant" => {
                return Err(ApiError::parameter(
                    "dormant",
                    "only dormant=true is supported: this lists dormant users",
                ))
            }
            "limit" => {
                out.limit = parse_limit(&value, MAX_LIMIT)?;
            }
            "cursor" => out.cursor = Some(value.into_owned()),
            other => {
                return Err(ApiError::parameter(
                    other,
                    "unknown parameter; known: cursor, dormant, limit",
                ))
            }
        }
    }
    if dormant.is_none() {
        return Err(ApiError::parameter("dormant", "is required (dormant=true)"));
    }
    Ok(out)
}

/// `GET /v1/users?dormant=true`
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = parse(query.as_deref())?;
    let now = Utc::now();
    let tenant = &principal.tenant;
    let after = match &query.cursor {
        Some(c) => Some(cursor::open_for_list(
            &state.cursor_key,
            tenant,
            LIST,
            c,
            now,
        )?),
        None => None,
    };
    let page = state
        .requesters
        .dormant(tenant, after.as_deref(), query.limit)
        .await?;
    let next = page
        .next
        .as_deref()
        .map(|p| cursor::issue_for_list(&state.cursor_key, tenant, LIST, p, now));
    Ok(Json(json!({ "users": page.users, "next_cursor": next })))
}
