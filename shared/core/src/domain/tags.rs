//! Resource tags: a JSON object of string → string, kept as a sorted vector. Resources carry
//! zero to a handful of tags, where a vector is a fraction of a B-tree's memory.

use compact_str::CompactString;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Tags sorted by key; a key given twice keeps its last value, as JSON parsers do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags(Vec<(CompactString, CompactString)>);

impl Tags {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The value of `key`, if tagged.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.0[i].1.as_str())
    }

    /// Key-value pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&CompactString, &CompactString)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl FromIterator<(CompactString, CompactString)> for Tags {
    fn from_iter<I: IntoIterator<Item = (CompactString, CompactString)>>(iter: I) -> Self {
        let mut pairs: Vec<(CompactString, CompactString)> = iter.into_iter().collect();
        // Stable sort, then keep the last of equal keys.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(CompactString, CompactString)> = Vec::with_capacity(pairs.len());
        for pair in pairs {
            match out.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => out.push(pair),
            }
        }
        Self(out)
    }
}

impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagsVisitor;
        impl<'de> Visitor<'de> for TagsVisitor {
            type Value = Tags;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of string tag values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tags, A::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(2).min(64));
                while let Some(pair) = map.next_entry::<CompactString, CompactString>()? {
                    pairs.push(pair);
                }
                Ok(pairs.into_iter().collect())
            }
        }
        deserializer.deserialize_map(TagsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_as_a_json_object_in_key_order() {
        let tags: Tags = serde_json::from_str(r#"{"team": "billing", "env": "prod"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&tags).unwrap(),
            r#"{"env":"prod","team":"billing"}"#
        );
        assert_eq!(tags.get("env"), Some("prod"));
        assert_eq!(tags.get("owner"), None);
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value() {
        let tags: Tags = serde_json::from_str(r#"{"env": "dev", "env": "prod"}"#).unwrap();
        assert_eq!(tags.iter().count(), 1);
        assert_eq!(tags.get("env"), Some("prod"));
    }

    #[test]
    fn a_non_string_value_is_rejected() {
        assert!(serde_json::from_str::<Tags>(r#"{"env": 3}"#).is_err());
    }
}
