//! The field's own checkers, through the scripts in tests/verifiers: the Standard Webhooks
//! reference verifiers — `standardwebhooks` from PyPI (in .venv-test) and from npm (in
//! tests/browser/node_modules) — run on a delivery as its receiver would; the OCSF judge
//! (py-ocsf-models); the ASFF judge (botocore's Security Hub model).

use crate::receiver::Received;
use crate::workspace_root;
use base64::Engine;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};

/// Which reference library judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Library {
    Python,
    Node,
}

/// What the library said: valid, or the error it raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Refused(String),
}

/// Verify `body` with `headers` (name, value) under `secret` with `library`.
pub fn verify(
    library: Library,
    secret: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Verdict {
    let root = workspace_root();
    let mut command = match library {
        Library::Python => {
            let mut c = Command::new(root.join(".venv-test/bin/python"));
            c.arg(root.join("tests/verifiers/standard_webhooks.py"));
            c
        }
        Library::Node => {
            let mut c = Command::new("node");
            c.arg(root.join("tests/verifiers/standard-webhooks.cjs"));
            c
        }
    };
    let headers: serde_json::Map<String, Value> =
        headers.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let case = json!({
        "secret": secret,
        "headers": headers,
        "body_base64": base64::engine::general_purpose::STANDARD.encode(body),
    });
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{library:?} verifier did not start ({e}): run ./scripts/test"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(case.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{library:?} verifier failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let verdict: Value = serde_json::from_str(stdout.trim()).unwrap();
    if verdict["valid"] == true {
        Verdict::Valid
    } else {
        Verdict::Refused(verdict["error"].as_str().unwrap_or_default().to_owned())
    }
}

/// A received request's headers, as (name, value).
pub fn headers_of(request: &Received) -> Vec<(String, String)> {
    request
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Verify a received request with `library`.
pub fn verifies(library: Library, secret: &str, request: &Received) -> Verdict {
    verify(library, secret, &headers_of(request), &request.body)
}

/// The OCSF judge's verdict on each finding (py-ocsf-models and the OCSF 1.5.0 schema's
/// requirements for Detection Finding): `{"valid": true}` or the errors.
pub fn ocsf_verdicts(findings: &[Value]) -> Vec<Value> {
    judge("ocsf.py", findings)
}

/// The ASFF judge's verdict on each finding (botocore's model of Security Hub's
/// BatchImportFindings, its enums and the documented limits): `{"valid": true}` or the
/// errors.
pub fn asff_verdicts(findings: &[Value]) -> Vec<Value> {
    judge("asff.py", findings)
}

/// Run the judge `script` of tests/verifiers (in .venv-test) on one JSON object per line.
fn judge(script: &str, items: &[Value]) -> Vec<Value> {
    let input: String = items.iter().map(|f| format!("{f}\n")).collect();
    let mut child = Command::new(workspace_root().join(".venv-test/bin/python"))
        .arg(workspace_root().join("tests/verifiers").join(script))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{script} needs .venv-test ({e}): run ./scripts/test"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the judge {script} failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
