//! Time windows from query parameters: relative (`last=30m|12h|7d|4w|3mo`, optionally from
//! the start of the hour) or absolute (`from`/`to` as RFC 3339, or local date-times in
//! `tz`, an IANA zone, UTC by default).

use crate::error::ApiError;
use chrono::{DateTime, Duration, LocalResult, Months, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Largest count `last` takes (six digits: 999,999 months stays within the calendar).
const MAX_COUNT: u32 = 999_999;

/// Parse `last`: a count of 1 to [`MAX_COUNT`] and a unit (m, h, d, w, mo); the window
/// starts that long before `now` (calendar months for `mo`).
pub fn relative_start(value: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    let bad = || {
        ApiError::parameter(
            "last",
            format!("{value:?} is not a duration like 30m, 12h, 7d, 4w or 3mo"),
        )
    };
    let digits = value.chars().take_while(char::is_ascii_digit).count();
    let (count, unit) = value.split_at(digits);
    let count: u32 = count.parse().map_err(|_| bad())?;
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(ApiError::parameter(
            "last",
            format!("the count must be 1 to {MAX_COUNT}"),
        ));
    }
    let n = i64::from(count);
    let start = match unit {
        "m" => now.checked_sub_signed(Duration::minutes(n)),
        "h" => now.checked_sub_signed(Duration::hours(n)),
        "d" => now.checked_sub_signed(Duration::days(n)),
        "w" => now.checked_sub_signed(Duration::weeks(n)),
        "mo" => now.checked_sub_months(Months::new(count)),
        _ => return Err(bad()),
    };
    start.ok_or_else(|| ApiError::parameter("last", "reaches too far back"))
}

/// The start of the hour `t` falls in.
pub fn floor_hour(t: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = t.timestamp().div_euclid(3_600) * 3_600;
    DateTime::from_timestamp(seconds, 0).unwrap_or(t)
}

/// Parse the `tz` parameter.
pub fn zone(value: &str) -> Result<Tz, ApiError> {
    value.parse::<Tz>().map_err(|_| {
        ApiError::parameter(
            "tz",
            format!("{value:?} is not an IANA time zone such as Europe/Berlin"),
        )
    })
}

/// Which end of the window a time is for: a bare date means the start of that day for `from`
/// and the end of it for `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    From,
    To,
}

impl End {
    fn name(self) -> &'static str {
        match self {
            Self::From => "from",
            Self::To => "to",
        }
    }
}

const LOCAL_FORMATS: [&str; 3] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
];

/// Parse `from`/`to`: RFC 3339 with an offset, or a local date-time or date in `tz`. A local
/// time a clock change skips is an error; one it repeats means the earlier instant.
pub fn absolute(value: &str, tz: Tz, end: End) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = LOCAL_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok());
    let (naive, whole_day) = match naive {
        Some(n) => (n, false),
        None => {
            let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
                ApiError::parameter(
                    end.name(),
                    format!(
                        "{value:?} is not an RFC 3339 time (2026-11-20T09:00:00Z), a local \
                         date-time (2026-11-20T09:00) or a date (2026-11-20)"
                    ),
                )
            })?;
            (date.and_time(chrono::NaiveTime::MIN), true)
        }
    };
    let start = match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t,
        LocalResult::None => {
            return Err(ApiError::parameter(
                end.name(),
                format!("{value} does not exist in {tz} (the clocks skip it)"),
            ))
        }
    };
    if whole_day && end == End::To {
        // The last instant of the day: the next local midnight, less one nanosecond.
        let next = naive + Duration::days(1);
        let next = match tz.from_local_datetime(&next) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            LocalResult::None => start.with_timezone(&Utc) + Duration::days(1),
        };
        return Ok(next - Duration::nanoseconds(1));
    }
    Ok(start.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_documents_time_zones_are_exactly_the_ones_tz_accepts() {
        // Arrange
        let doc: serde_json::Value = serde_json::from_str(crate::routes::OPENAPI).unwrap();
        let listed: Vec<&str> = doc["components"]["parameters"]["tz"]["schema"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|name| name.as_str())
            .collect();
        // Act
        let known: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
        // Assert
        assert_eq!(listed, known);
        assert!(listed.iter().all(|name| zone(name).is_ok()));
    }

    #[test]
    fn relative_durations_cover_every_unit() {
        let now = utc("2026-03-31T10:30:00Z");
        for (value, start) in [
            ("30m", "2026-03-31T10:00:00Z"),
            ("12h", "2026-03-30T22:30:00Z"),
            ("7d", "2026-03-24T10:30:00Z"),
            ("2w", "2026-03-17T10:30:00Z"),
            ("1mo", "2026-02-28T10:30:00Z"),
        ] {
            assert_eq!(relative_start(value, now).unwrap(), utc(start), "{value}");
        }
        for bad in ["", "7", "d", "0d", "-1d", "7y", "1.5h", "99999999999d"] {
            assert!(relative_start(bad, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn local_times_are_read_in_the_given_zone_across_daylight_saving() {
        let berlin = zone("Europe/Berlin").unwrap();
        // Winter: UTC+1; summer: UTC+2.
        assert_eq!(
            absolute("2026-01-15T09:00", berlin, End::From).unwrap(),
            utc("2026-01-15T08:00:00Z")
        );
        assert_eq!(
            absolute("2026-07-15T09:00:00", berlin, End::From).unwrap(),
            utc("2026-07-15T07:00:00Z")
        );
        // 02:30 on 2026-03-29 does not exist in Berlin.
        assert!(absolute("2026-03-29T02:30", berlin, End::From).is_err());
        // 02:30 on 2026-10-25 happens twice: the earlier one (still UTC+2).
        assert_eq!(
            absolute("2026-10-25T02:30", berlin, End::From).unwrap(),
            utc("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn a_bare_date_spans_the_whole_local_day() {
        let tz = zone("UTC").unwrap();
        assert_eq!(
            absolute("2026-11-20", tz, End::From).unwrap(),
            utc("2026-11-20T00:00:00Z")
        );
        assert_eq!(
            absolute("2026-11-20", tz, End::To).unwrap(),
            utc("2026-11-20T23:59:59.999999999Z")
        );
    }

    #[test]
    fn rfc3339_with_an_offset_ignores_the_zone_parameter() {
        let tokyo = zone("Asia/Tokyo").unwrap();
        assert_eq!(
            absolute("2026-11-20T09:00:00+01:00", tokyo, End::From).unwrap(),
            utc("2026-11-20T08:00:00Z")
        );
        assert!(zone("Mars/Olympus").is_err());
        assert!(absolute("yesterday", tokyo, End::From).is_err());
    }

    #[test]
    fn rounding_to_the_hour_drops_minutes_and_seconds() {
        assert_eq!(
            floor_hour(utc("2026-11-20T09:59:59.5Z")),
            utc("2026-11-20T09:00:00Z")
        );
    }
}
