//! Every event the tests see the product publish is checked against its schema in
//! events/schema/ (by detail-type): [`crate::drain`] calls [`check_published`] on what it
//! reads, so each moto test that reads a bus (ingest, sweep, query, webhooks, intake) checks
//! the events it caused. The four anomalies-bus schemas cover the whole event; the intake's
//! `Access Request Changed` carries a contract event as its detail.

use crate::workspace_root;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The published detail-types and their schema files.
pub const SCHEMAS: [(&str, &str); 5] = [
    ("Anomaly Detected", "anomaly-detected.v1.schema.json"),
    ("Anomaly Updated", "anomaly-updated.v1.schema.json"),
    (
        "Revoke Access Requested",
        "revoke-access-requested.v1.schema.json",
    ),
    (
        "Webhook Delivery Failed",
        "webhook-delivery-failed.v1.schema.json",
    ),
    (
        "Access Request Changed",
        "access-request-event.v1.schema.json",
    ),
];

/// The one detail-type whose schema is of its detail alone.
const DETAIL_ONLY: &str = "Access Request Changed";

fn validators() -> &'static HashMap<&'static str, jsonschema::Validator> {
    static VALIDATORS: OnceLock<HashMap<&'static str, jsonschema::Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        SCHEMAS
            .iter()
            .map(|(detail_type, file)| {
                let path = workspace_root().join("events/schema").join(file);
                let schema: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                let validator = jsonschema::options()
                    .should_validate_formats(true)
                    .build(&schema)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                (*detail_type, validator)
            })
            .collect()
    })
}

/// What is wrong with `event` by its detail-type's schema (empty when it conforms); `None`
/// when it is not one of the product's published events.
pub fn schema_errors(event: &Value) -> Option<Vec<String>> {
    if event["source"] != anomalies_core::bus::SOURCE {
        return None;
    }
    let detail_type = event["detail-type"].as_str()?;
    let Some(validator) = validators().get(detail_type) else {
        return Some(vec![format!(
            "{detail_type:?} has no schema in events/schema"
        )]);
    };
    let instance = if detail_type == DETAIL_ONLY {
        &event["detail"]
    } else {
        event
    };
    Some(
        validator
            .iter_errors(instance)
            .map(|e| format!("{}: {e}", e.instance_path))
            .collect(),
    )
}

/// Panic, naming the violations, when a published event does not conform to its schema.
pub fn check_published(event: &Value) {
    if let Some(errors) = schema_errors(event) {
        assert!(
            errors.is_empty(),
            "a published {} event does not match its schema: {errors:?}\n{event}",
            event["detail-type"]
        );
    }
}
