//! Access Anomalies core: the v1 event contract, domain types, the four detection rules,
//! configuration, storage traits with the embedded in-memory store, and the replay driver
//! that the CLI and (later) the Lambda functions share.

pub mod anomaly;
pub mod config;
pub mod contract;
pub mod domain;
pub mod engine;
pub mod env;
pub mod generator;
pub mod lines;
#[cfg(feature = "eventbridge")]
pub mod publish;
pub mod query;
pub mod replay;
pub mod rules;
pub mod sample;
pub mod store;
pub mod summary;
#[cfg(feature = "telemetry")]
pub mod telemetry;
pub mod text;
pub mod timestamp;
pub mod triage;
