//! The contract's wire shape (what the JSON holds, borrowed where it can be) and its
//! conversion into the domain types, field by field, naming the path of whatever is wrong.

use super::ContractError;
use crate::domain::{
    AccessEvent, AccessFlow, AccessRequest, Decision, DecisionMode, EventId, Integration, Party,
    RequestId, RequestStatus, Resource, ResourceId, Tags, TenantId, UserId,
};
use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
pub(super) struct WireEvent<'a> {
    event_id: CompactString,
    #[serde(default)]
    tenant_id: Option<CompactString>,
    #[serde(borrow)]
    occurred_at: Cow<'a, str>,
    #[serde(borrow)]
    request: WireRequest<'a>,
}

#[derive(Deserialize)]
struct WireRequest<'a> {
    id: CompactString,
    #[serde(borrow)]
    status: Cow<'a, str>,
    #[serde(borrow)]
    created_at: Cow<'a, str>,
    requester: WireParty,
    integration: WireIntegration,
    resource_type: CompactString,
    resources: Vec<WireResource>,
    permissions: Vec<CompactString>,
    #[serde(default)]
    access_flow: Option<WireAccessFlow>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    duration_seconds: Option<u64>,
    #[serde(default)]
    client: Option<CompactString>,
    #[serde(default, borrow)]
    decision: Option<WireDecision<'a>>,
}

#[derive(Deserialize)]
struct WireParty {
    id: CompactString,
    #[serde(default)]
    name: Option<CompactString>,
    #[serde(default)]
    email: Option<CompactString>,
}

#[derive(Deserialize)]
struct WireIntegration {
    id: CompactString,
    #[serde(default)]
    name: Option<CompactString>,
    #[serde(default, rename = "type")]
    kind: Option<CompactString>,
}

#[derive(Deserialize)]
struct WireResource {
    id: CompactString,
    #[serde(default)]
    name: Option<CompactString>,
    #[serde(default)]
    tags: Option<Tags>,
}

#[derive(Deserialize)]
struct WireAccessFlow {
    id: CompactString,
    #[serde(default)]
    name: Option<CompactString>,
}

#[derive(Deserialize)]
struct WireDecision<'a> {
    #[serde(default, borrow)]
    mode: Option<Cow<'a, str>>,
    #[serde(default)]
    by: Option<WireParty>,
    #[serde(default)]
    reason: Option<String>,
}

fn timestamp(path: &str, text: &str) -> Result<DateTime<Utc>, ContractError> {
    crate::timestamp::parse_rfc3339(text).map_err(|e| {
        ContractError::field(path, format!("{text:?} is not an RFC 3339 timestamp ({e})"))
    })
}

/// A field's JSON path, formatted only when an error needs it (not on the hot path).
enum FieldPath {
    Static(&'static str),
    Child(&'static str, &'static str),
    Indexed(&'static str, usize, &'static str),
}

impl FieldPath {
    fn render(&self) -> String {
        match self {
            Self::Static(path) => (*path).to_owned(),
            Self::Child(parent, child) => format!("{parent}.{child}"),
            Self::Indexed(list, i, child) => format!("{list}[{i}].{child}"),
        }
    }
}

fn id<T: TryFrom<CompactString>>(
    path: FieldPath,
    value: CompactString,
) -> Result<T, ContractError> {
    T::try_from(value)
        .map_err(|_| ContractError::field(path.render(), "must be a non-empty string"))
}

fn party(path: &'static str, wire: WireParty) -> Result<Party, ContractError> {
    Ok(Party {
        id: id::<UserId>(FieldPath::Child(path, "id"), wire.id)?,
        name: wire.name,
        email: wire.email,
    })
}

impl<'a> TryFrom<WireEvent<'a>> for AccessEvent {
    type Error = ContractError;

