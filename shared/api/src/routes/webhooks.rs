//! Webhooks: create, list, read, change, delete, rotate the signing secret, send a test, and
//! list recent delivery attempts. Every call is scoped to the caller's tenant; secrets,
//! tokens and header values are shown never (the signing secret once, when created or
//! rotated). Target URLs are checked against SSRF on every create and URL change.

use super::body::{json, Body};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::params::{parse_limit, DEFAULT_LIMIT, MAX_LIMIT};
use crate::routes::AppState;
use anomalies_core::sample::sample_anomaly;
use anomalies_webhooks::delivery::request;
use anomalies_webhooks::format::Envelope;
use anomalies_webhooks::model::{EventType, InvalidField, Webhook, WebhookId, WebhookInput};
use anomalies_webhooks::retry::Class;
use anomalies_webhooks::send::Sender;
use anomalies_webhooks::store::{Attempt, Outcome, Stored, WebhookStore};
use anomalies_webhooks::target::TargetPolicy;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};
use std::sync::Arc;

/// Most webhooks per tenant.
pub const MAX_WEBHOOKS: usize = 25;

/// What the webhook routes need.
#[derive(Clone)]
pub struct WebhookApi {
    pub store: Arc<dyn WebhookStore>,
    pub sender: Arc<dyn Sender>,
    pub policy: TargetPolicy,
}

fn invalid(err: InvalidField) -> ApiError {
    ApiError::parameter(err.field, err.message)
}

fn api(state: &AppState) -> Result<&WebhookApi, ApiError> {
    state.webhooks.as_ref().ok_or(ApiError::NoRoute)
}

fn webhook_id(raw: &str) -> Result<WebhookId, ApiError> {
    WebhookId::try_from(raw.to_owned()).map_err(|_| ApiError::NoWebhook)
}

async fn stored(api: &WebhookApi, principal: &Principal, id: &str) -> Result<Stored, ApiError> {
    let id = webhook_id(id)?;
    api.store
        .get(&principal.tenant, &id)
        .await?
        .ok_or(ApiError::NoWebhook)
}

async fn check_target(api: &WebhookApi, url: &str) -> Result<(), ApiError> {
    api.policy
        .check(url)
        .await
        .map(|_| ())
        .map_err(|e| ApiError::parameter("url", e.to_string()))
}

fn view(webhook: &Webhook) -> Result<Value, ApiError> {
    serde_json::to_value(webhook.view()).map_err(ApiError::internal)
}

/// `POST /v1/webhooks`: 201 with the webhook and its signing secret (shown only now).
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    Body(body): Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let api = api(&state)?;
    let input: WebhookInput = json(&body, false)?;
    let webhook = Webhook::create(principal.tenant.clone(), input, Utc::now()).map_err(invalid)?;
    check_target(api, &webhook.url).await?;
    if api.store.list(&principal.tenant).await?.len() >= MAX_WEBHOOKS {
        return Err(ApiError::LimitReached(format!(
            "a tenant has at most {MAX_WEBHOOKS} webhooks; delete one first"
        )));
    }
    api.store.insert(&webhook).await?;
    let mut shown = view(&webhook)?;
    shown["secret"] = json!(webhook.secrets.current().as_str());
    Ok((StatusCode::CREATED, Json(shown)))
}

/// `GET /v1/webhooks`
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    let api = api(&state)?;
    let webhooks = api
        .store
        .list(&principal.tenant)
        .await?
        .iter()
        .map(|s| view(&s.webhook))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(json!({ "webhooks": webhooks })))
}

/// `GET /v1/webhooks/{id}`
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let stored = stored(api(&state)?, &principal, &id).await?;
    Ok(Json(view(&stored.webhook)?))
}

