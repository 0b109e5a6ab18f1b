//! `anomalies serve` as a user runs it: the curl examples of docs/api.md (and the README's), run as shown (with a
//! small HTTP client instead of curl, so the test needs nothing installed), and the bearer
//! token check.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use support::{parse_curl, root, send, serve, Call};

/// The `curl` lines between the serve-examples markers of the README, then of docs/api.md.
fn readme_examples() -> Vec<String> {
    ["README.md", "docs/api.md"]
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(root().join(file)).unwrap();
            let start = text.find("<!-- serve-examples -->").unwrap();
            let end = text.find("<!-- /serve-examples -->").unwrap();
            text[start..end]
                .lines()
                .filter(|l| l.starts_with("curl "))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_readme_curl_examples_run_as_shown() {
    // Arrange
    let examples = readme_examples();
    assert!(
        examples.len() >= 10,
        "the README and docs/api.md show the examples"
    );
    let server = serve(&["--token", "demo-token"]);
    for line in &examples {
        // Act: the README's port is 8080; this server listens on a free one.
        let call = parse_curl(&line.replace("127.0.0.1:8080", &server.address));
        let (status, body) = send(&server.address, &call);
        // Assert
        assert!((200..300).contains(&status), "{line}\n→ {status} {body}");
        assert!(body.is_object(), "{line}: JSON body");
    }
    // The examples show real data: the first lists three anomalies, the filtered one finds
    // the sample's high-risk request, the event push was accepted.
    let first = send(
        &server.address,
        &parse_curl(&examples[0].replace("127.0.0.1:8080", &server.address)),
    );
    assert_eq!(first.1["items"].as_array().unwrap().len(), 3);
    let high_risk = send(
        &server.address,
        &parse_curl(&examples[1].replace("127.0.0.1:8080", &server.address)),
    );
    assert_eq!(high_risk.1["items"][0]["request_id"], "req-1006");
    let details_line = examples
        .iter()
        .find(|l| !l.contains(" -X ") && l.contains("/v1/anomalies/anm_"))
        .unwrap();
    let details = send(
        &server.address,
        &parse_curl(&details_line.replace("127.0.0.1:8080", &server.address)),
    );
    let history = details.1["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "acknowledged, then revocation requested");
}

#[test]
fn requests_without_the_token_are_refused() {
    let server = serve(&["--token", "s3cret", "--events", "none"]);
    let mut call = parse_curl("curl -s http://HOST/v1/anomalies");
    call.url = format!("http://{}/v1/anomalies", server.address);
    assert_eq!(send(&server.address, &call).0, 401);
    call.headers.push("Authorization: Bearer wrong".into());
    assert_eq!(send(&server.address, &call).0, 401);
    call.headers = vec!["Authorization: Bearer s3cret".into()];
    let (status, body) = send(&server.address, &call);
    assert_eq!(
        (status, body["items"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    // The OpenAPI document needs no token.
    call.url = format!("http://{}/v1/openapi.json", server.address);
    call.headers.clear();
    assert_eq!(send(&server.address, &call).1["openapi"], "3.1.0");
}

#[test]
fn a_generated_token_is_printed_and_required() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_anomalies"))
        .args(["serve", "--listen", "127.0.0.1:0", "--events", "none"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let open_line = lines.next().unwrap().unwrap();
    let token_line = lines.next().unwrap().unwrap();
    let token = token_line.strip_prefix("token: ").unwrap().to_owned();
    let address = first
        .split("http://")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(token.len(), 32);
    // The page's address carries the token in its fragment, which never reaches the server.
    assert_eq!(
        open_line,
        format!("open: http://{address}/ui/#token={token}")
    );
    let page = Call {
        method: "GET".into(),
        url: format!("http://{address}/ui/"),
        headers: Vec::new(),
        body: Vec::new(),
    };
    assert_eq!(send(&address, &page).0, 200);
    let call = Call {
        method: "GET".into(),
        url: format!("http://{address}/v1/anomalies"),
        headers: vec![format!("Authorization: Bearer {token}")],
        body: Vec::new(),
    };
    assert_eq!(send(&address, &call).0, 200);
    let _ = child.kill();
    let _ = child.wait();
}
