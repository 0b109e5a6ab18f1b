//! Reading a Handlebars-rendered JSON body as the template meant it. Handlebars escapes `"`
//! (as `&quot;`) but neither a backslash nor a control character, and our template has no
//! backslash of its own: so every backslash and control character inside a string came from
//! the data, literally, and is escaped before the body is parsed; the HTML entities are
//! decoded after.

use crate::connectors::ConnectorError;
use serde_json::Value;

/// Parse the body as rendered from the template; if it does not read that way, as plain JSON
/// (a body written by hand), and if that fails too, report the plain JSON error.
pub(super) fn parse(payload: &[u8]) -> Result<Value, ConnectorError> {
    serde_json::from_slice(&literal(payload)).or_else(|_| {
        serde_json::from_slice(payload)
            .map_err(|e| ConnectorError::new("$", format!("not valid JSON: {e}")))
    })
}

/// Inside strings: every backslash as `\\`, control characters as `\u00XX`. Outside strings
/// nothing changes.
fn literal(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 16);
    let mut in_string = false;
    for &byte in payload {
        match (in_string, byte) {
            (false, b'"') => {
                in_string = true;
                out.push(byte);
            }
            (true, b'"') => {
                in_string = false;
                out.push(byte);
            }
            (true, b'\\') => out.extend_from_slice(b"\\\\"),
            (true, control) if control < 0x20 => {
                out.extend_from_slice(format!("\\u{control:04x}").as_bytes());
            }
            _ => out.push(byte),
        }
    }
    out
}

/// Decode the entities Handlebars writes (`&amp; &lt; &gt; &quot; &#x27; &#x60; &#x3D;`, and
/// their decimal forms) in every string.
pub(super) fn unescape_html(value: &mut Value) {
    match value {
        Value::String(text) if text.contains('&') => *text = decode(text),
        Value::Array(items) => items.iter_mut().for_each(unescape_html),
        Value::Object(fields) => fields.values_mut().for_each(unescape_html),
        _ => {}
    }
}

const ENTITIES: [(&str, char); 11] = [
    ("&amp;", '&'),
    ("&lt;", '<'),
    ("&gt;", '>'),
    ("&quot;", '"'),
    ("&#x27;", '\''),
    ("&#39;", '\''),
    ("&#x60;", '`'),
    ("&#96;", '`'),
    ("&#x3D;", '='),
    ("&#61;", '='),
    ("&#34;", '"'),
];

fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match ENTITIES.iter().find(|(name, _)| rest.starts_with(name)) {
            Some((name, ch)) => {
                out.push(*ch);
                rest = &rest[name.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backslashes_and_newlines_in_a_rendered_string_are_taken_literally() {
        // Arrange: what Handlebars renders for "line one\nC:\temp &quot;x&quot;".
        let body = b"{\"justification\": \"line one\nC:\\temp &quot;x&quot;\"}";
        // Act
        let value = parse(body).unwrap();
        // Assert
        assert_eq!(value["justification"], "line one\nC:\\temp &quot;x&quot;");
    }

    #[test]
    fn a_body_written_as_plain_json_still_reads() {
        let value = parse(br#"{"a": "say \"hi\""}"#).unwrap();
        assert_eq!(value["a"], "say \"hi\"");
    }

    #[test]
    fn a_body_that_no_repair_can_save_reports_its_own_error() {
        let err = parse(b"{\"a\": }").unwrap_err();
        assert!(err.to_string().starts_with("$: not valid JSON"), "{err}");
    }

    #[test]
    fn html_entities_are_decoded_in_every_string() {
        let mut value = serde_json::json!({"a": ["Tom &amp; Jerry &quot;x&quot; &#x3D; &#x27;y&#x27; &unknown;"]});
        unescape_html(&mut value);
        assert_eq!(value["a"][0], "Tom & Jerry \"x\" = 'y' &unknown;");
    }
}
