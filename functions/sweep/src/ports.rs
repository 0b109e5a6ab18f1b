//! The narrow interfaces the sweep runs over, defined in the core because ingest and the
//! tests share them: the single table with the sweep's listings, progress and lease
//! ([`SweepTable`]), and the anomalies bus ([`Bus`]). Production: [`crate::aws`]; unit
//! tests: the core's `MemoryTable` and `MemoryBus`.

pub use anomalies_core::bus::Bus;
pub use anomalies_core::store::dynamo::SweepTable;
