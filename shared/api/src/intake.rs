//! Taking in an access platform's own payloads (or our v1.1 events) over HTTP: the body split
//! into documents, each translated by the source's connector, and — on AWS — put on the
//! access-events bus for the ingest function ([`BusIntake`]; `anomalies serve` detects in
//! place instead, `crate::local`). A payload that cannot be read is rejected alone, by line;
//! nothing else is lost.

use crate::ports::{EventIntake, IntakeReport};
use anomalies_core::bus::{Bus, BusError, BusEvent, DetailType};
use anomalies_core::connectors::{self, Source, Translation};
use anomalies_core::contract::{self, parse_observation};
use anomalies_core::domain::{Observation, TenantId};
use async_trait::async_trait;
use std::sync::Arc;

/// Most documents in one request.
pub const MAX_DOCUMENTS: usize = 1000;
/// Largest intake body (platform batches are larger than the API's other bodies).
pub const MAX_INTAKE_BODY: usize = 1024 * 1024;

/// The documents of a body: one JSON document, the items of a JSON array, or JSON lines.
pub fn documents(body: &[u8]) -> Vec<Vec<u8>> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Array(items)) => items
            .iter()
            .map(|item| serde_json::to_vec(item).unwrap_or_default())
            .collect(),
        Ok(_) => vec![body.to_vec()],
        Err(_) => body
            .split(|&b| b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .map(<[u8]>::to_vec)
            .collect(),
    }
}

/// What one document says, for `tenant`: a v1.1 event (of that tenant only) or a platform
/// payload translated by its connector; `None` when it is about something else.
pub fn observations(
    tenant: &TenantId,
    source: Source,
    document: &[u8],
) -> Result<Option<Vec<Observation>>, String> {
    if source != Source::V1 {
        return match connectors::translate(source, document, tenant) {
            Ok(Translation::Events(list)) => Ok(Some(list)),
            Ok(Translation::NotAccessRequest) => Ok(None),
            Err(err) => Err(err.to_string()),
        };
    }
    let observation = parse_observation(document).map_err(|e| e.to_string())?;
    if observation.tenant_id() != tenant {
        return Err(format!(
            "tenant_id: {:?} is not the tenant of your credentials",
            observation.tenant_id().as_str()
        ));
    }
    Ok(Some(vec![observation]))
}

/// What a body says, observation by observation with the line each came from; documents
/// about something else are counted in `report.ignored`, unreadable ones (and a body over
/// [`MAX_DOCUMENTS`]) are named in `report.rejected`.
pub fn read(
    tenant: &TenantId,
    source: Source,
    body: &[u8],
    report: &mut IntakeReport,
) -> Vec<(usize, Observation)> {
    let documents = documents(body);
    if documents.is_empty() {
        report
            .rejected
            .push("the body is empty: send one payload, a JSON array of them or JSON lines".into());
        return Vec::new();
    }
    if documents.len() > MAX_DOCUMENTS {
        report.rejected.push(format!(
            "the body holds {} documents, over the limit of {MAX_DOCUMENTS}",
            documents.len()
        ));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, document) in documents.iter().enumerate() {
        match observations(tenant, source, document) {
            Ok(Some(list)) => out.extend(list.into_iter().map(|o| (i + 1, o))),
            Ok(None) => report.ignored += 1,
            Err(reason) => report.rejected.push(format!("line {}: {reason}", i + 1)),
        }
    }
    out
}

/// Intake onto the access-events bus: each observation as one `Access Request Changed`
/// event (the bus adapter batches PutEvents to its limit of 10).
pub struct BusIntake {
    pub bus: Arc<dyn Bus>,
}

