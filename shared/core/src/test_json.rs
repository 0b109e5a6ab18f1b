//! Arbitrary JSON for the property tests of parsers (the contract, the connectors): leaves
//! of every kind, plus strings a parser looks for, nested up to three levels under object
//! keys that include the names the parser reads.

use proptest::prelude::*;
use serde_json::{json, Value};

/// JSON whose objects use `keys` (and short random names), whose strings include `strings`.
pub fn any_json(
    keys: &'static [&'static str],
    strings: &'static [&'static str],
) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(strings).prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    prop::sample::select(keys).prop_map(str::to_owned),
                    ".{0,6}".prop_map(|s| s),
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
