//! API errors: each maps to a status and a JSON body
//! `{"error": {"code", "message", "parameter"?}}` naming what was wrong.

use crate::ports::RepoError;
use anomalies_core::bus::BusError;
use anomalies_core::errors::BoxError;
use anomalies_core::store::StoreError;
use anomalies_core::triage::TriageError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{parameter}: {message}")]
    InvalidParameter { parameter: String, message: String },
    #[error("invalid body: {0}")]
    InvalidBody(String),
    #[error("authentication required: {0}")]
    Unauthorized(&'static str),
    #[error("no anomaly with this id")]
    NotFound,
    #[error("no webhook with this id")]
    NoWebhook,
    #[error("no such route")]
    NoRoute,
    #[error("the request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the anomaly kept changing while this change was applied; try again")]
    Conflict,
    /// The change was made to an older version than the stored one.
    #[error("{0}")]
    Stale(#[source] TriageError),
    #[error("the change was stored but could not be announced: {0}")]
    PublishFailed(#[source] BusError),
    #[error("the store is unavailable; try again: {0}")]
    Unavailable(#[source] BoxError),
    #[error("internal error: {0}")]
    Internal(#[source] BoxError),
    #[error("this server does not accept events")]
    NotSupported,
    #[error("no source credential with this id")]
    NoCredential,
    /// A valid source credential used on another source's route.
    #[error("this credential is for source {credential}, not {route}")]
    WrongSource { credential: String, route: String },
    #[error("the events could not be queued; retry: {0}")]
    QueueUnavailable(#[source] BusError),
    /// The token is valid but lacks the scope this call needs.
    #[error("{0}")]
    Forbidden(String),
    /// The tenant already has as many of these as it may (a state, not a bad request: it
    /// succeeds once one is deleted).
    #[error("{0}")]
    LimitReached(String),
}

impl ApiError {
    pub fn parameter(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidParameter {
            parameter: parameter.into(),
            message: message.into(),
        }
    }

    /// A server-side failure (logged; answered 500).
    pub fn internal(cause: impl Into<BoxError>) -> Self {
        Self::Internal(cause.into())
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::InvalidParameter { .. } | Self::InvalidBody(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound | Self::NoWebhook | Self::NoRoute | Self::NoCredential => {
                StatusCode::NOT_FOUND
            }
            Self::WrongSource { .. } | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::QueueUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Conflict | Self::Stale(_) | Self::LimitReached(_) => StatusCode::CONFLICT,
            Self::PublishFailed(_) => StatusCode::BAD_GATEWAY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotSupported => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    /// The machine-readable code in the error body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidParameter { .. } => "invalid_parameter",
            Self::InvalidBody(_) => "invalid_body",
            Self::Unauthorized(_) => "unauthorized",
            Self::NotFound | Self::NoWebhook | Self::NoRoute | Self::NoCredential => "not_found",
            Self::WrongSource { .. } | Self::Forbidden(_) => "forbidden",
            Self::QueueUnavailable(_) => "unavailable",
            Self::TooLarge { .. } => "payload_too_large",
            Self::Conflict | Self::Stale(_) => "conflict",
            Self::LimitReached(_) => "limit_reached",
            Self::PublishFailed(_) => "publish_failed",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
            Self::NotSupported => "not_supported",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict => Self::Conflict,
            err if err.is_retryable() => Self::Unavailable(Box::new(err)),
            err => Self::Internal(Box::new(err)),
        }
    }
}

impl From<RepoError> for ApiError {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::Triage(e @ TriageError::Changed { .. }) => Self::Stale(e),
            RepoError::Triage(e) => Self::InvalidBody(e.to_string()),
            RepoError::Store(e) => e.into(),
            RepoError::Read(e) if e.is_retryable() => Self::Unavailable(Box::new(e)),
            RepoError::Read(e) => Self::Internal(Box::new(e)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut error = json!({ "code": self.code(), "message": self.to_string() });
        if let Self::InvalidParameter { parameter, .. } = &self {
            error["parameter"] = json!(parameter);
        }
        let mut response = (status, axum::Json(json!({ "error": error }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