    fn try_from(wire: WireEvent<'a>) -> Result<Self, Self::Error> {
        let tenant_id = match wire.tenant_id {
            None => TenantId::default_tenant(),
            // Tenants prefix every storage key, where `#` separates the parts.
            Some(tenant) if tenant.contains('#') => {
                return Err(ContractError::field("tenant_id", "must not contain '#'"))
            }
            Some(tenant) => id(FieldPath::Static("tenant_id"), tenant)?,
        };
        Ok(AccessEvent {
            event_id: id::<EventId>(FieldPath::Static("event_id"), wire.event_id)?,
            tenant_id,
            occurred_at: timestamp("occurred_at", &wire.occurred_at)?,
            request: AccessRequest::try_from(wire.request)?,
        })
    }
}

impl<'a> TryFrom<WireRequest<'a>> for AccessRequest {
    type Error = ContractError;

    fn try_from(wire: WireRequest<'a>) -> Result<Self, Self::Error> {
        let status: RequestStatus =
            wire.status
                .parse()
                .map_err(|e: crate::domain::UnknownStatus| {
                    ContractError::field("request.status", e.to_string())
                })?;
        if is_blank(&wire.resource_type) {
            return Err(ContractError::field(
                "request.resource_type",
                "must be a non-empty string",
            ));
        }
        Ok(AccessRequest {
            id: id::<RequestId>(FieldPath::Static("request.id"), wire.id)?,
            status,
            created_at: timestamp("request.created_at", &wire.created_at)?,
            requester: party("request.requester", wire.requester)?,
            integration: Integration {
                id: id(
                    FieldPath::Static("request.integration.id"),
                    wire.integration.id,
                )?,
                name: wire.integration.name,
                kind: wire.integration.kind,
            },
            resource_type: wire.resource_type,
            resources: resources(wire.resources)?,
            permissions: permissions(wire.permissions)?,
            access_flow: access_flow(wire.access_flow)?,
            justification: wire.justification,
            duration_seconds: wire.duration_seconds,
            client: wire.client,
            decision: wire.decision.map(decision).transpose()?,
        })
    }
}

/// Empty or whitespace only; stops at the first other character.
fn is_blank(text: &str) -> bool {
    !text.chars().any(|c| !c.is_whitespace())
}

fn resources(wire: Vec<WireResource>) -> Result<Vec<Resource>, ContractError> {
    if wire.is_empty() {
        return Err(ContractError::field(
            "request.resources",
            "must list at least one resource",
        ));
    }
    wire.into_iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(Resource {
                id: id::<ResourceId>(FieldPath::Indexed("request.resources", i, "id"), r.id)?,
                name: r.name,
                tags: r.tags.unwrap_or_default(),
            })
        })
        .collect()
}

fn permissions(wire: Vec<CompactString>) -> Result<Vec<CompactString>, ContractError> {
    if wire.is_empty() {
        return Err(ContractError::field(
            "request.permissions",
            "must list at least one permission",
        ));
    }
    if let Some(i) = wire.iter().position(|p| is_blank(p)) {
        return Err(ContractError::field(
            format!("request.permissions[{i}]"),
            "must be a non-empty string",
        ));
    }
    Ok(wire)
}

fn access_flow(wire: Option<WireAccessFlow>) -> Result<Option<AccessFlow>, ContractError> {
    wire.map(|flow| {
        if is_blank(&flow.id) {
            return Err(ContractError::field(
                "request.access_flow.id",
                "must be a non-empty string",
            ));
        }
        Ok(AccessFlow {
            id: flow.id,
            name: flow.name,
        })
    })
    .transpose()
}

fn decision(wire: WireDecision<'_>) -> Result<Decision, ContractError> {
    let mode = match wire.mode.as_deref() {
        None => None,
        Some("manual") => Some(DecisionMode::Manual),
        Some("automatic") => Some(DecisionMode::Automatic),
        Some(other) => {
            return Err(ContractError::field(
                "request.decision.mode",
                format!("unknown mode {other:?} (expected manual or automatic)"),
            ))
        }
    };
    Ok(Decision {
        mode,
        by: wire
            .by
            .map(|by| party("request.decision.by", by))
            .transpose()?,
        reason: wire.reason,
    })
}
