//! The webhooks function: for each anomaly event from the topic, deliver to every enabled,
//! matching webhook of its tenant, signed; track each delivery in the ledger, retry with
//! backoff through delayed messages on its own queue, and after the last attempt send the
//! delivery to the DLQ and announce `Webhook Delivery Failed`.

pub mod config;
pub mod handler;
pub mod message;
pub mod outlets;
pub mod ports;
pub mod process;
