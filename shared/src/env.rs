//! Reading a function's settings from environment variables (or any lookup, for tests): a
//! missing or bad value is an error naming the variable, never echoing a secret's value.

use std::str::FromStr;

/// Why a setting could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Settings by name; blank values count as unset.
pub struct Env<F>(pub F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub fn optional(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    pub fn required(&self, name: &'static str) -> Result<String, EnvError> {
        self.optional(name).ok_or(EnvError::Missing(name))
    }

    /// A number greater than zero, or `default` when unset.
    pub fn positive<T>(&self, name: &'static str, default: T) -> Result<T, EnvError>
    where
        T: FromStr + PartialOrd + Default,
    {
        let Some(value) = self.optional(name) else {
            return Ok(default);
        };
        match value.trim().parse::<T>() {
            Ok(n) if n > T::default() => Ok(n),
            _ => Err(EnvError::Invalid {
                name,
                reason: format!("{value:?} is not a positive whole number"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> Env<impl Fn(&str) -> Option<String>> {
        Env(move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn blank_counts_as_unset_and_missing_required_values_are_named() {
        let e = env(&[("A", "  "), ("B", "x")]);
        assert_eq!(e.optional("A"), None);
        assert_eq!(e.required("A"), Err(EnvError::Missing("A")));
        assert_eq!(e.required("B").as_deref(), Ok("x"));
    }

    #[test]
    fn numbers_must_be_positive() {
        let e = env(&[("N", "12"), ("Z", "0"), ("W", "soon")]);
        assert_eq!(e.positive("N", 5u64), Ok(12));
        assert_eq!(e.positive("MISSING", 5i64), Ok(5));
        assert!(e.positive("Z", 5i64).is_err());
        let err = e.positive("W", 5u64).unwrap_err().to_string();
        assert!(err.contains("W") && err.contains("soon"));
    }
}
