//! `access_automation`: scripts making repeated, machine-like requests for the same scope.
//! Evaluated by a sweep over a trailing window (default 24 h) per (requester, scope) group,
//! where scope = integration id + sorted resource ids + sorted lowercase permissions.
//!
//! Triggers, checked in this order (the first that fires is reported):
//! - rapid fire: a run of ≥5 requests each created ≤300 s after the one before;
//! - regular cadence: ≥6 requests whose consecutive gaps have a coefficient of variation
//!   (population standard deviation / mean) ≤ 0.10;
//! - chained renewals: ≥3 requests each created 0–60 s after the previous request of the
//!   group had its access end (`expired` or `revoked`).

use crate::anomaly::AutomationTrigger;
use crate::config::AutomationConfig;
use crate::domain::{AccessRequest, RequestId};
use chrono::{DateTime, Duration, Utc};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// The scope key of a request: what "the same kind of request" means for automation.
pub fn scope_key(request: &AccessRequest) -> String {
    let mut resources: Vec<&str> = request.resources.iter().map(|r| r.id.as_str()).collect();
    resources.sort_unstable();
    resources.dedup();
    let mut permissions: Vec<CompactString> = request
        .permissions
        .iter()
        .map(|p| p.to_lowercase())
        .collect();
    permissions.sort_unstable();
    permissions.dedup();
    // Unit separators cannot appear by accident in ids, so the key is unambiguous.
    format!(
        "{}\u{1f}{}\u{1f}{}",
        request.integration.id,
        resources.join("\u{1e}"),
        permissions.join("\u{1e}")
    )
}

/// One request of a group, as the sweep needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupEntry {
    pub request_id: RequestId,
    pub created_at: DateTime<Utc>,
    /// When its access ended (`expired`/`revoked` event time), if it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
}

/// Evaluate the requests of one group that fall in `window` (indexes into `entries`, which
/// are sorted by `created_at`). Entries before the window are used only as the "previous
/// request" of the first one in it, for chained renewals.
pub fn evaluate(
    config: &AutomationConfig,
    entries: &[GroupEntry],
    window: std::ops::Range<usize>,
) -> Option<AutomationTrigger> {
    let in_window = entries.get(window.clone())?;
    rapid_fire(config, in_window)
        .or_else(|| regular_cadence(config, in_window))
        .or_else(|| chained_renewals(config, entries, window))
}

fn rapid_fire(config: &AutomationConfig, entries: &[GroupEntry]) -> Option<AutomationTrigger> {
    let max_gap = Duration::seconds(config.rapid_fire_max_gap_seconds);
    let mut best: Option<(usize, Duration)> = None;
    let mut run = 1usize;
    let mut run_max_gap = Duration::zero();
    for pair in entries.windows(2) {
        let gap = pair[1].created_at - pair[0].created_at;
        if gap <= max_gap {
            run += 1;
            run_max_gap = run_max_gap.max(gap);
        } else {
            run = 1;
            run_max_gap = Duration::zero();
        }
        if run >= config.rapid_fire_min_requests && best.is_none_or(|(len, _)| run > len) {
            best = Some((run, run_max_gap));
        }
    }
    best.map(|(run_length, gap)| AutomationTrigger::RapidFire {
        run_length,
        max_gap_seconds: gap.num_seconds(),
    })
}

