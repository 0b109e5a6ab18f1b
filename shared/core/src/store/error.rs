//! Why a table read or write failed, as the caller must act on it: a failed condition is a
//! conflict (someone else changed the item: retry on fresh state), throttling or an outage
//! that outlasts the SDK's own retries is retryable, anything else is a failure. Every
//! variant keeps its cause. [`classify`] maps the DynamoDB SDK's typed errors (feature
//! `dynamodb`); the in-memory tables build these directly.

use crate::errors::{chain, BoxError};

/// TransactWriteItems takes at most 100 items; one event writes at most 8.
pub const TRANSACT_LIMIT: usize = 100;

/// Why a read or write failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a condition failed: an item changed since it was read")]
    Conflict,
    #[error("{operation} is throttled or unavailable; retry later: {}", chain(source.as_ref()))]
    Retryable {
        operation: &'static str,
        #[source]
        source: BoxError,
    },
    #[error("{operation} failed: {}", chain(source.as_ref()))]
    Failed {
        operation: &'static str,
        #[source]
        source: BoxError,
    },
    #[error("item {pk} does not match its record type: {}", chain(source.as_ref()))]
    Corrupt {
        pk: String,
        #[source]
        source: BoxError,
    },
    #[error("cannot encode an item: {}", chain(.0.as_ref()))]
    Encode(#[source] BoxError),
    #[error("a write set of {0} items is over the TransactWriteItems limit of {TRANSACT_LIMIT}")]
    TooManyItems(usize),
}

impl StoreError {
    /// True when the same call may succeed later unchanged.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }

    /// A failure of `operation` for a reason of our own (no SDK error behind it).
    pub fn failed(operation: &'static str, reason: impl Into<String>) -> Self {
        Self::Failed {
            operation,
            source: reason.into().into(),
        }
    }

    /// A retryable failure of `operation` for a reason of our own.
    pub fn retryable(operation: &'static str, reason: impl Into<String>) -> Self {
        Self::Retryable {
            operation,
            source: reason.into().into(),
        }
    }
}

#[cfg(feature = "dynamodb")]
pub use sdk::classify;

#[cfg(feature = "dynamodb")]
mod sdk {
    use super::StoreError;
    use aws_sdk_dynamodb::config::http::HttpResponse;
    use aws_sdk_dynamodb::error::SdkError;
    use aws_sdk_dynamodb::Error as Dynamo;

    /// Cancellation reasons that mean "try again" (the items were busy or throttled).
    const TRANSIENT_REASONS: [&str; 4] = [
        "ThrottlingError",
        "TransactionConflict",
        "ProvisionedThroughputExceeded",
        "RequestLimitExceeded",
    ];

    /// What an SDK error of `operation` means for the caller, from the SDK's typed errors.
    pub fn classify<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> StoreError
    where
        Dynamo: From<SdkError<E, HttpResponse>>,
    {
        let transport = matches!(
            err,
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
        );
        let server_side = err
            .raw_response()
            .is_some_and(|response| response.status().is_server_error());
        let error = Dynamo::from(err);
        let retryable = match &error {
            Dynamo::ConditionalCheckFailedException(_) => return StoreError::Conflict,
            Dynamo::TransactionCanceledException(cancelled) => {
                let codes: Vec<&str> = cancelled
                    .cancellation_reasons()
                    .iter()
                    .filter_map(|r| r.code())
                    .collect();
                if codes.contains(&"ConditionalCheckFailed") {
                    return StoreError::Conflict;
                }
                codes.iter().any(|c| TRANSIENT_REASONS.contains(c))
            }
            Dynamo::ProvisionedThroughputExceededException(_)
            | Dynamo::RequestLimitExceeded(_)
            | Dynamo::ThrottlingException(_)
            | Dynamo::InternalServerError(_)
            | Dynamo::TransactionConflictException(_)
            | Dynamo::TransactionInProgressException(_) => true,
            _ => transport || server_side,
        };
        let source = Box::new(error);
        if retryable {
            StoreError::Retryable { operation, source }
        } else {
            StoreError::Failed { operation, source }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_names_its_operation_and_keeps_its_cause() {
        let err = StoreError::retryable("BatchGetItem", "2 keys left unprocessed");
        assert!(err.is_retryable());
        assert_eq!(
            err.to_string(),
            "BatchGetItem is throttled or unavailable; retry later: 2 keys left unprocessed"
        );
        assert!(std::error::Error::source(&err).is_some());
    }

    #[cfg(feature = "dynamodb")]
    mod sdk_errors {
        use super::super::classify;
        use super::super::StoreError;
        use aws_sdk_dynamodb::config::http::HttpResponse;
        use aws_sdk_dynamodb::error::SdkError;
        use aws_sdk_dynamodb::operation::put_item::PutItemError;
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
        use aws_sdk_dynamodb::types::error::{
            ConditionalCheckFailedException, InternalServerError, TransactionCanceledException,
        };
        use aws_sdk_dynamodb::types::CancellationReason;
        use aws_smithy_types::body::SdkBody;

        fn response(status: u16) -> HttpResponse {
            HttpResponse::new(status.try_into().unwrap(), SdkBody::empty())
        }

        fn cancelled(codes: &[&str]) -> SdkError<TransactWriteItemsError, HttpResponse> {
            let reasons = codes
                .iter()
                .map(|c| CancellationReason::builder().code(*c).build())
                .collect();
            let error = TransactionCanceledException::builder()
                .set_cancellation_reasons(Some(reasons))
                .build();
            SdkError::service_error(
                TransactWriteItemsError::TransactionCanceledException(error),
                response(400),
            )
        }

        #[test]
        fn a_failed_condition_is_a_conflict_alone_or_inside_a_transaction() {
            let put = SdkError::service_error(
                PutItemError::ConditionalCheckFailedException(
                    ConditionalCheckFailedException::builder().build(),
                ),
                response(400),
            );
            assert!(matches!(classify("PutItem", put), StoreError::Conflict));
            let transaction = cancelled(&["None", "ConditionalCheckFailed"]);
            assert!(matches!(
                classify("TransactWriteItems", transaction),
                StoreError::Conflict
            ));
        }

        #[test]
        fn throttling_conflicts_and_server_errors_are_retryable_and_the_rest_is_not() {
            let busy = cancelled(&["None", "TransactionConflict"]);
            assert!(classify("TransactWriteItems", busy).is_retryable());
            let server = SdkError::service_error(
                PutItemError::InternalServerError(InternalServerError::builder().build()),
                response(500),
            );
            assert!(classify("PutItem", server).is_retryable());
            let timeout: SdkError<PutItemError, HttpResponse> =
                SdkError::timeout_error("no answer in time");
            assert!(classify("PutItem", timeout).is_retryable());
            let other = cancelled(&["ValidationError"]);
            let failed = classify("TransactWriteItems", other);
            assert!(matches!(
                failed,
                StoreError::Failed {
                    operation: "TransactWriteItems",
                    ..
                }
            ));
        }
    }
}
