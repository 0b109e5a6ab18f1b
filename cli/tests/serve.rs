//! `anomalies serve` as a user runs it: the curl examples of docs/api.md (and the README's), run as shown (with a
//! small HTTP client instead of curl, so the test needs nothing installed), and the bearer
//! token check.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `anomalies serve` on a free port; wait for its first line.
fn serve(args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_anomalies"))
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let address = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned();
    // Keep reading stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, address }
}

/// Split a shell command line into words (single and double quotes, no escapes needed here).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

struct Call {
    method: String,
    url: String,
    headers: Vec<String>,
    body: Vec<u8>,
}

/// The request a curl command line makes (the options the README uses).
fn parse_curl(line: &str) -> Call {
    let words = words(line);
    assert_eq!(words[0], "curl", "{line}");
    let mut call = Call {
        method: String::new(),
        url: String::new(),
        headers: Vec::new(),
        body: Vec::new(),
    };
    let mut args = words[1..].iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-s" => {}
            "-X" => call.method = args.next().unwrap().clone(),
            "-H" => call.headers.push(args.next().unwrap().clone()),
            "-d" => call.body = args.next().unwrap().as_bytes().to_vec(),
            "--data-binary" => {
                let value = args.next().unwrap();
                let path = value.strip_prefix('@').expect("--data-binary @file");
                call.body = std::fs::read(root().join(path)).unwrap();
            }
            url if url.starts_with("http://") => call.url = url.to_owned(),
            other => panic!("the README uses a curl option this test does not know: {other}"),
        }
    }
    if call.method.is_empty() {
        call.method = if call.body.is_empty() { "GET" } else { "POST" }.into();
    }
    call
}

/// Make a request; return status and JSON body.
fn send(address: &str, call: &Call) -> (u16, Value) {
    let target = call
        .url
        .split_once(address)
        .map(|(_, p)| p)
        .unwrap_or_else(|| {
            panic!("{} is not on {address}", call.url);
        });
    let mut stream = TcpStream::connect(address).unwrap();
    let mut request = format!(
        "{} {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n",
        call.method
    );
    for header in &call.headers {
        request.push_str(&format!("{header}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n", call.body.len()));
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(&call.body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8(response).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

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
