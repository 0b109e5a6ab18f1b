//! The narrow interfaces the handler runs over, both defined in the core because the sweep
//! shares them: the single table as detection uses it ([`Table`]) and the anomalies bus
//! ([`Bus`]). Production: [`crate::aws`]; unit tests: the core's `MemoryTable` and
//! `MemoryBus`.

pub use anomalies_core::bus::Bus;
pub use anomalies_core::store::dynamo::Table;
