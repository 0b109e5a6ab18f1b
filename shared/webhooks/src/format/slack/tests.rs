//! The Slack message: escaped, and within Block Kit's limits on any anomaly.

use super::*;
use crate::format::tests::envelope;
use crate::format::Format;
use anomalies_core::domain::{Resource, ResourceId};

fn texts(message: &Value) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for block in message["blocks"].as_array().unwrap() {
        let kind = block["type"].as_str().unwrap().to_owned();
        if let Some(text) = block["text"]["text"].as_str() {
            out.push((kind.clone(), text.chars().count()));
        }
        for field in block["fields"].as_array().into_iter().flatten() {
            out.push((
                "field".into(),
                field["text"].as_str().unwrap().chars().count(),
            ));
        }
    }
    out
}

#[test]
fn a_slack_message_has_text_and_escaped_blocks() {
    // Act
    let (_, body) = Format::Slack {}.render(&envelope()).unwrap();

    // Assert
    let value: Value = serde_json::from_slice(&body).unwrap();
    let text = value["text"].as_str().unwrap();
    assert!(text.contains("&lt;b&gt; &amp; left"), "{text}");
    assert_eq!(value["blocks"][0]["type"], "header");
    assert!(value["blocks"][2]["fields"][0]["text"]
        .as_str()
        .unwrap()
        .contains("Requester"));
}

#[test]
fn a_long_summary_and_many_resources_stay_within_block_kits_limits() {
    // Arrange: a 10,000-character summary (escaping makes it longer) and 500 resources.
    let mut e = envelope();
    e.data.summary = "<".repeat(10_000);
    e.data.resource_type = "x".repeat(5_000).into();
    e.data.resources = (0..500)
        .map(|i| Resource {
            id: ResourceId::try_from(format!("arn:aws:s3:::bucket-{i:04}")).unwrap(),
            name: Some(format!("bucket-{i:04}-{}", "n".repeat(40)).into()),
            tags: Default::default(),
        })
        .collect();

    // Act
    let message = message(&e);

    // Assert
    assert!(message["blocks"].as_array().unwrap().len() <= MAX_BLOCKS);
    assert!(message["text"].as_str().unwrap().chars().count() <= MAX_MESSAGE_TEXT);
    for (kind, length) in texts(&message) {
        let limit = match kind.as_str() {
            "header" => MAX_HEADER_TEXT,
            "field" => MAX_FIELD_TEXT,
            _ => MAX_SECTION_TEXT,
        };
        assert!(length <= limit, "{kind}: {length} > {limit}");
    }
    let summary = message["blocks"][1]["text"]["text"].as_str().unwrap();
    assert!(summary.ends_with('…') && summary.starts_with("&lt;"));
    let resources = message["blocks"][3]["text"]["text"].as_str().unwrap();
    assert!(resources.contains("• bucket-0000"), "{resources}");
    let more: usize = resources
        .rsplit("…and ")
        .next()
        .and_then(|t| t.strip_suffix(" more"))
        .unwrap()
        .parse()
        .unwrap();
    let shown = resources.matches("\n• ").count();
    assert_eq!(shown + more, 500, "every resource shown or counted");
}
