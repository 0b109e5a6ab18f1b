//! A Slack incoming-webhook message (`text` plus Block Kit blocks) for an anomaly event,
//! kept within Block Kit's limits whatever the anomaly holds: at most 50 blocks, 3,000
//! characters in a section's text, 2,000 in a field, 150 in a header, 10 fields per section
//! and 10 context elements. Long text is cut at a character boundary and ends with `…`;
//! resources beyond what fits are counted ("and 12 more").

use super::Envelope;
use anomalies_core::anomaly::Severity;
use anomalies_core::text::truncate;
use chrono::SecondsFormat;
use serde_json::{json, Value};

/// Block Kit's limits (api.slack.com/reference/block-kit).
pub const MAX_BLOCKS: usize = 50;
pub const MAX_SECTION_TEXT: usize = 3000;
pub const MAX_FIELD_TEXT: usize = 2000;
pub const MAX_HEADER_TEXT: usize = 150;
/// The top-level `text` (the notification): Slack advises at most 4,000 characters.
pub const MAX_MESSAGE_TEXT: usize = 4000;

fn severity_icon(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => ":rotating_light:",
        Severity::High => ":red_circle:",
        Severity::Medium => ":large_orange_circle:",
        Severity::Low => ":large_blue_circle:",
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One line per resource (escaped), as many as fit in a section's text, then how many more.
fn resource_lines(envelope: &Envelope) -> String {
    let resources = &envelope.data.resources;
    let mut text = String::from("*Resources*");
    // Characters in `text` so far, kept as it grows (counting again would be quadratic).
    let mut length = text.chars().count();
    for (shown, r) in resources.iter().enumerate() {
        let name = escape(r.name.as_deref().unwrap_or(r.id.as_str()));
        let line = truncate(&format!("\n• {name}"), MAX_FIELD_TEXT);
        let line_length = line.chars().count();
        let more = format!("\n…and {} more", resources.len() - shown);
        if length + line_length + more.chars().count() > MAX_SECTION_TEXT {
            return text + &more;
        }
        text.push_str(&line);
        length += line_length;
    }
    text
}

/// The message for one event.
pub fn message(envelope: &Envelope) -> Value {
    let a = &envelope.data;
    let title = a.kind.title();
    let summary = escape(&a.summary);
    let requester = escape(
        a.requester
            .email
            .as_deref()
            .unwrap_or(a.requester.id.as_str()),
    );
    let integration = escape(
        a.integration
            .name
            .as_deref()
            .unwrap_or(a.integration.id.as_str()),
    );
    let text = format!(
        "{} [{}] {title}: {summary}",
        severity_icon(a.severity),
        a.severity.as_str().to_uppercase(),
    );
    let field = |label: &str, value: &str| json!({"type": "mrkdwn", "text": truncate(&format!("*{label}*\n{value}"), MAX_FIELD_TEXT)});
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text",
            "text": truncate(&format!("{title} ({})", a.severity.as_str()), MAX_HEADER_TEXT)}}),
        json!({"type": "section", "text": {"type": "mrkdwn",
            "text": truncate(&summary, MAX_SECTION_TEXT)}}),
        json!({"type": "section", "fields": [
            field("Requester", &requester),
            field("Integration", &integration),
            field("Resource type", &escape(&a.resource_type)),
            field("Status", a.status.as_str()),
        ]}),
    ];
    if !a.resources.is_empty() {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": resource_lines(envelope)}}));
    }
    blocks.push(
        json!({"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(&format!(
        "{} · `{}` · detected {}",
        envelope.event_type.as_str(),
        a.id,
        a.detected_at.to_rfc3339_opts(SecondsFormat::Secs, true)
    ), MAX_SECTION_TEXT)}]}),
    );
    blocks.truncate(MAX_BLOCKS);
    json!({"text": truncate(&text, MAX_MESSAGE_TEXT), "blocks": blocks})
}

#[cfg(test)]
mod tests;
