//! RFC 3339 timestamps. Events carry two each, so the common shapes
//! (`2026-03-02T09:00:00Z`, with fractional seconds, or with a `±HH:MM` offset) are read by a
//! fast path; anything else goes to chrono's full parser. A property test checks that both
//! agree.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

/// Parse an RFC 3339 timestamp into UTC.
pub fn parse_rfc3339(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    match fast(text.as_bytes()) {
        Some(t) => Ok(t),
        None => DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)),
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`; `None` for anything else (including leap
/// seconds), which the caller hands to chrono.
fn fast(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (hour, minute, second) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let len = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 || len > 9 {
            return None;
        }
        nanos = digits(&fraction[..len])? * 10u32.pow(9 - len as u32);
        rest = &fraction[len..];
    }
    let offset_seconds = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let minutes = digits(&[*h1, *h2])? * 60 + digits(&[*m1, *m2])?;
            let seconds = i32::try_from(minutes * 60).ok()?;
            if *sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    if second > 59 {
        return None;
    }
    let local = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanos)?;
    let offset = FixedOffset::east_opt(offset_seconds)?;
    Some(
        offset
            .from_local_datetime(&local)
            .single()?
            .with_timezone(&Utc),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_shapes_parse_to_utc() {
        assert_eq!(
            parse_rfc3339("2026-03-02T09:00:00Z").unwrap().to_rfc3339(),
            "2026-03-02T09:00:00+00:00"
        );
        assert_eq!(
            parse_rfc3339("2026-03-02T09:00:00.5+01:30")
                .unwrap()
                .to_rfc3339(),
            "2026-03-02T07:30:00.500+00:00"
        );
        assert_eq!(
            parse_rfc3339("2026-03-02t09:00:00-02:00")
                .unwrap()
                .to_rfc3339(),
            "2026-03-02T11:00:00+00:00"
        );
    }

    #[test]
    fn impossible_dates_and_other_formats_are_rejected() {
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-03-02 09:00",
            "2026-03-02T25:00:00Z",
            "yesterday",
            "2026-03-02T09:00:00",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn the_fast_path_agrees_with_chrono(
            year in 1970i32..2200, month in 1u32..=12, day in 1u32..=31,
            hour in 0u32..24, minute in 0u32..60, second in 0u32..61,
            fraction in proptest::option::of("[0-9]{1,9}"),
            offset in proptest::option::of((any::<bool>(), 0u32..24, 0u32..60)),
        ) {
            let mut text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
            if let Some(f) = &fraction { text.push('.'); text.push_str(f); }
            match offset {
                None => text.push('Z'),
                Some((neg, h, m)) => text.push_str(&format!("{}{h:02}:{m:02}", if neg { '-' } else { '+' })),
            }
            let chrono = DateTime::parse_from_rfc3339(&text).map(|t| t.with_timezone(&Utc)).ok();
            if let Some(fast) = fast(text.as_bytes()) {
                prop_assert_eq!(Some(fast), chrono, "{}", text);
            }
            prop_assert_eq!(parse_rfc3339(&text).ok(), chrono, "{}", text);
        }
    }
}
