//! Access Anomalies core: the v1 event contract, domain types, the four detection rules,
//! configuration, storage (the engine's traits, the embedded in-memory store, the single
//! DynamoDB table), the query engine, triage, the bus contract, and the replay driver. The
//! CLI, the API and every Lambda function build on it.

pub mod anomaly;
pub mod bus;
pub mod catalog;
pub mod config;
pub mod connectors;
pub mod contract;
pub mod domain;
pub mod engine;
pub mod env;
pub mod errors;
pub mod generator;
pub mod lines;
pub mod optional;
pub mod query;
pub mod replay;
pub mod rules;
pub mod sample;
pub mod sources;
pub mod store;
pub mod summary;
#[cfg(feature = "telemetry")]
pub mod telemetry;
#[cfg(test)]
pub(crate) mod test_json;
pub mod text;
pub mod timestamp;
pub mod triage;
