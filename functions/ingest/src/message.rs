//! What arrives: an SQS batch whose bodies are EventBridge events (or bare v1.1 events), or
//! one EventBridge event invoking the function directly. Besides our own contract, the queue
//! takes two platforms' payloads as the template routes them: AWS TEAM's SNS notifications
//! (its topic subscribed to the queue) and Glide's EventBridge events (source
//! `commonfate.io/granted`), translated by their connectors for the configured platform
//! tenant. Each message says zero or more things: whole events, or state changes naming only
//! their request (completed from the stored request when the batch runs); zero when a
//! platform payload is not about an access request.

use anomalies_core::bus::DetailType;
use anomalies_core::connectors::{self, common_fate, ConnectorError, Source, Translation};
use anomalies_core::contract::{parse_observation, parse_observation_value, ContractError};
use anomalies_core::domain::{Observation, TenantId};
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
    /// A platform's payload its connector could not read (its own field is named).
    #[error("{source} payload: {error}")]
    Platform {
        source: Source,
        #[source]
        error: ConnectorError,
    },
}

/// One message: its id (the SQS message id, or the EventBridge event id) and what it says
/// (nothing, for a platform payload about something else), or why it is not an access event.
#[derive(Debug)]
pub struct Incoming {
    pub id: String,
    pub observations: Result<Vec<Observation>, BadMessage>,
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

/// Read an invocation; platform payloads are filed under `tenant`.
pub fn parse(payload: Value, tenant: &TenantId) -> Result<Invocation, UnknownPayload> {
    if payload.get("Records").is_some() {
        let batch: SqsEvent =
            serde_json::from_value(payload).map_err(|e| UnknownPayload(e.to_string()))?;
        let messages = batch
            .records
            .into_iter()
            .enumerate()
            .map(|(i, record)| Incoming {
                id: record.message_id.unwrap_or_else(|| format!("record-{i}")),
                observations: record
                    .body
                    .ok_or(BadMessage::NoBody)
                    .and_then(|body| from_body(&body, tenant)),
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
            observations: from_envelope(&payload, tenant),
        })));
    }
    Err(UnknownPayload("no `Records` and no `detail-type`".into()))
}

/// An SQS body: an EventBridge event (from the access-events rule, or Glide's), a TEAM SNS
/// notification, or a bare v1.1 event.
fn from_body(body: &str, tenant: &TenantId) -> Result<Vec<Observation>, BadMessage> {
    let is_envelope = body.contains("\"detail-type\"");
    if !is_envelope && !body.contains("\"TopicArn\"") {
        return match parse_observation(body.as_bytes()) {
            Ok(observation) => Ok(vec![observation]),
            Err(err) => platform_body(body, tenant).unwrap_or(Err(BadMessage::Contract(err))),
        };
    }
    let value: Value = serde_json::from_str(body).map_err(BadMessage::NotJson)?;
    if is_envelope {
        return from_envelope(&value, tenant);
    }
    // Only TEAM's topic is subscribed to the queue: every SNS message is TEAM's.
    if value.get("Type").is_some() && value.get("TopicArn").is_some() {
        return platform(Source::AwsTeam, body.as_bytes(), tenant);
    }
    single(parse_observation_value(&value).map_err(BadMessage::Contract))
}

/// A body that is not a v1.1 event but a known platform's payload (put on the queue by hand
/// or by another router), translated by its connector.
fn platform_body(body: &str, tenant: &TenantId) -> Option<Result<Vec<Observation>, BadMessage>> {
    let value: Value = serde_json::from_str(body).ok()?;
    let source = connectors::recognize(&value)?;
    Some(platform(source, body.as_bytes(), tenant))
}

fn single(observation: Result<Observation, BadMessage>) -> Result<Vec<Observation>, BadMessage> {
    observation.map(|o| vec![o])
}

fn platform(
    source: Source,
    payload: &[u8],
    tenant: &TenantId,
) -> Result<Vec<Observation>, BadMessage> {
    match connectors::translate(source, payload, tenant) {
        Ok(Translation::Events(list)) => Ok(list),
        Ok(Translation::NotAccessRequest) => Ok(Vec::new()),
        Err(error) => Err(BadMessage::Platform { source, error }),
    }
}

