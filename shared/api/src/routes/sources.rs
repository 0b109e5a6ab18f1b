//! Source credentials and the intake route. `/v1/source-credentials` (JWT, the caller's
//! tenant) makes, lists and deletes the credentials an access platform posts with; the token
//! is shown once, when made. `POST /v1/sources/{source}/events` takes the platform's own
//! payloads with `Authorization: Bearer <token>` instead of a JWT: the tenant is the
//! credential's, once its secret matches, and the credential must be for that source.

use super::body::{json, Body};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::intake::MAX_INTAKE_BODY;
use crate::ports::EventIntake;
use crate::routes::AppState;
use anomalies_core::connectors::{Source, UnknownSource};
use anomalies_core::sources::{
    CredentialId, PresentedToken, SourceCredential, SourceStore, MAX_NAME_CHARS, MAX_PER_TENANT,
};
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// What the source routes need.
#[derive(Clone)]
pub struct SourceApi {
    pub store: Arc<dyn SourceStore>,
    /// Where accepted payloads go (the access-events bus on AWS; the detector in `serve`).
    pub intake: Arc<dyn EventIntake>,
}

fn api(state: &AppState) -> Result<&SourceApi, ApiError> {
    state.sources.as_ref().ok_or(ApiError::NoRoute)
}

fn source(name: &str) -> Result<Source, ApiError> {
    name.parse()
        .map_err(|e: UnknownSource| ApiError::parameter("source", e.to_string()))
}

fn view(credential: &SourceCredential) -> Value {
    json!({
        "id": credential.id.as_str(),
        "source": credential.source.as_str(),
        "name": credential.name,
        "created_at": credential.created_at,
        "intake_path": format!("/v1/sources/{}/events", credential.source),
    })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    source: String,
    name: String,
}

/// `POST /v1/source-credentials`: 201 with the credential and its token (shown only now).
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    Body(body): Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let api = api(&state)?;
    let input: CreateBody = json(&body, false)?;
    let source = source(&input.source)?;
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::parameter(
            "name",
            format!("must be 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    if api.store.list(&principal.tenant).await?.len() >= MAX_PER_TENANT {
        return Err(ApiError::LimitReached(format!(
            "a tenant has at most {MAX_PER_TENANT} source credentials; delete one first"
        )));
    }
    let (credential, token) = SourceCredential::issue(&principal.tenant, source, name, Utc::now());
    api.store.insert(&credential).await?;
    let mut shown = view(&credential);
    shown["token"] = json!(token);
    Ok((StatusCode::CREATED, Json(shown)))
}

/// `GET /v1/source-credentials`: the tenant's credentials, without tokens.
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    let api = api(&state)?;
    let items: Vec<Value> = api
        .store
        .list(&principal.tenant)
        .await?
        .iter()
        .map(view)
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// `DELETE /v1/source-credentials/{id}`: 204; the token stops working at once.
pub async fn delete(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let api = api(&state)?;
    let id = CredentialId::try_from(id).map_err(|_| ApiError::NoCredential)?;
    if api.store.delete(&principal.tenant, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NoCredential)
    }
}

/// The credential a request's bearer token names, if its secret matches.
async fn verified(api: &SourceApi, headers: &HeaderMap) -> Result<SourceCredential, ApiError> {
    const REQUIRED: &str = "a source token is required (Authorization: Bearer aas1.…)";
    const REFUSED: &str = "the source token is not valid";
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unauthorized(REQUIRED))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(ApiError::Unauthorized(REQUIRED))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized(REQUIRED));
    }
    let presented: PresentedToken = token
        .trim()
        .parse()
        .map_err(|_| ApiError::Unauthorized(REFUSED))?;
    let credential = api
        .store
        .get(&presented.tenant_id, &presented.id)
        .await?
        .filter(|c| c.accepts(&presented.secret))
        .ok_or(ApiError::Unauthorized(REFUSED))?;
    Ok(credential)
}

/// An intake body, within its own (larger) limit.
pub struct IntakeBody(Bytes);

impl FromRequest<AppState> for IntakeBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        match Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(Self(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::TooLarge {
                    limit: MAX_INTAKE_BODY,
                })
            }
            Err(rejection) => Err(ApiError::InvalidBody(rejection.body_text())),
        }
    }
}

/// `POST /v1/sources/{source}/events`: 200 with what was taken, 400 (with the same report)
/// when any payload was rejected — the others are taken all the same.
pub async fn intake(
    State(state): State<AppState>,
    Path(route): Path<String>,
    headers: HeaderMap,
    IntakeBody(body): IntakeBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let api = api(&state)?;
    let route = source(&route)?;
    let credential = verified(api, &headers).await?;
    if credential.source != route {
        return Err(ApiError::WrongSource {
            credential: credential.source.to_string(),
            route: route.to_string(),
        });
    }
    let report = api
        .intake
        .ingest(&credential.tenant_id, route, &body)
        .await
        .map_err(ApiError::QueueUnavailable)?;
    super::events::answer(&report)
}
