//! `inactive_user`: a requester's first request after more than the inactivity window
//! (default 90 days) without one. Evaluated on a request's first sighting against the
//! requester's latest earlier-seen request.
//!
//! Out-of-order arrival: if the requester has already been seen with a request created at
//! or after this one, the return from inactivity was already judged on that request, so
//! this one does not alert again (one alert per return, not one per late event).

use crate::anomaly::Evidence;
use crate::config::InactiveUserConfig;
use crate::domain::{AccessRequest, RequestId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A requester's latest request seen so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastActivity {
    pub request_id: RequestId,
    pub created_at: DateTime<Utc>,
}

/// Evidence when `request` ends an inactivity gap longer than the window.
pub fn evaluate(
    config: &InactiveUserConfig,
    previous: Option<&LastActivity>,
    request: &AccessRequest,
) -> Option<Evidence> {
    let previous = previous?;
    let gap = request.created_at - previous.created_at;
    if gap <= Duration::days(i64::from(config.inactivity_days)) {
        return None;
    }
    Some(Evidence::InactiveUser {
        previous_request_id: previous.request_id.clone(),
        previous_request_at: previous.created_at,
        days_inactive: gap.num_days(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RequestStatus::Pending;
    use crate::rules::fixtures::{at, event, DAY};

    fn previous_at(seconds: i64) -> LastActivity {
        LastActivity {
            request_id: RequestId::try_from("old").unwrap(),
            created_at: at(seconds),
        }
    }

    fn request_at(seconds: i64) -> AccessRequest {
        event("e", "new", Pending)
            .created(at(seconds))
            .build()
            .request
    }

    #[test]
    fn a_request_after_more_than_ninety_days_alerts_with_the_gap_as_evidence() {
        // Arrange
        let previous = previous_at(0);
        // Act
        let evidence = evaluate(
            &InactiveUserConfig::default(),
            Some(&previous),
            &request_at(120 * DAY),
        );
        // Assert
        assert_eq!(
            evidence,
            Some(Evidence::InactiveUser {
                previous_request_id: RequestId::try_from("old").unwrap(),
                previous_request_at: at(0),
                days_inactive: 120,
            })
        );
    }

    #[test]
    fn exactly_ninety_days_does_not_alert() {
        let config = InactiveUserConfig::default();
        assert_eq!(
            evaluate(&config, Some(&previous_at(0)), &request_at(90 * DAY)),
            None
        );
    }

    #[test]
    fn ninety_days_and_one_second_alerts() {
        let config = InactiveUserConfig::default();
        assert!(evaluate(&config, Some(&previous_at(0)), &request_at(90 * DAY + 1)).is_some());
    }

    #[test]
    fn a_first_ever_request_does_not_alert() {
        assert_eq!(
            evaluate(&InactiveUserConfig::default(), None, &request_at(0)),
            None
        );
    }

    #[test]
    fn a_request_older_than_the_latest_seen_one_does_not_alert() {
        let config = InactiveUserConfig::default();
        assert_eq!(
            evaluate(&config, Some(&previous_at(200 * DAY)), &request_at(DAY)),
            None
        );
    }

    #[test]
    fn the_window_is_configurable() {
        let config = InactiveUserConfig {
            inactivity_days: 30,
            ..Default::default()
        };
        assert!(evaluate(&config, Some(&previous_at(0)), &request_at(31 * DAY)).is_some());
    }
}
