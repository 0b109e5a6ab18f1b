//! The sweep function: on a schedule, the windowed automation rule over the groups whose
//! requests changed ([`automation`]) and the inactivity sweep ([`dormancy`]), on DynamoDB,
//! bounded per run, resumable, and leased. The handler ([`handler::handle`]) runs over the
//! ports in [`ports`]; [`Context::from_config`] wires them to AWS ([`aws`]).

pub mod automation;
pub mod aws;
pub mod config;
pub mod dormancy;
pub mod handler;
pub mod message;
pub mod ports;

pub use handler::{handle, run, Context, HandlerError, Summary, SweepError};

use anomalies_core::engine::DetectorError;
use aws_config::SdkConfig;
use config::SweepConfig;

impl Context {
    /// The production context: the configured rules, budget and lease on DynamoDB and
    /// EventBridge.
    pub fn from_config(config: &SweepConfig, sdk: &SdkConfig) -> Result<Self, DetectorError> {
        let (detector, retention) = config.detection.rules()?;
        let (table, bus) = aws::connect(&config.detection, sdk);
        let max_groups_per_run = config.max_groups_per_run;
        let lease = chrono::Duration::seconds(config.lease_seconds);
        Ok(Self {
            detector,
            retention,
            table,
            bus,
            max_groups_per_run,
            lease,
        })
    }
}
