//! What the `anomalies serve` tests share: starting the server on a free port, a small HTTP
//! client that makes the requests the docs' curl lines make, and reading JSON answers.

#![allow(dead_code)] // each test binary uses its own part

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub struct Server {
    child: Child,
    pub address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `anomalies serve` on a free port; wait for its first line.
pub fn serve(args: &[&str]) -> Server {
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
pub fn words(line: &str) -> Vec<String> {
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

pub struct Call {
    pub method: String,
    pub url: String,
    pub headers: Vec<String>,
    pub body: Vec<u8>,
}

/// The request a curl command line makes (the options the README uses).
pub fn parse_curl(line: &str) -> Call {
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
pub fn send(address: &str, call: &Call) -> (u16, Value) {
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

pub fn dechunk(mut body: &str) -> String {
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

/// Run one of tests/verifiers' Python judges (in .venv-test, which the test command makes)
/// on `input`; its stdout.
pub fn python_judge(script: &str, input: &[u8]) -> String {
    let mut child = Command::new(root().join(".venv-test/bin/python"))
        .arg(root().join("tests/verifiers").join(script))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the verifiers need .venv-test: run ./scripts/test");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{script} failed");
    String::from_utf8(output.stdout).unwrap()
}
