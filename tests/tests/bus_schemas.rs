//! The schemas of what the product publishes (events/schema/): in step with the API's
//! OpenAPI document they are generated from, each sample conforms to its own, and a schema
//! refuses an event that lacks what it requires. (Every event the other moto tests see
//! published is checked as they drain it: tests/src/bus_schemas.rs.)

use integration_tests::bus_schemas::{schema_errors, SCHEMAS};
use integration_tests::workspace_root;
use serde_json::Value;

fn sample(stem: &str) -> Value {
    let path = workspace_root().join(format!("events/samples/bus/{stem}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_schema_files_are_what_make_schemas_writes_from_the_openapi_document() {
    let status = std::process::Command::new("python3")
        .arg(workspace_root().join("events/make_schemas.py"))
        .arg("--check")
        .status()
        .unwrap();
    assert!(status.success(), "run python3 events/make_schemas.py");
}

#[test]
fn every_published_detail_type_has_a_sample_that_conforms_and_a_broken_one_that_does_not() {
    for (detail_type, file) in SCHEMAS.iter().take(4) {
        // Arrange
        let stem = file.trim_end_matches(".v1.schema.json");
        let event = sample(stem);
        let mut broken = event.clone();
        broken["detail"]
            .as_object_mut()
            .unwrap()
            .remove("tenant_id");
        let mut retyped = event.clone();
        retyped["detail-type"] = "Anomaly Created".into();

        // Act / Assert
        assert_eq!(event["detail-type"], *detail_type);
        assert_eq!(schema_errors(&event), Some(vec![]), "{stem}");
        let errors = schema_errors(&broken).unwrap();
        assert!(
            errors.iter().any(|e| e.contains("tenant_id")),
            "{stem}: {errors:?}"
        );
        assert!(!schema_errors(&retyped).unwrap().is_empty(), "{stem}");
    }
}

#[test]
fn the_registry_forms_are_openapi_3_documents_naming_the_source_and_detail_type() {
    for (detail_type, file) in SCHEMAS.iter().take(4) {
        let stem = file.trim_end_matches(".v1.schema.json");
        let path = workspace_root().join(format!("events/schema/registry/{stem}.v1.openapi3.json"));
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(doc["openapi"], "3.0.0");
        let event = &doc["components"]["schemas"]["AWSEvent"];
        assert_eq!(event["properties"]["detail-type"]["enum"][0], *detail_type);
        assert_eq!(event["properties"]["source"]["enum"][0], "access-anomalies");
        assert!(
            !doc.to_string().contains("\"const\"") && !doc.to_string().contains("$defs"),
            "{stem}: OpenAPI 3.0 has neither const nor $defs"
        );
    }
}
