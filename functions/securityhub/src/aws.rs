//! The AWS side of the port: Security Hub's BatchImportFindings, in chunks its limits allow,
//! with each finding's own result (a finding Security Hub refuses is reported alone).

use crate::asff::MAX_FINDING_BYTES;
use crate::ports::Findings;
use async_trait::async_trait;
use aws_sdk_securityhub::types::AwsSecurityFinding;
use aws_sdk_securityhub::Client;
use std::collections::HashSet;

/// BatchImportFindings takes at most 100 findings and 6 MB per request, and no finding over
/// 240 KB: 25 findings of the largest size Security Hub accepts fit in one request, so no
/// request can exceed either limit whatever its findings hold.
pub const FINDINGS_PER_REQUEST: usize = {
    let by_size = MAX_REQUEST_BYTES / MAX_FINDING_BYTES;
    if by_size < MAX_FINDINGS_PER_REQUEST {
        by_size
    } else {
        MAX_FINDINGS_PER_REQUEST
    }
};
/// BatchImportFindings' own limits.
pub const MAX_FINDINGS_PER_REQUEST: usize = 100;
pub const MAX_REQUEST_BYTES: usize = 6 * 1024 * 1024;
const _: () = assert!(FINDINGS_PER_REQUEST * MAX_FINDING_BYTES <= MAX_REQUEST_BYTES);

pub struct SecurityHub {
    client: Client,
}

impl SecurityHub {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    async fn send(&self, chunk: &[AwsSecurityFinding]) -> Vec<bool> {
        match self
            .client
            .batch_import_findings()
            .set_findings(Some(chunk.to_vec()))
            .send()
            .await
        {
            Ok(output) => {
                let mut failed = HashSet::new();
                let mut unnamed = false;
                for error in output.failed_findings.unwrap_or_default() {
                    tracing::warn!(
                        id = error.id.as_deref().unwrap_or("?"),
                        code = error.error_code.as_deref().unwrap_or("?"),
                        message = error.error_message.as_deref().unwrap_or(""),
                        "Security Hub refused a finding"
                    );
                    match error.id {
                        Some(id) => failed.insert(id),
                        // A refusal that names no finding could be any of them: all are
                        // retried (an import Security Hub already holds is ignored).
                        None => {
                            unnamed = true;
                            true
                        }
                    };
                }
                chunk
                    .iter()
                    .map(|f| !unnamed && !f.id.as_ref().is_some_and(|id| failed.contains(id)))
                    .collect()
            }
            Err(err) => {
                tracing::warn!(error = %aws_sdk_securityhub::error::DisplayErrorContext(&err), "BatchImportFindings failed");
                vec![false; chunk.len()]
            }
        }
    }
}

#[async_trait]
impl Findings for SecurityHub {
    async fn import(&self, findings: &[AwsSecurityFinding]) -> Vec<bool> {
        let mut accepted = Vec::with_capacity(findings.len());
        for chunk in findings.chunks(FINDINGS_PER_REQUEST) {
            accepted.extend(self.send(chunk).await);
        }
        accepted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_holds_as_many_findings_as_both_limits_allow() {
        assert_eq!(FINDINGS_PER_REQUEST, 25);
    }
}