/// `PATCH /v1/webhooks/{id}`: fields present replace the stored ones.
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let api = api(&state)?;
    let input: WebhookInput = json(&body, false)?;
    if let Some(url) = &input.url {
        check_target(api, url).await?;
    }
    let Stored {
        mut webhook,
        version,
    } = stored(api, &principal, &id).await?;
    webhook.apply(input, Utc::now()).map_err(invalid)?;
    api.store.replace(&webhook, version).await?;
    Ok(Json(view(&webhook)?))
}

/// `DELETE /v1/webhooks/{id}`: 204; pending retries of its deliveries are dropped.
pub async fn delete(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let api = api(&state)?;
    let id = webhook_id(&id)?;
    if api.store.delete(&principal.tenant, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NoWebhook)
    }
}

/// `POST /v1/webhooks/{id}/rotate-secret`: the new secret (shown only now); the previous
/// one keeps verifying for 24 hours.
pub async fn rotate(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let api = api(&state)?;
    let Stored {
        mut webhook,
        version,
    } = stored(api, &principal, &id).await?;
    let secret = webhook.rotate_secret(Utc::now());
    api.store.replace(&webhook, version).await?;
    Ok(Json(json!({
        "secret": secret,
        "previous_secret_expires_at": webhook.secrets.previous_expiry(),
    })))
}

/// `POST /v1/webhooks/{id}/test`: send a sample anomaly now (event type `Webhook Test`,
/// no retries) and say how the receiver answered.
pub async fn test(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let api = api(&state)?;
    let webhook = stored(api, &principal, &id).await?.webhook;
    let now = Utc::now();
    let mut data = sample_anomaly("sample.user@example.com", 0);
    data.tenant_id = principal.tenant.clone();
    data.detected_at = now;
    data.updated_at = now;
    let envelope = Envelope {
        event_type: EventType::WebhookTest,
        event_time: now,
        data,
    };
    let delivery_id = format!("msg_test_{}", hex::encode(rand::random::<[u8; 12]>()));
    let outgoing = request(&webhook, &delivery_id, &envelope, 1, now)
        .map_err(|e| ApiError::parameter("format", e.to_string()))?;
    let answer = api.sender.send(outgoing).await;
    let delivered = answer.class == Class::Delivered;
    let attempt = Attempt {
        delivery_id: delivery_id.clone(),
        tenant_id: principal.tenant.clone(),
        webhook_id: webhook.id.clone(),
        anomaly_id: envelope.data.id.to_string(),
        event_type: EventType::WebhookTest,
        attempt: 1,
        attempted_at: now,
        outcome: if delivered {
            Outcome::Delivered
        } else {
            Outcome::Failed
        },
        status_code: answer.status,
        latency_ms: answer.latency_ms,
        error: answer.error.clone(),
        next_attempt_at: None,
    };
    if let Err(err) = api.store.record(&attempt).await {
        tracing::warn!(error = %err, "could not record a test attempt");
    }
    Ok(Json(json!({
        "delivered": delivered,
        "delivery_id": delivery_id,
        "status_code": answer.status,
        "latency_ms": answer.latency_ms,
        "body_excerpt": answer.body_excerpt,
        "error": answer.error,
    })))
}

/// `GET /v1/webhooks/{id}/deliveries?limit=N`: the latest attempts, newest first.
pub async fn deliveries(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let api = api(&state)?;
    let mut limit = DEFAULT_LIMIT;
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "limit" => {
                limit = parse_limit(&value, MAX_LIMIT)?;
            }
            other => {
                return Err(ApiError::parameter(
                    other,
                    "unknown parameter; known: limit",
                ))
            }
        }
    }
    let webhook = stored(api, &principal, &id).await?.webhook;
    let attempts = api
        .store
        .attempts(&principal.tenant, &webhook.id, limit)
        .await?;
    let shown: Vec<Value> = attempts
        .iter()
        .map(|a| {
            let mut v = serde_json::to_value(a).unwrap_or_default();
            if let Some(map) = v.as_object_mut() {
                map.remove("tenant_id");
            }
            v
        })
        .collect();
    Ok(Json(json!({ "deliveries": shown })))
}