fn regular_cadence(config: &AutomationConfig, entries: &[GroupEntry]) -> Option<AutomationTrigger> {
    if entries.len() < config.cadence_min_requests {
        return None;
    }
    let gaps: Vec<f64> = entries
        .windows(2)
        .map(|p| (p[1].created_at - p[0].created_at).num_milliseconds() as f64 / 1000.0)
        .collect();
    let n = gaps.len() as f64;
    let mean = gaps.iter().sum::<f64>() / n;
    let variance = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / n;
    // All requests at one instant are as machine-like as it gets: treat as zero variation.
    let cv = if mean > 0.0 {
        variance.sqrt() / mean
    } else {
        0.0
    };
    (cv <= config.cadence_max_cv).then(|| AutomationTrigger::RegularCadence {
        requests: entries.len(),
        mean_gap_seconds: round3(mean),
        coefficient_of_variation: round3(cv),
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn chained_renewals(
    config: &AutomationConfig,
    entries: &[GroupEntry],
    window: std::ops::Range<usize>,
) -> Option<AutomationTrigger> {
    let max_delay = Duration::seconds(config.renewal_max_delay_seconds);
    let delays: Vec<Duration> = window
        .filter(|&i| i > 0)
        .filter_map(|i| {
            let ended = entries[i - 1].ended_at?;
            let delay = entries[i].created_at - ended;
            (delay >= Duration::zero() && delay <= max_delay).then_some(delay)
        })
        .collect();
    (delays.len() >= config.renewal_min_requests).then(|| AutomationTrigger::ChainedRenewals {
        renewals: delays.len(),
        max_delay_seconds: delays.iter().max().map_or(0, |d| d.num_seconds()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RequestStatus::Pending;
    use crate::rules::fixtures::{at, event};

    fn entries(created: &[i64]) -> Vec<GroupEntry> {
        created
            .iter()
            .enumerate()
            .map(|(i, &t)| GroupEntry {
                request_id: RequestId::try_from(format!("r{i}")).unwrap(),
                created_at: at(t),
                ended_at: None,
            })
            .collect()
    }

    fn run(entries: &[GroupEntry]) -> Option<AutomationTrigger> {
        evaluate(&AutomationConfig::default(), entries, 0..entries.len())
    }

    #[test]
    fn five_requests_each_within_five_minutes_are_rapid_fire() {
        // Arrange: gaps of 300, 10, 200, 299 seconds.
        let group = entries(&[0, 300, 310, 510, 809]);
        // Act
        let trigger = run(&group);
        // Assert
        assert_eq!(
            trigger,
            Some(AutomationTrigger::RapidFire {
                run_length: 5,
                max_gap_seconds: 300
            })
        );
    }

    #[test]
    fn four_quick_requests_are_not_rapid_fire() {
        assert_eq!(run(&entries(&[0, 10, 20, 30])), None);
    }

    #[test]
    fn one_gap_of_three_hundred_and_one_seconds_breaks_the_run() {
        assert_eq!(run(&entries(&[0, 100, 401, 500, 600])), None);
    }

    #[test]
    fn six_requests_at_a_steady_hourly_cadence_are_machine_regular() {
        // Gaps of 3600 ± 60 s: CV about 0.014.
        let group = entries(&[0, 3600, 7260, 10800, 14340, 18000]);
        let Some(AutomationTrigger::RegularCadence {
            requests,
            coefficient_of_variation,
            ..
        }) = run(&group)
        else {
            panic!("expected regular cadence");
        };
        assert_eq!(requests, 6);
        assert!(coefficient_of_variation <= 0.10);
    }

    #[test]
    fn five_regular_requests_are_too_few_for_cadence() {
        assert_eq!(run(&entries(&[0, 3600, 7200, 10800, 14400])), None);
    }

    #[test]
    fn irregular_gaps_are_not_a_cadence() {
        // Gaps 3600, 1800, 5400, 3600, 2000: CV well above 0.10.
        assert_eq!(run(&entries(&[0, 3600, 5400, 10800, 14400, 16400])), None);
    }

    #[test]
    fn a_cadence_just_over_the_cv_limit_does_not_fire() {
        // Gaps alternate 1110/890 s: CV ≈ 0.106.
        assert_eq!(run(&entries(&[0, 1110, 2000, 3110, 4000, 5110])), None);
        // Gaps alternate 1100/900 s: CV ≈ 0.096 fires.
        assert!(matches!(
            run(&entries(&[0, 1100, 2000, 3100, 4000, 5100])),
            Some(AutomationTrigger::RegularCadence { .. })
        ));
    }

    fn renewals(delays: &[Option<i64>]) -> Vec<GroupEntry> {
        // Each access lasts an hour; the next request comes `delay` seconds after it ended.
        let mut out = Vec::new();
        let mut t = 0;
        for (i, delay) in delays.iter().enumerate() {
            let ended = t + 3600;
            out.push(GroupEntry {
                request_id: RequestId::try_from(format!("r{i}")).unwrap(),
                created_at: at(t),
                ended_at: delay.map(|_| at(ended)),
            });
            t = ended + delay.unwrap_or(7200);
        }
        out
    }

    #[test]
    fn three_requests_within_a_minute_of_the_previous_access_ending_are_chained_renewals() {
        // Four requests: the 2nd, 3rd and 4th follow an end by 5, 60 and 0 seconds.
        let group = renewals(&[Some(5), Some(60), Some(0), None]);
        assert_eq!(
            run(&group),
            Some(AutomationTrigger::ChainedRenewals {
                renewals: 3,
                max_delay_seconds: 60
            })
        );
    }

    #[test]
    fn a_renewal_sixty_one_seconds_after_the_end_does_not_count() {
        let group = renewals(&[Some(5), Some(61), Some(0), None]);
        assert_eq!(run(&group), None);
    }

    #[test]
    fn a_request_created_before_the_previous_access_ended_is_not_a_renewal() {
        let mut group = renewals(&[Some(5), Some(5), Some(5), None]);
        group[3].created_at = group[2].ended_at.unwrap() - Duration::seconds(1);
        assert_eq!(run(&group), None);
    }

    #[test]
    fn the_request_before_the_window_counts_as_the_previous_one() {
        let group = renewals(&[Some(5), Some(5), Some(5), None]);
        assert!(evaluate(&AutomationConfig::default(), &group, 1..4).is_some());
    }

    #[test]
    fn the_scope_key_ignores_order_and_permission_case() {
        let a = event("e", "r", Pending)
            .resource("b", None, &[])
            .add_resource("a", None)
            .permissions(&["Read", "WRITE"])
            .build()
            .request;
        let b = event("e", "r", Pending)
            .resource("a", None, &[])
            .add_resource("b", None)
            .permissions(&["write", "read"])
            .build()
            .request;
        assert_eq!(scope_key(&a), scope_key(&b));
    }
}
