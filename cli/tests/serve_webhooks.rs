//! `anomalies serve`'s webhook test-send, as a receiver sees it: a webhook registered through
//! the API, its test delivery received by a real HTTP listener, and the delivery verified by
//! the Standard Webhooks reference library from PyPI with the secret the registration
//! returned.

mod support;

use base64::Engine;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use support::{python_judge, send, serve, Call};

/// One request as received: lower-cased header names with their values, and the body.
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Accept one request on `listener`, answer 204, return it.
fn receive_one(listener: &TcpListener) -> Received {
    let (stream, _) = listener.accept().unwrap();
    let mut reader = BufReader::new(stream);
    let mut headers = Vec::new();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap(); // request line
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let Some((name, value)) = line.trim_end().split_once(": ") else {
            break;
        };
        headers.push((name.to_ascii_lowercase(), value.to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().unwrap())
        .unwrap();
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let mut stream = reader.into_inner();
    stream
        .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        .unwrap();
    Received { headers, body }
}

/// The PyPI reference verifier's verdict on `received` under `secret`.
fn python_verdict(secret: &str, received: &Received) -> Value {
    let headers: serde_json::Map<String, Value> = received
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let case = json!({
        "secret": secret,
        "headers": headers,
        "body_base64": base64::engine::general_purpose::STANDARD.encode(&received.body),
    });
    serde_json::from_str(&python_judge(
        "standard_webhooks.py",
        case.to_string().as_bytes(),
    ))
    .unwrap()
}

fn call(address: &str, method: &str, path: &str, body: Value) -> (u16, Value) {
    send(
        address,
        &Call {
            method: method.into(),
            url: format!("http://{address}{path}"),
            headers: vec![
                "Authorization: Bearer t0ken".into(),
                "Content-Type: application/json".into(),
            ],
            body: if body.is_null() {
                Vec::new()
            } else {
                body.to_string().into_bytes()
            },
        },
    )
}

/// Register a webhook (`extra` merged into its body) for a receiver on 127.0.0.1 (allowed by
/// `--webhooks-allow-private`), send its test delivery and receive it: the registration, the
/// test-send answer and the request as received.
fn test_send(extra: Value) -> (Value, (u16, Value), Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut body = json!({"name": "receiver", "url": format!("http://{}/hook", listener.local_addr().unwrap())});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let server = serve(&[
        "--token",
        "t0ken",
        "--events",
        "none",
        "--webhooks-allow-private",
    ]);
    let (status, created) = call(&server.address, "POST", "/v1/webhooks", body);
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let received = std::thread::spawn(move || receive_one(&listener));
    let answer = call(
        &server.address,
        "POST",
        &format!("/v1/webhooks/{id}/test"),
        Value::Null,
    );
    (created, answer, received.join().unwrap())
}

#[test]
fn a_test_delivery_from_serve_verifies_with_the_reference_library_and_the_registration_secret() {
    // Arrange / Act
    let (created, (status, answer), received) = test_send(json!({}));
    let secret = created["secret"].as_str().unwrap();

    // Assert
    assert_eq!(
        (status, &answer["delivered"]),
        (200, &json!(true)),
        "{answer}"
    );
    assert_eq!(python_verdict(secret, &received), json!({"valid": true}));
    let body: Value = serde_json::from_slice(&received.body).unwrap();
    assert_eq!(body["event_type"], "Webhook Test");
    // A changed body is refused by the same library.
    let mut tampered = received;
    tampered.body.extend_from_slice(b" ");
    assert_eq!(python_verdict(secret, &tampered)["valid"], false);
}

#[test]
fn an_ocsf_webhooks_test_delivery_is_a_detection_finding() {
    // Arrange / Act
    let (_, (status, _), received) = test_send(json!({"format": {"type": "ocsf"}}));

    // Assert: py-ocsf-models and the schema's requirements accept it.
    assert_eq!(status, 200);
    let mut line = received.body.clone();
    line.push(b'\n');
    let verdict: Value = serde_json::from_str(&python_judge("ocsf.py", &line)).unwrap();
    assert_eq!(verdict, json!({"valid": true}));
    let finding: Value = serde_json::from_slice(&received.body).unwrap();
    assert_eq!(
        (finding["class_uid"].clone(), finding["type_uid"].clone()),
        (json!(2004), json!(200401))
    );
}
