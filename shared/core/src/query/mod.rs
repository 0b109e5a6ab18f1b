//! Reading anomalies back: filters, the indexes that serve them, and the engine that pages
//! through an index newest first. The in-memory store and DynamoDB implement
//! [`run::IndexReader`]; the API (crate `anomalies-api`) parses requests into
//! [`filter::AnomalyFilter`] and calls [`run::page`] and [`run::facets`].

pub mod filter;
pub mod index;
pub mod plan;
pub mod run;

pub use filter::{AnomalyFilter, Field};
pub use index::Index;
pub use run::{facets, page, FacetCount, Facets, IndexReader, Page, ReadError, ReadRequest};

#[cfg(test)]
mod tests;