fn from_envelope(envelope: &Value, tenant: &TenantId) -> Result<Vec<Observation>, BadMessage> {
    if envelope.get("source").and_then(Value::as_str) == Some(common_fate::GLIDE_SOURCE) {
        let bytes = serde_json::to_vec(envelope).map_err(BadMessage::NotJson)?;
        return platform(Source::CommonFate, &bytes, tenant);
    }
    let detail_type = envelope
        .get("detail-type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if DetailType::parse(detail_type) != Some(ACCESS_DETAIL_TYPE) {
        return Err(BadMessage::DetailType(detail_type.to_owned()));
    }
    let detail = envelope.get("detail").ok_or(BadMessage::NoDetail)?;
    single(parse_observation_value(detail).map_err(BadMessage::Detail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tenant() -> TenantId {
        TenantId::default_tenant()
    }

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
        let Invocation::Sqs(messages) = parse(payload, &tenant()).unwrap() else {
            panic!()
        };
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].id, "m0");
        assert!(messages.iter().all(|m| m.observations.is_ok()));
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
        let Invocation::Sqs(messages) = parse(payload, &tenant()).unwrap() else {
            panic!()
        };
        let reason = |i: usize| messages[i].observations.as_ref().unwrap_err().to_string();
        assert!(reason(0).starts_with("detail: request.status: unknown status"));
        assert!(reason(1).starts_with("not valid JSON"));
        assert!(messages[2].observations.is_ok());
    }

    #[test]
    fn another_detail_type_is_rejected() {
        let mut other = envelope(sample());
        other["detail-type"] = json!("Something Else");
        let Invocation::Sqs(messages) = parse(sqs(&[other.to_string()]), &tenant()).unwrap() else {
            panic!()
        };
        let reason = messages[0].observations.as_ref().unwrap_err().to_string();
        assert!(reason.contains("Something Else"), "{reason}");
    }

    #[test]
    fn a_direct_eventbridge_invocation_is_one_event() {
        let Invocation::EventBridge(message) = parse(envelope(sample()), &tenant()).unwrap() else {
            panic!()
        };
        assert_eq!(message.id, "eb-1");
        assert!(message.observations.is_ok());
    }

    #[test]
    fn the_sample_lambda_payloads_in_events_parse() {
        let sqs: Value =
            serde_json::from_str(include_str!("../../../events/lambda/ingest-sqs.json")).unwrap();
        let Invocation::Sqs(messages) = parse(sqs, &tenant()).unwrap() else {
            panic!()
        };
        assert!(!messages.is_empty() && messages.iter().all(|m| m.observations.is_ok()));
        let eb: Value = serde_json::from_str(include_str!(
            "../../../events/lambda/ingest-eventbridge.json"
        ))
        .unwrap();
        let Invocation::EventBridge(message) = parse(eb, &tenant()).unwrap() else {
            panic!()
        };
        assert!(message.observations.is_ok());
    }

    #[test]
    fn a_team_notification_and_a_glide_event_are_translated_for_the_platform_tenant() {
        // Arrange: what TEAM's topic and Glide's rule put on the queue.
        let record = json!({"id": "req-7", "email": "dan@x.io", "username": "dan",
            "accountId": "111122223333", "accountName": "prod", "role": "Admin",
            "duration": "3600", "status": "pending", "createdAt": "2026-03-02T09:00:00Z"});
        let sns = json!({"Type": "Notification", "MessageId": "sns-1",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:TeamNotifications-main",
            "Message": record.to_string(), "Timestamp": "2026-03-02T09:00:01Z"});
        let mut glide = envelope(json!({"grant": {"id": "req-7"}}));
        glide["source"] = json!("commonfate.io/granted");
        glide["detail-type"] = json!("grant.expired");
        let acme = TenantId::try_from("acme").unwrap();
        // Act
        let Invocation::Sqs(messages) =
            parse(sqs(&[sns.to_string(), glide.to_string()]), &acme).unwrap()
        else {
            panic!()
        };
        // Assert
        let said = |i: usize| messages[i].observations.as_ref().unwrap();
        assert!(
            matches!(&said(0)[..], [Observation::Event(e)] if e.tenant_id == acme && e.request.id.as_str() == "req-7")
        );
        assert!(
            matches!(&said(1)[..], [Observation::Change(c)] if c.tenant_id == acme && c.request_id.as_str() == "req-7")
        );
    }

    #[test]
    fn a_platform_payload_about_something_else_says_nothing_and_a_bad_one_names_its_field() {
        let confirmation = json!({"Type": "SubscriptionConfirmation", "MessageId": "m",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:TeamNotifications-main",
            "Message": "confirm", "Token": "t"});
        let mut glide = envelope(json!({"grant": {}}));
        glide["source"] = json!("commonfate.io/granted");
        glide["detail-type"] = json!("grant.expired");
        let Invocation::Sqs(messages) = parse(
            sqs(&[confirmation.to_string(), glide.to_string()]),
            &tenant(),
        )
        .unwrap() else {
            panic!()
        };
        assert!(messages[0].observations.as_ref().unwrap().is_empty());
        let reason = messages[1].observations.as_ref().unwrap_err().to_string();
        assert_eq!(
            reason,
            "common-fate payload: detail.grant.id: is required but missing"
        );
    }

    #[test]
    fn a_bare_teleport_event_on_the_queue_is_translated() {
        let teleport = json!({"event": "access_request.create", "uid": "u1", "time": "2026-03-02T09:00:00Z",
                              "id": "req-t", "user": "dan", "roles": ["admin"]});
        let bad = json!({"event": "access_request.create", "uid": "u2"});
        let Invocation::Sqs(messages) =
            parse(sqs(&[teleport.to_string(), bad.to_string()]), &tenant()).unwrap()
        else {
            panic!()
        };
        assert!(
            matches!(&messages[0].observations.as_ref().unwrap()[..], [Observation::Event(e)] if e.request.id.as_str() == "req-t")
        );
        let reason = messages[1].observations.as_ref().unwrap_err().to_string();
        assert_eq!(reason, "teleport payload: time: is required but missing");
    }

    #[test]
    fn an_unknown_payload_is_an_error() {
        assert!(parse(json!({"hello": 1}), &tenant()).is_err());
    }
}
