//! The fan-out function: anomaly events from the anomalies bus (an EventBridge rule delivers
//! them to an SQS queue) are published to the anomalies SNS topic with message attributes
//! subscribers filter on. Why a function rather than a rule with the topic as its target:
//! see the README ("Fan-out").

pub mod config;
pub mod handler;
pub mod message;
pub mod topic;
