//! Links from an anomaly to the access platform, from configurable URL templates with
//! placeholders `{tenant_id}`, `{anomaly_id}`, `{request_id}`, `{requester_id}`,
//! `{integration_id}` and `{access_flow_id}` (values are percent-encoded).

use anomalies_core::anomaly::Anomaly;
use serde_json::{Map, Value};

/// The URL templates; a link whose template is unset (or whose value is missing) is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkTemplates {
    pub request: Option<String>,
    pub access_flow: Option<String>,
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn render(template: &str, anomaly: &Anomaly) -> Option<String> {
    let flow = anomaly.access_flow.as_ref().map(|f| f.id.as_str());
    if template.contains("{access_flow_id}") && flow.is_none() {
        return None;
    }
    let values = [
        ("{tenant_id}", anomaly.tenant_id.as_str()),
        ("{anomaly_id}", anomaly.id.as_str()),
        ("{request_id}", anomaly.request_id.as_str()),
        ("{requester_id}", anomaly.requester.id.as_str()),
        ("{integration_id}", anomaly.integration.id.as_str()),
        ("{access_flow_id}", flow.unwrap_or_default()),
    ];
    let mut url = template.to_owned();
    for (placeholder, value) in values {
        url = url.replace(placeholder, &encode(value));
    }
    Some(url)
}

impl LinkTemplates {
    /// The links of one anomaly, by name.
    pub fn links(&self, anomaly: &Anomaly) -> Map<String, Value> {
        let mut links = Map::new();
        let templates = [
            ("request", &self.request),
            ("access_flow", &self.access_flow),
        ];
        for (name, template) in templates {
            if let Some(url) = template.as_deref().and_then(|t| render(t, anomaly)) {
                links.insert(name.into(), Value::String(url));
            }
        }
        links
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anomalies_core::domain::AccessFlow;
    use anomalies_core::sample::sample_anomaly;

    #[test]
    fn templates_fill_in_encoded_values_and_skip_missing_ones() {
        // Arrange
        let mut a = sample_anomaly("u 1", 0);
        let templates = LinkTemplates {
            request: Some(
                "https://jit.example.com/t/{tenant_id}/requests/{request_id}?by={requester_id}"
                    .into(),
            ),
            access_flow: Some("https://jit.example.com/flows/{access_flow_id}".into()),
        };
        // Act
        let links = templates.links(&a);
        // Assert
        let request = links["request"].as_str().unwrap();
        assert!(request.starts_with("https://jit.example.com/t/default/requests/req-"));
        assert!(request.ends_with("?by=u%201"));
        assert!(!links.contains_key("access_flow"), "no flow, no link");
        a.access_flow = Some(AccessFlow {
            id: "flow/7".into(),
            name: None,
        });
        assert_eq!(
            templates.links(&a)["access_flow"],
            "https://jit.example.com/flows/flow%2F7"
        );
    }
}
