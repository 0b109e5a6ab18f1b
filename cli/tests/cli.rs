//! The `anomalies` binary as users run it: stdout, stderr and exit codes.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn anomalies(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_anomalies"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stdout_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn replay_prints_every_anomaly_as_a_json_line_ordered_by_detection_time() {
    // Act
    let output = anomalies(&["replay", "events/demo-stream.jsonl"], None);
    // Assert
    assert!(output.status.success());
    let anomalies = stdout_lines(&output);
    assert_eq!(anomalies.len(), 6);
    let times: Vec<&str> = anomalies
        .iter()
        .map(|a| a["detected_at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("summary: lines=86 events=85 duplicates=1 rejected=0"),
        "{stderr}"
    );
}

#[test]
fn bad_lines_are_reported_by_number_on_stderr_and_the_exit_code_is_still_zero() {
    // Arrange: one good event between two bad lines, read from stdin.
    let good = std::fs::read_to_string("../events/samples/pending.json").unwrap();
    let good: serde_json::Value = serde_json::from_str(&good).unwrap();
    let input = format!("not json\n{good}\n{{\"event_id\": \"x\"}}\n");
    // Act
    let output = anomalies(&["replay", "-"], Some(&input));
    // Assert
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 1: not valid JSON"), "{stderr}");
    assert!(
        stderr.contains("line 3: occurred_at: is required but missing"),
        "{stderr}"
    );
    assert!(
        stderr.contains("events=1 duplicates=0 rejected=2"),
        "{stderr}"
    );
}

/// Replay the demo stream with a config file holding `toml`.
fn replay_demo_with_config(name: &str, toml: &str) -> Output {
    let dir = std::env::temp_dir().join(format!("anomalies-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("rules.toml");
    std::fs::write(&config, toml).unwrap();
    let config = config.to_str().unwrap();
    anomalies(
        &["replay", "--config", config, "events/demo-stream.jsonl"],
        None,
    )
}

#[test]
fn a_config_file_changes_the_rules() {
    // Arrange and act: disable the automation rule.
    let output = replay_demo_with_config("off", "[access_automation]\nenabled = false\n");
    // Assert
    assert!(output.status.success());
    let anomalies = stdout_lines(&output);
    assert_eq!(anomalies.len(), 3);
    assert!(anomalies.iter().all(|a| a["type"] != "access_automation"));
}

#[test]
fn a_bad_config_file_fails_with_a_message_naming_the_key() {
    let output = replay_demo_with_config("typo", "[inactive_user]\ninactivty_days = 30\n");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("inactivty_days"));
}

#[test]
fn a_missing_input_file_is_an_error_naming_it() {
    let output = anomalies(&["replay", "no-such-file.jsonl"], None);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-file.jsonl"));
}

#[test]
fn replay_output_ocsf_writes_each_anomaly_as_a_detection_finding_the_checkers_accept() {
    // Arrange
    let records = stdout_lines(&anomalies(&["replay", "events/demo-stream.jsonl"], None));

    // Act
    let output = anomalies(
        &["replay", "--output", "ocsf", "events/demo-stream.jsonl"],
        None,
    );

    // Assert: one finding per anomaly, in the same order, each valid for py-ocsf-models and
    // the OCSF 1.5.0 requirements.
    assert!(output.status.success());
    let findings = stdout_lines(&output);
    assert_eq!(findings.len(), records.len());
    for (finding, record) in findings.iter().zip(&records) {
        assert_eq!(finding["finding_info"]["uid"], record["id"]);
        assert_eq!(finding["finding_info"]["types"][0], record["type"]);
    }
    let verdicts = support::python_judge("ocsf.py", &output.stdout);
    let verdicts: Vec<serde_json::Value> = verdicts
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(verdicts.len(), records.len());
    assert!(verdicts.iter().all(|v| v["valid"] == true), "{verdicts:?}");
}

#[test]
fn the_documented_ocsf_sample_is_what_replay_writes_for_the_demos_high_risk_access() {
    // Arrange
    let sample: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            support::root().join("events/samples/ocsf-detection-finding.json"),
        )
        .unwrap(),
    )
    .unwrap();

    // Act
    let output = anomalies(
        &["replay", "--output", "ocsf", "events/demo-stream.jsonl"],
        None,
    );

    // Assert
    let findings = stdout_lines(&output);
    let high_risk = findings
        .iter()
        .find(|f| f["finding_info"]["types"][0] == "high_risk_access")
        .unwrap();
    assert_eq!(
        high_risk, &sample,
        "regenerate events/samples/ocsf-detection-finding.json"
    );
}
