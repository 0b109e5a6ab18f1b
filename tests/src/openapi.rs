//! Checking real responses against `shared/api/openapi.json`: the operation is found by method and
//! path template, the response by status, and the body is validated against its schema
//! (JSON Schema 2020-12, as OpenAPI 3.1 uses).

use serde_json::{json, Value};
use std::sync::OnceLock;

pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(anomalies_api::OPENAPI).expect("openapi.json is JSON"))
}

/// The path template (`/v1/anomalies/{id}`) that `path` matches.
pub fn template(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    document()["paths"].as_object()?.keys().find_map(|t| {
        let parts: Vec<&str> = t.split('/').collect();
        let fits = parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(p, s)| p == s || (p.starts_with('{') && p.ends_with('}')));
        fits.then_some(t.as_str())
    })
}

fn resolve(value: &Value) -> &Value {
    match value["$ref"].as_str() {
        Some(pointer) => document()
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("unresolved {pointer}")),
        None => value,
    }
}

/// Panic unless the document describes this response and the body fits its schema.
pub fn check(method: &str, path: &str, status: u16, body: &Value) {
    let Some(template) = template(path) else {
        assert_eq!(
            status, 404,
            "{method} {path}: undocumented path answered {status}"
        );
        return;
    };
    let operation = &document()["paths"][template][method.to_lowercase()];
    assert!(
        operation.is_object(),
        "{method} {template} is not documented"
    );
    let response = resolve(&operation["responses"][status.to_string()]);
    assert!(
        response.is_object(),
        "{method} {template}: status {status} is not documented (body {body})"
    );
    let schema = resolve(&response["content"]["application/json"]["schema"]);
    let mut root = schema.clone();
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["components"] = document()["components"].clone();
    let validator = jsonschema::draft202012::new(&root)
        .unwrap_or_else(|e| panic!("{method} {template} {status}: bad schema: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: response does not match the OpenAPI document: {errors:?}\n{body}"
    );
}