#[async_trait]
impl EventIntake for BusIntake {
    async fn ingest(
        &self,
        tenant: &TenantId,
        source: Source,
        body: &[u8],
    ) -> Result<IntakeReport, BusError> {
        let mut report = IntakeReport::default();
        let mut events = Vec::new();
        for (_, observation) in read(tenant, source, body, &mut report) {
            // Within the contract's bounds (checked by the parser and the connectors), a
            // detail fits in an EventBridge entry.
            let detail = contract::to_value(&observation);
            // The detail is JSON already: no second encoding through `BusEvent::new`.
            events.push(BusEvent {
                detail_type: DetailType::AccessRequestChanged,
                resource: observation.request_id().as_str().to_owned(),
                detail,
            });
        }
        for result in self.bus.put(&events).await {
            result?;
        }
        report.accepted = events.len() as u64;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anomalies_core::bus::MemoryBus;

    fn acme() -> TenantId {
        TenantId::try_from("acme").unwrap()
    }

    const CREATE: &str = r#"{"event":"access_request.create","uid":"u1","time":"2026-03-01T09:00:00Z","id":"req-a","user":"dan","state":"PENDING","roles":["admin"]}"#;
    const REVIEW: &str = r#"{"event":"access_request.review","uid":"u2","time":"2026-03-01T09:05:00Z","id":"req-a","reviewer":"bob","state":"APPROVED"}"#;
    const LOGIN: &str =
        r#"{"event":"user.login","uid":"u3","time":"2026-03-01T09:06:00Z","user":"dan"}"#;

    #[test]
    fn a_body_is_one_document_an_array_of_them_or_json_lines() {
        assert_eq!(documents(CREATE.as_bytes()).len(), 1);
        assert_eq!(
            documents(format!("[{CREATE},{REVIEW}]").as_bytes()).len(),
            2
        );
        assert_eq!(
            documents(format!("{CREATE}\n\n{REVIEW}\n").as_bytes()).len(),
            2
        );
    }

    #[tokio::test]
    async fn translated_payloads_go_on_the_bus_as_v1_1_events_and_a_bad_one_alone_is_rejected() {
        // Arrange
        let bus = Arc::new(MemoryBus::default());
        let intake = BusIntake { bus: bus.clone() };
        let body = [
            CREATE,
            REVIEW,
            LOGIN,
            "{\"event\":\"access_request.create\"}",
        ]
        .join("\n");
        // Act
        let report = intake
            .ingest(&acme(), Source::Teleport, body.as_bytes())
            .await
            .unwrap();
        // Assert
        assert_eq!((report.accepted, report.ignored), (2, 1));
        assert_eq!(report.rejected, ["line 4: uid: is required but missing"]);
        let put = bus.events();
        assert!(put
            .iter()
            .all(|e| e.detail_type == DetailType::AccessRequestChanged));
        let parsed: Vec<Observation> = put
            .iter()
            .map(|e| anomalies_core::contract::parse_observation_value(&e.detail).unwrap())
            .collect();
        assert!(matches!(&parsed[0], Observation::Event(e) if e.tenant_id == acme()));
        assert!(matches!(&parsed[1], Observation::Change(c) if c.request_id.as_str() == "req-a"));
    }

    #[tokio::test]
    async fn a_bus_that_refuses_fails_the_request_so_the_platform_retries() {
        let bus = Arc::new(MemoryBus::default());
        bus.set_refusing(true);
        let intake = BusIntake { bus };
        assert!(intake
            .ingest(&acme(), Source::Teleport, CREATE.as_bytes())
            .await
            .is_err());
    }

    #[tokio::test]
    async fn v1_events_of_another_tenant_are_rejected() {
        let intake = BusIntake {
            bus: Arc::new(MemoryBus::default()),
        };
        let event = include_str!("../../../events/samples/pending.json");
        let globex = TenantId::try_from("globex").unwrap();
        let report = intake
            .ingest(&globex, Source::V1, event.as_bytes())
            .await
            .unwrap();
        assert_eq!(report.accepted, 0);
        assert!(
            report.rejected[0].contains("is not the tenant of your credentials"),
            "{report:?}"
        );
    }
}
