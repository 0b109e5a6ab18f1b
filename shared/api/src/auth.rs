//! Who is calling: the tenant and actor of every protected request, and whether it may change
//! anything. On AWS they come from the claims API Gateway's JWT authorizer verified (claim
//! names configurable); `anomalies serve` checks a bearer token and acts for one configured
//! tenant. Never from the query string or body.
//!
//! Scopes: with a [`ScopeRule`], reading (GET) needs the read or the write scope and every
//! other method (triage, revoke, webhook and source-credential management, intake by hand)
//! the write scope, from a claim holding space-separated values (`scope` of an access token)
//! or a list (`cognito:groups` of an ID token). Without one, every valid token may do all.

use crate::error::ApiError;
use crate::routes::AppState;
use anomalies_core::domain::TenantId;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

/// The verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub tenant: TenantId,
    pub actor: String,
    pub access: Access,
}

/// Which claim carries the caller's scopes, and the two scopes that count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeRule {
    pub claim: String,
    pub read: String,
    pub write: String,
}

/// The default read and write scopes (a Cognito resource server `access-anomalies`).
pub const DEFAULT_READ_SCOPE: &str = "access-anomalies/read";
pub const DEFAULT_WRITE_SCOPE: &str = "access-anomalies/write";

/// Which JWT claims hold the tenant, the actor and (when enforced) the scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimNames {
    pub tenant: String,
    pub actor: String,
    pub scopes: Option<ScopeRule>,
}

impl Default for ClaimNames {
    fn default() -> Self {
        Self {
            tenant: "tenant_id".into(),
            actor: "sub".into(),
            scopes: None,
        }
    }
}

/// The values of a scope claim: space- or comma-separated, maybe as API Gateway renders a
/// list (`[a b]`), maybe a JSON array.
fn granted(value: &str) -> Vec<String> {
    if let Ok(list) = serde_json::from_str::<Vec<String>>(value) {
        return list;
    }
    value
        .trim_matches(|c| c == '[' || c == ']')
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The access the claims grant under `rule`.
fn access(claims: &HashMap<String, String>, rule: &ScopeRule) -> Result<Access, ApiError> {
    let scopes = claims
        .get(&rule.claim)
        .map(|v| granted(v))
        .unwrap_or_default();
    if scopes.iter().any(|s| s == &rule.write) {
        Ok(Access::ReadWrite)
    } else if scopes.iter().any(|s| s == &rule.read) {
        Ok(Access::ReadOnly)
    } else {
        Err(ApiError::Forbidden(format!(
            "the token's {} claim has neither {} nor {}",
            rule.claim, rule.read, rule.write
        )))
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
    let access = match &names.scopes {
        Some(rule) => access(claims, rule)?,
        None => Access::ReadWrite,
    };
    Ok(Principal {
        tenant,
        actor: actor.clone(),
        access,
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
        let principal = state.auth.authenticate(parts)?;
        let reads = matches!(parts.method, http::Method::GET | http::Method::HEAD);
        if !reads && principal.access == Access::ReadOnly {
            let needed = match &state.auth {
                Auth::Claims {
                    names:
                        ClaimNames {
                            scopes: Some(rule), ..
                        },
                    ..
                } => rule.write.clone(),
                _ => "write".to_owned(),
            };
            return Err(ApiError::Forbidden(format!(
                "this token may only read: {} {} needs the scope {needed}",
                parts.method,
                parts.uri.path()
            )));
        }
        Ok(principal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> ClaimNames {
        ClaimNames {
            scopes: Some(ScopeRule {
                claim: "scope".into(),
                read: DEFAULT_READ_SCOPE.into(),
                write: DEFAULT_WRITE_SCOPE.into(),
            }),
            ..ClaimNames::default()
        }
    }

    fn claims(scope: Option<&str>) -> HashMap<String, String> {
        let mut claims = HashMap::from([
            ("tenant_id".to_owned(), "acme".to_owned()),
            ("sub".to_owned(), "alice".to_owned()),
        ]);
        if let Some(scope) = scope {
            claims.insert("scope".into(), scope.into());
        }
        claims
    }

    #[test]
    fn the_write_scope_grants_writing_and_the_read_scope_only_reading() {
        let access = |scope| from_claims(&claims(Some(scope)), &rule()).map(|p| p.access);
        assert_eq!(
            access("openid access-anomalies/write").unwrap(),
            Access::ReadWrite
        );
        assert_eq!(
            access("access-anomalies/read email").unwrap(),
            Access::ReadOnly
        );
        assert_eq!(
            access("[admins access-anomalies/read]").unwrap(),
            Access::ReadOnly
        );
        assert_eq!(
            access(r#"["access-anomalies/write"]"#).unwrap(),
            Access::ReadWrite
        );
    }

    #[test]
    fn a_token_with_neither_scope_is_forbidden_naming_both() {
        let err = from_claims(&claims(Some("openid")), &rule()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the token's scope claim has neither access-anomalies/read nor access-anomalies/write"
        );
        assert!(from_claims(&claims(None), &rule()).is_err());
    }

    #[test]
    fn without_a_scope_rule_every_valid_token_may_write() {
        let principal = from_claims(&claims(None), &ClaimNames::default()).unwrap();
        assert_eq!(principal.access, Access::ReadWrite);
    }
}
