//! The narrow interface the handler runs over: where topic messages go. Production: the SNS
//! topic ([`crate::aws::SnsTopic`]); unit tests: a fake that records and refuses.

use crate::message::TopicMessage;
use async_trait::async_trait;

/// Where topic messages go.
#[async_trait]
pub trait Topic: Send + Sync {
    /// Publish each message; the result says, for each, whether it was accepted.
    async fn publish(&self, messages: &[TopicMessage]) -> Vec<bool>;
}
