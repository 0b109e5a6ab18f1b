//! The contract's bounds: per field in characters (as JSON Schema's `maxLength` counts
//! them), per list in items, and per observation in bytes of JSON. They keep every record
//! and event built from an observation under its service's limit (DynamoDB keys 2,048 /
//! 1,024 bytes, items 400 KB; EventBridge, SNS and SQS 256 KB) with margin, and are checked
//! on every way in: the contract's parser and every connector's output.

use super::{ContractError, MAX_EVENT_BYTES};
use crate::domain::{AccessRequest, Decision, Observation, Party};

/// `tenant_id`: it prefixes every storage key.
pub const MAX_TENANT_CHARS: usize = 64;
/// `event_id` (an event's marker is keyed by it).
pub const MAX_EVENT_ID_CHARS: usize = 256;
/// Ids that are part of a storage key: the request's, the requester's and approver's, the
/// integration's, the resource type and the access flow's.
pub const MAX_KEY_ID_CHARS: usize = 128;
/// A resource's id (an ARN, a path).
pub const MAX_RESOURCE_ID_CHARS: usize = 512;
/// Names, emails, the integration's type, the client, each permission and each tag value.
pub const MAX_LABEL_CHARS: usize = 256;
/// A tag's key (AWS's own limit).
pub const MAX_TAG_KEY_CHARS: usize = 128;
/// Free text: the justification and a decision's reason (as long as a triage note).
pub const MAX_TEXT_CHARS: usize = 2_000;
/// Resources per request.
pub const MAX_RESOURCES: usize = 100;
/// Permissions per request.
pub const MAX_PERMISSIONS: usize = 100;
/// Tags per resource (AWS's own limit).
pub const MAX_TAGS: usize = 50;

/// Check one observation against every bound, naming the first field over its limit.
pub fn check(observation: &Observation) -> Result<(), ContractError> {
    let mut walk = Walk::default();
    match observation {
        Observation::Event(event) => {
            walk.text("event_id", event.event_id.as_str(), MAX_EVENT_ID_CHARS)?;
            walk.text("tenant_id", event.tenant_id.as_str(), MAX_TENANT_CHARS)?;
            walk.request(&event.request)?;
        }
        Observation::Change(change) => {
            walk.text("event_id", change.event_id.as_str(), MAX_EVENT_ID_CHARS)?;
            walk.text("tenant_id", change.tenant_id.as_str(), MAX_TENANT_CHARS)?;
            walk.text("request.id", change.request_id.as_str(), MAX_KEY_ID_CHARS)?;
            if let Some(decision) = &change.decision {
                walk.decision(decision)?;
            }
        }
    }
    // A byte of text takes at most six as JSON (`\u0000`), a field at most 64 more for its
    // name and punctuation: an observation under that bound fits without being written out.
    if walk.text_bytes * 6 + walk.fields * 64 + 1024 <= MAX_EVENT_BYTES {
        return Ok(());
    }
    let bytes = serde_json::to_vec(&super::to_value(observation)).map_or(usize::MAX, |v| v.len());
    if bytes > MAX_EVENT_BYTES {
        return Err(ContractError::TooLarge(bytes));
    }
    Ok(())
}

/// The walk over an observation's text: what it has seen, for the size bound.
#[derive(Default)]
struct Walk {
    text_bytes: usize,
    fields: usize,
}

impl Walk {
    fn text(&mut self, path: &str, value: &str, max: usize) -> Result<(), ContractError> {
        self.text_with(|| path.to_owned(), value, max)
    }

    /// `path` is formatted only when the value is over its limit (not on the hot path).
    fn text_with(
        &mut self,
        path: impl FnOnce() -> String,
        value: &str,
        max: usize,
    ) -> Result<(), ContractError> {
        self.text_bytes += value.len();
        self.fields += 1;
        // A character takes at least one byte: only a long string needs counting.
        if value.len() > max {
            let chars = value.chars().count();
            if chars > max {
                return Err(ContractError::field(
                    path(),
                    format!("is {chars} characters long, over the limit of {max}"),
                ));
            }
        }
        Ok(())
    }

