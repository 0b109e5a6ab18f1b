//! Reading a platform's JSON by field, every error naming the field's full JSON path
//! (`data.access_groups[0].integration.id: is required but missing`). For the connectors whose
//! payloads are read as `serde_json::Value` (Common Fate, Apono).

use super::ConnectorError;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A JSON value and the path it was found at (`""` for the root).
#[derive(Clone)]
pub(super) struct Node<'v> {
    pub value: &'v Value,
    path: String,
}

impl<'v> Node<'v> {
    pub fn root(value: &'v Value) -> Self {
        Self {
            value,
            path: String::new(),
        }
    }

    /// The full path of `field` under this node.
    fn path_of(&self, field: &str) -> String {
        if self.path.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.path)
        }
    }

    pub fn error(&self, field: &str, message: impl Into<String>) -> ConnectorError {
        ConnectorError::new(self.path_of(field), message)
    }

    /// A required RFC 3339 time field.
    pub fn instant(&self, field: &str) -> Result<DateTime<Utc>, ConnectorError> {
        super::instant(self.required(field)?, &self.path_of(field))
    }

    /// A non-blank string field, or `None` when absent, null or blank.
    pub fn text(&self, field: &str) -> Result<Option<&'v str>, ConnectorError> {
        match self.value.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim())),
            Some(_) => Err(self.error(field, "must be a string")),
        }
    }

    /// A required non-blank string field.
    pub fn required(&self, field: &str) -> Result<&'v str, ConnectorError> {
        match self.value.get(field) {
            None | Some(Value::Null) => Err(self.error(field, "is required but missing")),
            Some(Value::String(s)) if s.trim().is_empty() => {
                Err(self.error(field, "must be a non-empty string"))
            }
            Some(Value::String(s)) => Ok(s.trim()),
            Some(_) => Err(self.error(field, "must be a string")),
        }
    }

    /// An object field, or `None` when absent or null.
    pub fn object(&self, field: &str) -> Result<Option<Node<'v>>, ConnectorError> {
        match self.value.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value @ Value::Object(_)) => Ok(Some(Node {
                value,
                path: self.path_of(field),
            })),
            Some(_) => Err(self.error(field, "must be an object")),
        }
    }

    /// A required object field.
    pub fn required_object(&self, field: &str) -> Result<Node<'v>, ConnectorError> {
        self.object(field)?
            .ok_or_else(|| self.error(field, "is required but missing"))
    }

    /// The items of an array field (none when absent or null), each with its indexed path.
    pub fn items(&self, field: &str) -> Result<Vec<Node<'v>>, ConnectorError> {
        match self.value.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                let base = self.path_of(field);
                Ok(items
                    .iter()
                    .enumerate()
                    .map(|(i, value)| Node {
                        value,
                        path: format!("{base}[{i}]"),
                    })
                    .collect())
            }
            Some(_) => Err(self.error(field, "must be an array")),
        }
    }

    /// A number, or a string holding one (templates that quote every value), or `None`.
    pub fn number(&self, field: &str) -> Result<Option<f64>, ConnectorError> {
        match self.value.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(Some)
                .ok_or_else(|| self.error(field, format!("{s:?} is not a number"))),
            Some(_) => Err(self.error(field, "must be a number")),
        }
    }
}

/// Parse a payload that must be a JSON object.
pub(super) fn object(payload: &[u8], what: &str) -> Result<Value, ConnectorError> {
    let value: Value = serde_json::from_slice(payload)
        .map_err(|e| ConnectorError::new("$", format!("not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ConnectorError::new("$", format!("{what} is a JSON object")));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_name_the_full_path_of_nested_and_indexed_fields() {
        // Arrange
        let value = json!({"data": {"groups": [{"integration": {"id": 7}}]}});
        let root = Node::root(&value);
        // Act
        let group = &root
            .required_object("data")
            .unwrap()
            .items("groups")
            .unwrap()[0];
        let err = group
            .required_object("integration")
            .unwrap()
            .required("id")
            .unwrap_err();
        let missing = root.required("event").unwrap_err();
        // Assert
        assert_eq!(
            err.to_string(),
            "data.groups[0].integration.id: must be a string"
        );
        assert_eq!(missing.to_string(), "event: is required but missing");
    }

    #[test]
    fn numbers_may_be_quoted_and_blank_means_absent() {
        let value = json!({"a": "1696263265.85", "b": "", "c": 3, "d": "soon"});
        let node = Node::root(&value);
        assert_eq!(node.number("a").unwrap(), Some(1696263265.85));
        assert_eq!(node.number("b").unwrap(), None);
        assert_eq!(node.number("c").unwrap(), Some(3.0));
        assert_eq!(
            node.number("d").unwrap_err().to_string(),
            "d: \"soon\" is not a number"
        );
    }
}
