//! The narrow interfaces the ingest logic needs: a table and a publisher (both defined in the
//! core, shared with the sweep). Production wires DynamoDB and EventBridge; tests wrap them.

pub use anomalies_core::publish::{Publication, Publisher};
pub use anomalies_core::store::dynamo::table::Table;
