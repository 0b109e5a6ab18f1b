//! Custom templates over arbitrary text: registration never panics and a refusal names
//! `format.template` or `format.content_type`; a template registration accepted renders, or
//! fails with a render error, without panicking.

use super::tests::envelope;
use super::*;
use proptest::prelude::*;

/// Pieces a template is made of: text, placeholders (known and unknown), filters, blocks,
/// and stray delimiters.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,8}",
        Just("{{ data.severity }}".to_owned()),
        Just("{{ data.summary | upper }}".to_owned()),
        Just("{{ data.resources | tojson }}".to_owned()),
        Just("{{ event_type }}".to_owned()),
        Just("{{ data.nope }}".to_owned()),
        Just("{{ secrets }}".to_owned()),
        Just("{% for r in data.resources %}{{ r.id }},{% endfor %}".to_owned()),
        Just("{% if data.severity == \"high\" %}".to_owned()),
        Just("{% endif %}".to_owned()),
        Just("{{".to_owned()),
        Just("}}".to_owned()),
        Just("{%".to_owned()),
        Just("{#".to_owned()),
        Just("\"".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_template_is_refused_naming_its_field_or_renders_without_panicking(
        pieces in prop::collection::vec(piece(), 0..12),
        content_type in prop_oneof![
            Just("application/json".to_owned()),
            Just("text/plain".to_owned()),
            Just("application/vnd.api+json".to_owned()),
            ".{0,12}",
        ],
    ) {
        let format = Format::Template { template: pieces.concat(), content_type };
        match format.validate() {
            Err(invalid) => {
                prop_assert!(
                    invalid.field == "format.template" || invalid.field == "format.content_type",
                    "{invalid:?}"
                );
                prop_assert!(!invalid.message.is_empty());
            }
            Ok(()) => {
                let _ = format.render(&envelope());
            }
        }
    }
}
