//! Text helpers: keyword matching on normalized text, so `AmazonS3FullAccess`, `FULL_ACCESS`
//! and `Full-Access` all contain `full access`, and `ProdPayments` contains `prod`; and
//! [`truncate`], which every output format uses to stay within its receiver's limits.
//!
//! Normalization: insert a space at every lowercase-or-digit → uppercase boundary, lowercase,
//! turn every run of non-alphanumeric characters into one space, trim. Keywords are
//! normalized the same way and matched as substrings.

/// Normalize `text` for keyword matching.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous_lower_or_digit = false;
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            let boundary = c.is_uppercase() && previous_lower_or_digit;
            if (pending_space || boundary) && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            previous_lower_or_digit = c.is_lowercase() || c.is_numeric();
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            pending_space = true;
            previous_lower_or_digit = false;
        }
    }
    out
}

/// `text` cut to at most `max` characters, ending with `…` when cut (at a character
/// boundary, never inside one).
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) => {
            let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
            cut.push('…');
            cut
        }
    }
}

/// A list of keywords, kept both as configured and normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeywordSet {
    keywords: Vec<(String, String)>,
}

impl KeywordSet {
    /// Build a set from configured keywords; blank keywords are dropped.
    pub fn new<I, S>(keywords: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let keywords = keywords
            .into_iter()
            .map(|k| (k.as_ref().to_owned(), normalize(k.as_ref())))
            .filter(|(_, normalized)| !normalized.is_empty())
            .collect();
        Self { keywords }
    }

    /// The configured keywords that `text` contains once both are normalized.
    pub fn matches_in<'a>(&'a self, text: &str) -> impl Iterator<Item = &'a str> + 'a {
        let normalized = normalize(text);
        self.keywords
            .iter()
            .filter(move |(_, keyword)| normalized.contains(keyword.as_str()))
            .map(|(original, _)| original.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_cuts_at_a_character_boundary() {
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo wörld", 6), "héllo…");
        assert_eq!(truncate("ééééé", 3).chars().count(), 3);
        assert_eq!(truncate("abc", 0), "…");
    }

    #[test]
    fn camel_case_is_split_at_lower_to_upper_boundaries() {
        assert_eq!(normalize("AmazonS3FullAccess"), "amazon s3 full access");
        assert_eq!(normalize("ProdPayments"), "prod payments");
    }

    #[test]
    fn underscores_hyphens_and_runs_of_punctuation_become_one_space() {
        assert_eq!(normalize("FULL_ACCESS"), "full access");
        assert_eq!(normalize("Full-Access"), "full access");
        assert_eq!(normalize("  env: prod -- eu  "), "env prod eu");
    }

    #[test]
    fn an_all_caps_word_is_not_split() {
        assert_eq!(normalize("HTTPServer"), "httpserver");
    }

    #[test]
    fn digits_before_an_uppercase_letter_are_a_boundary() {
        assert_eq!(normalize("S3Admin"), "s3 admin");
    }

    #[test]
    fn keywords_match_as_normalized_substrings() {
        let set = KeywordSet::new(["full access", "admin"]);
        assert_eq!(
            set.matches_in("AmazonS3FullAccess").collect::<Vec<_>>(),
            ["full access"]
        );
        assert_eq!(
            set.matches_in("db_admin_role").collect::<Vec<_>>(),
            ["admin"]
        );
    }

    #[test]
    fn a_keyword_broken_by_a_separator_does_not_match() {
        let set = KeywordSet::new(["admin", "full access"]);
        assert_eq!(set.matches_in("ad-min").count(), 0);
        assert_eq!(set.matches_in("fullaccess").count(), 0);
    }

    #[test]
    fn keywords_are_normalized_like_the_text() {
        let set = KeywordSet::new(["FullAccess", "  "]);
        assert_eq!(
            set.matches_in("FULL_ACCESS").collect::<Vec<_>>(),
            ["FullAccess"]
        );
    }
}
