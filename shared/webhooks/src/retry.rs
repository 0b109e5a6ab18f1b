//! When a failed delivery is tried again. Network errors, timeouts, 5xx, 408 and 429 are
//! retried with exponential backoff (30 s doubling to at most 2 h) and "equal jitter" (a
//! random point in the second half of each delay), never sooner than the receiver's
//! `Retry-After`, for up to 24 hours after the first attempt; anything else fails at once.

use chrono::{DateTime, Duration, Utc};

/// How an attempt ended, for the retry decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Delivered,
    /// Worth another attempt.
    Retryable,
    /// Another attempt would fail the same way.
    Permanent,
}

/// The class of an HTTP status.
pub fn classify_status(status: u16) -> Class {
    match status {
        200..=299 => Class::Delivered,
        408 | 429 | 500..=599 => Class::Retryable,
        _ => Class::Permanent,
    }
}

/// Backoff settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// No attempt starts later than this after the first.
    pub window: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_delay: Duration::seconds(30),
            max_delay: Duration::hours(2),
            window: Duration::hours(24),
        }
    }
}

impl RetryPolicy {
    /// The backoff before attempt `failed + 1`, without jitter.
    pub fn backoff(&self, failed: u32) -> Duration {
        let factor = 1i32 << failed.saturating_sub(1).min(20);
        let delay = self.first_delay * factor;
        delay.min(self.max_delay)
    }

    /// When to make the next attempt after `failed` attempts, or `None` when the window is
    /// spent. `jitter` in [0, 1) picks the point in the second half of the backoff.
    pub fn next_attempt(
        &self,
        failed: u32,
        retry_after: Option<Duration>,
        first_attempt_at: DateTime<Utc>,
        now: DateTime<Utc>,
        jitter: f64,
    ) -> Option<DateTime<Utc>> {
        let backoff = self.backoff(failed);
        let half = backoff / 2;
        let jittered = half
            + Duration::milliseconds(
                (half.num_milliseconds() as f64 * jitter.clamp(0.0, 1.0)) as i64,
            );
        let delay = retry_after.map_or(jittered, |after| after.max(jittered));
        let at = now + delay;
        (at <= first_attempt_at + self.window).then_some(at)
    }
}

/// `Retry-After` as seconds or an HTTP date, relative to `now`.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<i64>() {
        return (seconds >= 0).then(|| Duration::seconds(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).max(Duration::zero()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        "2026-11-24T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn statuses_are_classed_as_the_contract_says() {
        assert_eq!(classify_status(204), Class::Delivered);
        for status in [408, 429, 500, 502, 503] {
            assert_eq!(classify_status(status), Class::Retryable, "{status}");
        }
        for status in [301, 400, 401, 403, 404, 410, 422] {
            assert_eq!(classify_status(status), Class::Permanent, "{status}");
        }
    }

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_a_two_hour_cap() {
        let policy = RetryPolicy::default();
        let delays: Vec<i64> = (1..=10).map(|n| policy.backoff(n).num_seconds()).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920, 3840, 7200, 7200]);
    }

    #[test]
    fn jitter_stays_in_the_second_half_of_the_backoff() {
        let policy = RetryPolicy::default();
        let low = policy.next_attempt(3, None, t0(), t0(), 0.0).unwrap();
        let high = policy.next_attempt(3, None, t0(), t0(), 0.999).unwrap();
        assert_eq!((low - t0()).num_seconds(), 60);
        assert!((high - t0()).num_seconds() >= 119);
    }

    #[test]
    fn retry_after_is_honoured_when_longer_than_the_backoff() {
        let policy = RetryPolicy::default();
        let at = policy
            .next_attempt(1, Some(Duration::minutes(10)), t0(), t0(), 0.5)
            .unwrap();
        assert_eq!(at - t0(), Duration::minutes(10));
    }

    #[test]
    fn no_attempt_is_scheduled_past_the_window() {
        let policy = RetryPolicy::default();
        let late = t0() + Duration::hours(23) + Duration::minutes(59);
        assert_eq!(policy.next_attempt(12, None, t0(), late, 0.0), None);
        assert_eq!(
            policy.next_attempt(1, Some(Duration::hours(25)), t0(), t0(), 0.0),
            None
        );
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        assert_eq!(parse_retry_after("120", t0()), Some(Duration::seconds(120)));
        assert_eq!(
            parse_retry_after("Tue, 24 Nov 2026 00:01:00 GMT", t0()),
            Some(Duration::seconds(60))
        );
        assert_eq!(parse_retry_after("soon", t0()), None);
    }
}
