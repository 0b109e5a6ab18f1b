//! The DynamoDB side of storage: key design, item records, and the per-batch snapshot the
//! engine runs on. The client itself (feature `dynamodb`) loads snapshots with BatchGetItem
//! and applies each event with one conditional TransactWriteItems.

#[cfg(feature = "dynamodb")]
pub mod anomalies;
#[cfg(feature = "dynamodb")]
pub mod client;
pub mod keys;
pub mod records;
pub mod snapshot;
#[cfg(feature = "dynamodb")]
pub mod sweep;
#[cfg(feature = "dynamodb")]
pub mod table;
