//! Records stay bounded whatever arrives: a bot that requests the same role every minute for
//! 30 days keeps one automation anomaly, updated for the whole month, whose record stays far
//! below EventBridge's 256 KB entry and DynamoDB's 400 KB item limits.

mod common;

use anomalies_core::anomaly::{AnomalyType, Evidence};
use anomalies_core::config::Config;
use chrono::{Duration, TimeZone, Utc};
use common::*;

/// EventBridge takes entries of at most 256 KB; we keep a four-fold margin.
const MARGIN_BYTES: usize = 64 * 1024;

#[test]
fn a_bot_requesting_every_minute_for_30_days_keeps_one_bounded_anomaly_up_to_date() {
    // Arrange: 43,200 requests, one a minute.
    let start = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let minutes = 30 * 24 * 60;
    let events: Vec<_> = (0..minutes)
        .map(|i| {
            let at = (start + Duration::minutes(i)).to_rfc3339();
            event(
                &format!("e{i}"),
                &format!("r{i}"),
                "pending",
                "svc-bot",
                &at,
                &at,
            )
        })
        .collect();
    let last = (start + Duration::minutes(minutes - 1)).to_rfc3339();

    // Act
    let (anomalies, summary, errors) = run(&events);

    // Assert
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(summary.events, minutes as u64);
    let automation = of_type(&anomalies, AnomalyType::AccessAutomation);
    assert_eq!(automation.len(), 1, "one anomaly for the whole month");
    let anomaly = automation[0];
    let Evidence::AccessAutomation {
        request_ids,
        count,
        last_seen,
        occurrences,
        ..
    } = &anomaly.evidence
    else {
        panic!("not automation evidence");
    };
    assert_eq!(*count, minutes as usize, "every request counted");
    assert_eq!(last_seen.to_rfc3339(), last, "updated to the last request");
    assert!(*occurrences > 2000, "{occurrences} updates");
    let listed = Config::default().access_automation.listed_requests;
    assert_eq!(request_ids.len(), 2 * listed);
    assert_eq!(request_ids[0].as_str(), "r0", "the first ones");
    assert_eq!(
        request_ids.last().unwrap().as_str(),
        format!("r{}", minutes - 1),
        "and the latest ones"
    );
    let bytes = serde_json::to_vec(anomaly).unwrap().len();
    assert!(bytes < MARGIN_BYTES, "{bytes} bytes");
}

#[test]
fn while_every_request_fits_the_list_late_arrivals_are_still_counted() {
    // Arrange: a burst, then one of its requests arrives late (after a sweep folded the rest).
    let mut events: Vec<_> = (0..6)
        .map(|i| {
            let at = format!("2026-02-01T10:0{i}:00Z");
            event(
                &format!("b{i}"),
                &format!("br{i}"),
                "pending",
                "svc-bot",
                &at,
                &at,
            )
        })
        .collect();
    let late = events.remove(2);
    events.push(event(
        "x",
        "x",
        "pending",
        "other",
        "2026-02-01T10:40:00Z",
        "2026-02-01T10:40:00Z",
    ));
    events.push(late);
    events.push(event(
        "y",
        "y",
        "pending",
        "other",
        "2026-02-01T11:10:00Z",
        "2026-02-01T11:10:00Z",
    ));

    // Act
    let (anomalies, _, _) = run(&events);

    // Assert
    let automation = of_type(&anomalies, AnomalyType::AccessAutomation);
    assert_eq!(automation.len(), 1);
    let Evidence::AccessAutomation {
        count, request_ids, ..
    } = &automation[0].evidence
    else {
        panic!("not automation evidence");
    };
    assert_eq!((*count, request_ids.len()), (6, 6));
}
