//! The delivery ledger on DynamoDB: claiming the next attempt of a delivery is one
//! conditional UpdateItem (absent, lease ended, or retry due), settling it another
//! (conditional on the attempt number).

use super::records::{IN_FLIGHT, SCHEDULED, SETTLED};
use super::{n, s, DynamoWebhooks};
use crate::store::{Claim, DeliveryLedger, LedgerEntry, Settlement, StoreError};
use anomalies_core::store::dynamo::keys::{
    self, EXPIRES_AT, LEASE_UNTIL, LEDGER_ATTEMPTS, LEDGER_NEXT_AT, LEDGER_STATE, PK, SK,
};
use anomalies_core::store::error::classify;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Duration, Utc};

#[async_trait]
impl DeliveryLedger for DynamoWebhooks {
    async fn claim(
        &self,
        delivery: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(keys::ledger_pk(delivery)))
            .key(SK, s(keys::SK_LEDGER))
            .update_expression(
                "SET #attempts = if_not_exists(#attempts, :zero) + :one, #state = :in_flight, \
                 #lease = :lease, #exp = :exp REMOVE #next",
            )
            .condition_expression(
                "attribute_not_exists(#pk) OR (#state = :in_flight AND #lease <= :now) \
                 OR (#state = :scheduled AND #next <= :now)",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#attempts", LEDGER_ATTEMPTS)
            .expression_attribute_names("#state", LEDGER_STATE)
            .expression_attribute_names("#lease", LEASE_UNTIL)
            .expression_attribute_names("#next", LEDGER_NEXT_AT)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":in_flight", s(IN_FLIGHT))
            .expression_attribute_values(":scheduled", s(SCHEDULED))
            .expression_attribute_values(":lease", n((now + lease).timestamp_millis()))
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .expression_attribute_values(":exp", n(self.expiry(now)))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match result {
            Ok(output) => {
                let attempt = output
                    .attributes
                    .and_then(|a| a.get(LEDGER_ATTEMPTS).cloned())
                    .and_then(|v| v.as_n().ok().and_then(|n| n.parse::<u32>().ok()))
                    .ok_or_else(|| {
                        StoreError::failed("UpdateItem", "the claim returned no attempt")
                    })?;
                Ok(Claim::Claimed { attempt })
            }
            Err(err) => match classify("UpdateItem", err) {
                StoreError::Conflict => {
                    // Say why; a state that looks claimable now lost a race: report busy.
                    let entry = self.ledger_entry(delivery).await?;
                    Ok(match LedgerEntry::claim(entry.as_ref(), now) {
                        Claim::Claimed { .. } => Claim::Busy,
                        other => other,
                    })
                }
                other => Err(other),
            },
        }
    }

    async fn settle(
        &self,
        delivery: &str,
        attempt: u32,
        settlement: Settlement,
    ) -> Result<(), StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(keys::ledger_pk(delivery)))
            .key(SK, s(keys::SK_LEDGER))
            .condition_expression("#attempts = :attempt")
            .expression_attribute_names("#attempts", LEDGER_ATTEMPTS)
            .expression_attribute_names("#state", LEDGER_STATE)
            .expression_attribute_names("#lease", LEASE_UNTIL)
            .expression_attribute_values(":attempt", n(attempt));
        let update = match settlement {
            Settlement::Delivered | Settlement::Failed => update
                .update_expression("SET #state = :state REMOVE #lease")
                .expression_attribute_values(":state", s(SETTLED)),
            Settlement::Scheduled { at } => update
                .update_expression("SET #state = :state, #next = :next REMOVE #lease")
                .expression_attribute_names("#next", LEDGER_NEXT_AT)
                .expression_attribute_values(":state", s(SCHEDULED))
                .expression_attribute_values(":next", n(at.timestamp_millis())),
        };
        update.send().await.map_err(|e| classify("UpdateItem", e))?;
        Ok(())
    }
}
