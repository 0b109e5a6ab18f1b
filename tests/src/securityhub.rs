//! Reading findings back from moto's Security Hub: every page of GetFindings (moto ignores
//! filters, so a test picks its own findings by id).

use aws_config::SdkConfig;
use aws_sdk_securityhub::types::AwsSecurityFinding;
use std::collections::BTreeMap;

/// Stack for the thread that reads findings: the SDK's deserializer of a finding's
/// `ResourceDetails` (a 31 KB struct of about a hundred nested optional types) needs more
/// than a test thread's 2 MB in a debug build.
const READER_STACK: usize = 64 * 1024 * 1024;

/// The findings with these ids, by id.
pub async fn findings(config: &SdkConfig, ids: &[&str]) -> BTreeMap<String, AwsSecurityFinding> {
    let client = aws_sdk_securityhub::Client::new(config);
    let ids: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
    let reader = std::thread::Builder::new()
        .stack_size(READER_STACK)
        .spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the reader")
                .block_on(read(client, ids))
        })
        .expect("the reader thread starts");
    tokio::task::spawn_blocking(move || reader.join().expect("the reader finishes"))
        .await
        .expect("the reader is joined")
}

async fn read(
    client: aws_sdk_securityhub::Client,
    ids: Vec<String>,
) -> BTreeMap<String, AwsSecurityFinding> {
    let mut found = BTreeMap::new();
    let mut token = None;
    loop {
        let page = client
            .get_findings()
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .expect("GetFindings");
        for finding in page.findings.unwrap_or_default() {
            if let Some(id) = finding.id.clone().filter(|id| ids.contains(id)) {
                found.insert(id, finding);
            }
        }
        token = page.next_token.filter(|t| !t.is_empty());
        if token.is_none() {
            return found;
        }
    }
}