    fn optional(
        &mut self,
        path: &str,
        value: Option<&str>,
        max: usize,
    ) -> Result<(), ContractError> {
        value.map_or(Ok(()), |value| self.text(path, value, max))
    }

    fn party(&mut self, path: &str, party: &Party) -> Result<(), ContractError> {
        self.text_with(|| format!("{path}.id"), party.id.as_str(), MAX_KEY_ID_CHARS)?;
        if let Some(name) = &party.name {
            self.text_with(|| format!("{path}.name"), name, MAX_LABEL_CHARS)?;
        }
        if let Some(email) = &party.email {
            self.text_with(|| format!("{path}.email"), email, MAX_LABEL_CHARS)?;
        }
        Ok(())
    }

    fn decision(&mut self, decision: &Decision) -> Result<(), ContractError> {
        if let Some(by) = &decision.by {
            self.party("request.decision.by", by)?;
        }
        self.optional(
            "request.decision.reason",
            decision.reason.as_deref(),
            MAX_TEXT_CHARS,
        )
    }

    fn request(&mut self, request: &AccessRequest) -> Result<(), ContractError> {
        self.text("request.id", request.id.as_str(), MAX_KEY_ID_CHARS)?;
        self.party("request.requester", &request.requester)?;
        let integration = &request.integration;
        self.text(
            "request.integration.id",
            integration.id.as_str(),
            MAX_KEY_ID_CHARS,
        )?;
        self.optional(
            "request.integration.name",
            integration.name.as_deref(),
            MAX_LABEL_CHARS,
        )?;
        self.optional(
            "request.integration.type",
            integration.kind.as_deref(),
            MAX_LABEL_CHARS,
        )?;
        self.text(
            "request.resource_type",
            &request.resource_type,
            MAX_KEY_ID_CHARS,
        )?;
        count(
            "request.resources",
            "resources",
            request.resources.len(),
            MAX_RESOURCES,
        )?;
        for (i, resource) in request.resources.iter().enumerate() {
            let at = || format!("request.resources[{i}]");
            self.text_with(
                || format!("{}.id", at()),
                resource.id.as_str(),
                MAX_RESOURCE_ID_CHARS,
            )?;
            if let Some(name) = &resource.name {
                self.text_with(|| format!("{}.name", at()), name, MAX_LABEL_CHARS)?;
            }
            let tags = resource.tags.len();
            count(&format!("{}.tags", at()), "tags", tags, MAX_TAGS)?;
            for (key, value) in resource.tags.iter() {
                self.text_with(|| format!("{}.tags (a key)", at()), key, MAX_TAG_KEY_CHARS)?;
                self.text_with(|| format!("{}.tags.{key}", at()), value, MAX_LABEL_CHARS)?;
            }
        }
        let permissions = request.permissions.len();
        count(
            "request.permissions",
            "permissions",
            permissions,
            MAX_PERMISSIONS,
        )?;
        for (i, permission) in request.permissions.iter().enumerate() {
            self.text_with(
                || format!("request.permissions[{i}]"),
                permission,
                MAX_LABEL_CHARS,
            )?;
        }
        if let Some(flow) = &request.access_flow {
            self.text("request.access_flow.id", &flow.id, MAX_KEY_ID_CHARS)?;
            self.optional(
                "request.access_flow.name",
                flow.name.as_deref(),
                MAX_LABEL_CHARS,
            )?;
        }
        let justification = request.justification.as_deref();
        self.optional("request.justification", justification, MAX_TEXT_CHARS)?;
        self.optional("request.client", request.client.as_deref(), MAX_LABEL_CHARS)?;
        match &request.decision {
            Some(decision) => self.decision(decision),
            None => Ok(()),
        }
    }
}

fn count(path: &str, what: &str, n: usize, max: usize) -> Result<(), ContractError> {
    if n > max {
        return Err(ContractError::field(
            path,
            format!("lists {n} {what}, over the limit of {max}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "limits_tests.rs"]
mod tests;
