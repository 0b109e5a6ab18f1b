//! Who is calling: the tenant and actor of every protected request. On AWS they come from the
//! claims API Gateway's JWT authorizer verified (claim names configurable); `anomalies serve`
//! checks a bearer token and acts for one configured tenant. Never from the query string or
//! body.

use crate::error::ApiError;
use crate::routes::AppState;
use anomalies_core::domain::TenantId;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub tenant: TenantId,
    pub actor: String,
}

/// Which JWT claims hold the tenant and the actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimNames {
    pub tenant: String,
    pub actor: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        Self {
            tenant: "tenant_id".into(),
            actor: "sub".into(),
        }
    }
}

/// Reads the verified claims a request carries (set by the Lambda adapter from the API
/// Gateway request context).
pub type ClaimsSource = fn(&Parts) -> Option<HashMap<String, String>>;

/// How requests are authenticated.
#[derive(Clone)]
pub enum Auth {
    /// A static bearer token acting for one tenant (`anomalies serve`).
    Bearer { token: String, principal: Principal },
    /// Claims verified by API Gateway's JWT authorizer.
    Claims {
        names: ClaimNames,
        source: ClaimsSource,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        match self {
            Self::Bearer { principal, .. } => write!(f, "Bearer(tenant={})", principal.tenant),
            Self::Claims { names, .. } => write!(f, "Claims({names:?})"),
        }
    }
}

/// Compare secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

/// The principal named by verified claims.
pub fn from_claims(
    claims: &HashMap<String, String>,
    names: &ClaimNames,
) -> Result<Principal, ApiError> {
    let tenant = claims
        .get(&names.tenant)
        .filter(|t| !t.contains('#'))
        .and_then(|t| TenantId::try_from(t.as_str()).ok())
        .ok_or(ApiError::Unauthorized(
            "the token has no valid tenant claim",
        ))?;
    let actor = claims
        .get(&names.actor)
        .filter(|a| !a.trim().is_empty())
        .ok_or(ApiError::Unauthorized("the token has no actor claim"))?;
    Ok(Principal {
        tenant,
        actor: actor.clone(),
    })
}

impl Auth {
    pub fn authenticate(&self, parts: &Parts) -> Result<Principal, ApiError> {
        match self {
            Self::Bearer { token, principal } => {
                let given = parts
                    .headers
                    .get(http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .ok_or(ApiError::Unauthorized("send Authorization: Bearer <token>"))?;
                if same_secret(given.trim(), token) {
                    Ok(principal.clone())
                } else {
                    Err(ApiError::Unauthorized("the bearer token is not valid"))
                }
            }
            Self::Claims { names, source } => {
                let claims = source(parts).ok_or(ApiError::Unauthorized(
                    "no verified JWT claims on the request",
                ))?;
                from_claims(&claims, names)
            }
        }
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        state.auth.authenticate(parts)
    }
}
