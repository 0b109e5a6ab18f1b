//! The ingest function: access events in, anomalies stored and announced. The handler
//! ([`handler::handle`]) runs over the ports in [`ports`]; [`Context::from_config`] wires
//! them to AWS ([`aws`]), so `main.rs` only reads the configuration and starts the runtime,
//! and tests build the production context or swap a port.

pub mod aws;
pub mod batch;
pub mod config;
pub mod handler;
pub mod message;
pub mod ports;

pub use handler::{handle, Context, HandlerError};

use anomalies_core::engine::DetectorError;
use aws_config::SdkConfig;
use config::IngestConfig;

impl Context {
    /// The production context: the configured rules on DynamoDB and EventBridge.
    pub fn from_config(config: &IngestConfig, sdk: &SdkConfig) -> Result<Self, DetectorError> {
        let (detector, retention) = config.detection.rules()?;
        let (table, bus) = aws::connect(&config.detection, sdk);
        Ok(Self {
            detector,
            platform_tenant: config.platform_tenant.clone(),
            retention,
            table,
            bus,
        })
    }
}
