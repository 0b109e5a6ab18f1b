//! The contract's wire shape (what the JSON holds, borrowed where it can be) and its
//! conversion into the domain types, field by field, naming the path of whatever is wrong.
//! A request that carries none of the describing fields is a v1.1 state change.

use super::ContractError;
use crate::domain::{
    AccessEvent, AccessFlow, AccessRequest, Decision, DecisionMode, EventId, Integration,
    Observation, Party, RequestId, RequestStatus, Resource, ResourceId, StateChange, Tags,
    TenantId, UserId,
};
use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A `T` read from a JSON object only: serde would read a struct from an array too, which
/// the contract does not allow (an array where an object belongs is refused, named).
pub(super) struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        deserializer
            .deserialize_map(ObjectVisitor(PhantomData))
            .map(Object)
    }
}

fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Object::deserialize(d).map(|Object(t)| t)
}

fn optional_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<Object<T>>::deserialize(d).map(|o| o.map(|Object(t)| t))
}

fn objects<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<Vec<Object<T>>>::deserialize(d)
        .map(|o| o.map(|list| list.into_iter().map(|Object(t)| t).collect()))
}

#[derive(Deserialize)]
pub(super) struct WireEvent<'a> {
    event_id: CompactString,
    #[serde(default)]
    tenant_id: Option<CompactString>,
    #[serde(borrow)]
    occurred_at: Cow<'a, str>,
    #[serde(borrow, deserialize_with = "object")]
    request: WireRequest<'a>,
}

#[derive(Deserialize)]
struct WireRequest<'a> {
    id: CompactString,
    #[serde(borrow)]
    status: Cow<'a, str>,
    #[serde(default, borrow)]
    created_at: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "optional_object")]
    requester: Option<WireParty>,
    #[serde(default, deserialize_with = "optional_object")]
    integration: Option<WireIntegration>,
    #[serde(default)]
    resource_type: Option<CompactString>,
    #[serde(default, deserialize_with = "objects")]
    resources: Option<Vec<WireResource>>,
    #[serde(default)]
    permissions: Option<Vec<CompactString>>,
    #[serde(default, deserialize_with = "optional_object")]
    access_flow: Option<WireAccessFlow>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    duration_seconds: Option<u64>,
    #[serde(default)]
    client: Option<CompactString>,
    #[serde(default, borrow, deserialize_with = "optional_object")]
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
    #[serde(default, deserialize_with = "optional_object")]
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

impl<'a> TryFrom<WireEvent<'a>> for Observation {
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
        let event_id = id::<EventId>(FieldPath::Static("event_id"), wire.event_id)?;
        let occurred_at = timestamp("occurred_at", &wire.occurred_at)?;
        if !wire.request.describes() {
            return Ok(Observation::Change(change(
                event_id,
                tenant_id,
                occurred_at,
                wire.request,
            )?));
        }
        Ok(Observation::Event(Box::new(AccessEvent {
            event_id,
            tenant_id,
            occurred_at,
            request: AccessRequest::try_from(wire.request)?,
        })))
    }
}

impl WireRequest<'_> {
    /// Whether the request carries any describing field (else it is a v1.1 state change).
    fn describes(&self) -> bool {
        self.created_at.is_some()
            || self.requester.is_some()
            || self.integration.is_some()
            || self.resource_type.is_some()
            || self.resources.is_some()
            || self.permissions.is_some()
    }
}

fn status(wire: &str) -> Result<RequestStatus, ContractError> {
    wire.parse().map_err(|e: crate::domain::UnknownStatus| {
        ContractError::field("request.status", e.to_string())
    })
}

/// A v1.1 state change: `request.id`, `status` and, for decisions, `decision`.
fn change(
    event_id: EventId,
    tenant_id: TenantId,
    occurred_at: DateTime<Utc>,
    wire: WireRequest<'_>,
) -> Result<StateChange, ContractError> {
    let status = status(&wire.status)?;
    if status == RequestStatus::Pending {
        // A pending event creates the request, so it must describe it.
        return Err(ContractError::field(
            "request.created_at",
            "is required but missing (a pending event creates the request and must describe it)",
        ));
    }
    Ok(StateChange {
        event_id,
        tenant_id,
        occurred_at,
        request_id: id::<RequestId>(FieldPath::Static("request.id"), wire.id)?,
        status,
        decision: wire.decision.map(decision).transpose()?,
    })
}

fn required<T>(field: &str, value: Option<T>) -> Result<T, ContractError> {
    value.ok_or_else(|| ContractError::field(field, "is required but missing"))
}

impl<'a> TryFrom<WireRequest<'a>> for AccessRequest {
    type Error = ContractError;

    fn try_from(wire: WireRequest<'a>) -> Result<Self, Self::Error> {
        let status = status(&wire.status)?;
        let created_at = required("request.created_at", wire.created_at)?;
        let requester = required("request.requester", wire.requester)?;
        let integration = required("request.integration", wire.integration)?;
        let resource_type = required("request.resource_type", wire.resource_type)?;
        let listed = required("request.resources", wire.resources)?;
        let granted = required("request.permissions", wire.permissions)?;
        if is_blank(&resource_type) {
            return Err(ContractError::field(
                "request.resource_type",
                "must be a non-empty string",
            ));
        }
        Ok(AccessRequest {
            id: id::<RequestId>(FieldPath::Static("request.id"), wire.id)?,
            status,
            created_at: timestamp("request.created_at", &created_at)?,
            requester: party("request.requester", requester)?,
            integration: Integration {
                id: id(FieldPath::Static("request.integration.id"), integration.id)?,
                name: integration.name,
                kind: integration.kind,
            },
            resource_type,
            resources: resources(listed)?,
            permissions: permissions(granted)?,
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
