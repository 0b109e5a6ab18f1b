//! Error plumbing every layer shares: a boxed cause, and a cause written out with its whole
//! chain (what `{err}` alone would not show for an SDK error).

use std::error::Error;
use std::fmt::Write;

/// Any cause, kept as the `source` of a typed error.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// `err` and each of its sources, joined by `: `.
pub fn chain(err: &(dyn Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.ends_with(&line) {
            let _ = write!(text, ": {line}");
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn a_chain_names_every_cause_once() {
        let err = Outer(std::io::Error::other("disk full"));
        assert_eq!(chain(&err), "outer: disk full");
        let plain = std::io::Error::other("alone");
        assert_eq!(chain(&plain), "alone");
    }
}
