//! The AWS side of the ports: the single table on DynamoDB (detection reads and writes plus the sweep's listings, progress and lease) and the anomalies bus on
//! EventBridge. The adapters are the core's; this is where the function picks them.

use crate::ports::{Bus, SweepTable};
use anomalies_core::bus::eventbridge::EventBridgeBus;
use anomalies_core::env::DetectionSettings;
use anomalies_core::store::dynamo::DynamoTable;
use aws_config::SdkConfig;
use std::sync::Arc;

/// The table and the bus the settings name.
pub fn connect(
    settings: &DetectionSettings,
    sdk: &SdkConfig,
) -> (Arc<dyn SweepTable>, Arc<dyn Bus>) {
    let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(sdk), &settings.table_name);
    let bus = EventBridgeBus::new(aws_sdk_eventbridge::Client::new(sdk), &settings.bus_name);
    (Arc::new(table), Arc::new(bus))
}
