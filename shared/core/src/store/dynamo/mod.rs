//! The single table: key design ([`keys`]), one record per item type ([`records`]), the
//! per-batch snapshot the engine runs on ([`snapshot`]), and the narrow interfaces the
//! functions use ([`table`]), implemented on DynamoDB (feature `dynamodb`: [`client`] for
//! detection, [`sweep_items`] for the sweep, [`anomalies`] for the query API) and in memory
//! for unit tests ([`memory_table`], feature `test-support`).

#[cfg(feature = "dynamodb")]
pub mod anomalies;
#[cfg(feature = "dynamodb")]
pub mod client;
pub mod keys;
#[cfg(any(test, feature = "test-support"))]
pub mod memory_table;
pub mod records;
pub mod snapshot;
#[cfg(feature = "dynamodb")]
pub mod sweep_items;
pub mod table;

#[cfg(feature = "dynamodb")]
pub use client::DynamoTable;
pub use table::{SweepTable, Table};
