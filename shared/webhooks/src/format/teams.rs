//! A Microsoft Teams message for an anomaly event, as a Teams Workflows webhook ("When a
//! Teams webhook request is received") expects it: a `message` with one Adaptive Card (1.4)
//! attachment — a title with the severity, the summary, a fact set (requester, integration,
//! resource type, resources, status) and the event line. Text is cut (with `…`) so the card
//! stays far below Teams' 28 KB message limit whatever the anomaly holds.

use super::Envelope;
use anomalies_core::anomaly::Severity;
use anomalies_core::text::truncate;
use chrono::SecondsFormat;
use serde_json::{json, Value};

/// Longest text in one card element, and resources named before counting the rest.
pub const MAX_TEXT: usize = 2000;
pub const MAX_RESOURCES_NAMED: usize = 10;

fn color(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "Attention",
        Severity::Medium => "Warning",
        Severity::Low => "Accent",
    }
}

/// The message for one event.
pub fn message(envelope: &Envelope) -> Value {
    let a = &envelope.data;
    let fact =
        |title: &str, value: &str| json!({"title": title, "value": truncate(value, MAX_TEXT)});
    let mut names: Vec<&str> = a
        .resources
        .iter()
        .take(MAX_RESOURCES_NAMED)
        .map(|r| r.name.as_deref().unwrap_or(r.id.as_str()))
        .collect();
    let more = a.resources.len().saturating_sub(MAX_RESOURCES_NAMED);
    let more_text = format!("and {more} more");
    if more > 0 {
        names.push(&more_text);
    }
    let card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": true,
             "color": color(a.severity),
             "text": format!("{} ({})", a.kind.title(), a.severity.as_str())},
            {"type": "TextBlock", "wrap": true, "text": truncate(&a.summary, MAX_TEXT)},
            {"type": "FactSet", "facts": [
                fact("Requester", a.requester.email.as_deref().unwrap_or(a.requester.id.as_str())),
                fact("Integration", a.integration.name.as_deref().unwrap_or(a.integration.id.as_str())),
                fact("Resource type", &a.resource_type),
                fact("Resources", &names.join(", ")),
                fact("Status", a.status.as_str()),
            ]},
            {"type": "TextBlock", "isSubtle": true, "size": "Small", "wrap": true,
             "text": format!("{} · {} · detected {}", envelope.event_type.as_str(), a.id,
                a.detected_at.to_rfc3339_opts(SecondsFormat::Secs, true))},
        ],
    });
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EventType;
    use anomalies_core::domain::{Resource, ResourceId};
    use anomalies_core::sample::sample_anomaly;

    fn envelope() -> Envelope {
        Envelope {
            event_type: EventType::AnomalyDetected,
            event_time: "2026-11-24T10:00:00Z".parse().unwrap(),
            data: sample_anomaly("alice", 0),
        }
    }

    #[test]
    fn the_message_is_one_adaptive_card_with_title_summary_and_facts() {
        // Act
        let message = message(&envelope());

        // Assert
        assert_eq!(message["type"], "message");
        let attachment = &message["attachments"][0];
        assert_eq!(
            attachment["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
        let card = &attachment["content"];
        assert_eq!(
            (card["type"].clone(), card["version"].clone()),
            (json!("AdaptiveCard"), json!("1.4"))
        );
        assert_eq!(card["body"][1]["text"], envelope().data.summary);
        let facts: Vec<&str> = card["body"][2]["facts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            facts,
            [
                "Requester",
                "Integration",
                "Resource type",
                "Resources",
                "Status"
            ]
        );
    }

    #[test]
    fn a_long_summary_and_many_resources_keep_the_card_small() {
        // Arrange
        let mut e = envelope();
        e.data.summary = "s".repeat(50_000);
        e.data.resources = (0..1_000)
            .map(|i| Resource {
                id: ResourceId::try_from(format!("r-{i}")).unwrap(),
                name: None,
                tags: Default::default(),
            })
            .collect();

        // Act
        let body = serde_json::to_vec(&message(&e)).unwrap();

        // Assert
        assert!(body.len() < 28 * 1024, "{} bytes", body.len());
        let card: Value = serde_json::from_slice(&body).unwrap();
        let card = &card["attachments"][0]["content"];
        assert_eq!(
            card["body"][1]["text"].as_str().unwrap().chars().count(),
            MAX_TEXT
        );
        assert!(card["body"][2]["facts"][3]["value"]
            .as_str()
            .unwrap()
            .ends_with("r-9, and 990 more"));
    }
}
