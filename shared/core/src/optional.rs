//! Optional fields of request bodies: absent means "not given", and `null` is refused. The
//! OpenAPI document types these fields without null, so the API accepts exactly what it says.
//! Use as `#[serde(default, deserialize_with = "anomalies_core::optional::present")]`.

use serde::{Deserialize, Deserializer};

/// A field that, when present, holds a value.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// A whole number that fits `u32`, written as JSON writes it: `7` or `7.0` (JSON Schema's
/// `integer` admits both).
pub fn present_whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    let whole = number.as_u64().or_else(|| {
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX))
            .map(|f| f as u64)
    });
    whole
        .and_then(|w| u32::try_from(w).ok())
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{number} is not a whole number from 0 to {}",
                u32::MAX
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Body {
        #[serde(default, deserialize_with = "present")]
        note: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Timeout {
        #[serde(default, deserialize_with = "present_whole")]
        seconds: Option<u32>,
    }

    #[test]
    fn a_whole_number_may_be_written_with_a_zero_fraction_and_nothing_else_passes() {
        // Arrange
        let read = |json: &str| serde_json::from_str::<Timeout>(json).map(|t| t.seconds);
        // Act / Assert
        assert_eq!(read(r#"{"seconds": 7}"#).unwrap(), Some(7));
        assert_eq!(read(r#"{"seconds": 7.0}"#).unwrap(), Some(7));
        assert_eq!(read("{}").unwrap(), None);
        for bad in ["7.5", "-1", "4294967296", "null", "\"7\""] {
            assert!(read(&format!(r#"{{"seconds": {bad}}}"#)).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_absent_field_is_none_a_value_is_some_and_null_is_refused() {
        // Arrange / Act
        let absent: Body = serde_json::from_str("{}").unwrap();
        let given: Body = serde_json::from_str(r#"{"note": "x"}"#).unwrap();
        let null = serde_json::from_str::<Body>(r#"{"note": null}"#);
        // Assert
        assert_eq!(absent.note, None);
        assert_eq!(given.note.as_deref(), Some("x"));
        let err = null.unwrap_err().to_string();
        assert!(err.contains("null"), "{err}");
    }
}
