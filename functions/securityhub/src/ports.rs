//! The narrow interface the handler runs over: where findings go. Production: Security Hub
//! ([`crate::aws::SecurityHub`]); unit tests: a fake that records and refuses.

use async_trait::async_trait;
use aws_sdk_securityhub::types::AwsSecurityFinding;

/// Where findings are imported.
#[async_trait]
pub trait Findings: Send + Sync {
    /// Import every finding; the result says, for each, whether it was accepted.
    async fn import(&self, findings: &[AwsSecurityFinding]) -> Vec<bool>;
}
