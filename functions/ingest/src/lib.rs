//! The ingest function: access events in, anomalies stored and announced. `main.rs` wires
//! AWS clients to [`handler::handle`]; everything else is testable without AWS.

pub mod batch;
pub mod config;
pub mod handler;
pub mod message;
pub mod ports;
pub mod publish;
