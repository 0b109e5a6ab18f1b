//! What arrives: an SQS batch whose bodies are EventBridge events (or bare v1.1 events), or
//! one EventBridge event invoking the function directly. Each message says one thing: a
//! whole event, or a state change naming only its request (completed from the stored
//! request when the batch runs).

use anomalies_core::bus::DetailType;
use anomalies_core::contract::{parse_observation, parse_observation_value, ContractError};
use anomalies_core::domain::Observation;
use aws_lambda_events::sqs::SqsEvent;
use serde_json::Value;

/// The detail-type of access events on the access-events bus.
pub const ACCESS_DETAIL_TYPE: DetailType = DetailType::AccessRequestChanged;

/// Why a message is not an access event (it is rejected alone, and ends in the DLQ).
#[derive(Debug, thiserror::Error)]
pub enum BadMessage {
    #[error("the message has no body")]
    NoBody,
    #[error("not valid JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("detail-type {0:?} is not {ACCESS_DETAIL_TYPE:?}")]
    DetailType(String),
    #[error("the EventBridge event has no detail")]
    NoDetail,
    /// The body (a bare event) breaks the contract.
    #[error(transparent)]
    Contract(ContractError),
    /// The EventBridge event's detail breaks the contract.
    #[error("detail: {0}")]
    Detail(#[source] ContractError),
}

/// One message: its id (the SQS message id, or the EventBridge event id) and what it says,
/// or why it is not an access event.
#[derive(Debug)]
pub struct Incoming {
    pub id: String,
    pub event: Result<Observation, BadMessage>,
}

/// How the function was invoked.
#[derive(Debug)]
pub enum Invocation {
    Sqs(Vec<Incoming>),
    EventBridge(Box<Incoming>),
}

/// Why a payload is neither shape.
#[derive(Debug, thiserror::Error)]
#[error("the payload is neither an SQS batch nor an EventBridge event: {0}")]
pub struct UnknownPayload(String);

pub fn parse(payload: Value) -> Result<Invocation, UnknownPayload> {
    if payload.get("Records").is_some() {
        let batch: SqsEvent =
            serde_json::from_value(payload).map_err(|e| UnknownPayload(e.to_string()))?;
        let messages = batch
            .records
            .into_iter()
            .enumerate()
            .map(|(i, record)| Incoming {
                id: record.message_id.unwrap_or_else(|| format!("record-{i}")),
                event: record
                    .body
                    .ok_or(BadMessage::NoBody)
                    .and_then(|body| from_body(&body)),
            })
            .collect();
        return Ok(Invocation::Sqs(messages));
    }
    if payload.get("detail-type").is_some() {
        let id = payload
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("event")
            .to_owned();
        return Ok(Invocation::EventBridge(Box::new(Incoming {
            id,
            event: from_envelope(&payload),
        })));
    }
    Err(UnknownPayload("no `Records` and no `detail-type`".into()))
}

/// An SQS body: an EventBridge event from the access-events rule, or a bare v1 event.
fn from_body(body: &str) -> Result<Observation, BadMessage> {
    if !body.contains("\"detail-type\"") {
        return parse_observation(body.as_bytes()).map_err(BadMessage::Contract);
    }
    let envelope: Value = serde_json::from_str(body).map_err(BadMessage::NotJson)?;
    from_envelope(&envelope)
}

fn from_envelope(envelope: &Value) -> Result<Observation, BadMessage> {
    let detail_type = envelope
        .get("detail-type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if DetailType::parse(detail_type) != Some(ACCESS_DETAIL_TYPE) {
        return Err(BadMessage::DetailType(detail_type.to_owned()));
    }
    let detail = envelope.get("detail").ok_or(BadMessage::NoDetail)?;
    parse_observation_value(detail).map_err(BadMessage::Detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        serde_json::from_str(include_str!("../../../events/samples/pending.json")).unwrap()
    }

    fn envelope(detail: Value) -> Value {
        json!({"version": "0", "id": "eb-1", "detail-type": ACCESS_DETAIL_TYPE.as_str(), "source": "jit.platform",
               "account": "123456789012", "time": "2026-03-02T09:00:00Z", "region": "us-east-1",
               "resources": [], "detail": detail})
    }

    fn sqs(bodies: &[String]) -> Value {
        let records: Vec<Value> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| json!({"messageId": format!("m{i}"), "receiptHandle": "h", "body": body,
                                   "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
                                   "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}))
            .collect();
        json!({"Records": records})
    }

    #[test]
    fn an_sqs_batch_of_eventbridge_events_yields_one_event_per_message() {
        let payload = sqs(&[envelope(sample()).to_string(), sample().to_string()]);
        let Invocation::Sqs(messages) = parse(payload).unwrap() else {
            panic!()
        };
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].id, "m0");
        assert!(messages.iter().all(|m| m.event.is_ok()));
    }

    #[test]
    fn a_bad_message_is_rejected_alone_with_its_reason() {
        let mut bad = sample();
        bad["request"]["status"] = json!("done");
        let payload = sqs(&[
            envelope(bad).to_string(),
            "{oops".into(),
            envelope(sample()).to_string(),
        ]);
        let Invocation::Sqs(messages) = parse(payload).unwrap() else {
            panic!()
        };
        let reason = |i: usize| messages[i].event.as_ref().unwrap_err().to_string();
        assert!(reason(0).starts_with("detail: request.status: unknown status"));
        assert!(reason(1).starts_with("not valid JSON"));
        assert!(messages[2].event.is_ok());
    }

    #[test]
    fn another_detail_type_is_rejected() {
        let mut other = envelope(sample());
        other["detail-type"] = json!("Something Else");
        let Invocation::Sqs(messages) = parse(sqs(&[other.to_string()])).unwrap() else {
            panic!()
        };
        let reason = messages[0].event.as_ref().unwrap_err().to_string();
        assert!(reason.contains("Something Else"), "{reason}");
    }

    #[test]
    fn a_direct_eventbridge_invocation_is_one_event() {
        let Invocation::EventBridge(message) = parse(envelope(sample())).unwrap() else {
            panic!()
        };
        assert_eq!(message.id, "eb-1");
        assert!(message.event.is_ok());
    }

    #[test]
    fn the_sample_lambda_payloads_in_events_parse() {
        let sqs: Value =
            serde_json::from_str(include_str!("../../../events/lambda/ingest-sqs.json")).unwrap();
        let Invocation::Sqs(messages) = parse(sqs).unwrap() else {
            panic!()
        };
        assert!(!messages.is_empty() && messages.iter().all(|m| m.event.is_ok()));
        let eb: Value = serde_json::from_str(include_str!(
            "../../../events/lambda/ingest-eventbridge.json"
        ))
        .unwrap();
        let Invocation::EventBridge(message) = parse(eb).unwrap() else {
            panic!()
        };
        assert!(message.event.is_ok());
    }

    #[test]
    fn an_unknown_payload_is_an_error() {
        assert!(parse(json!({"hello": 1})).is_err());
    }
}
