//! Announcing anomalies on the anomalies event bus (shared with the sweep function).

pub use anomalies_core::publish::{EventBridgePublisher, PUT_EVENTS_LIMIT, SOURCE};
