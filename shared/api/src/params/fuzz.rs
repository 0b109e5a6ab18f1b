//! The query parameters of the anomaly routes over arbitrary input: parsing never panics and
//! every refusal names a parameter the request actually has.

use super::tests::now;
use super::*;
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(&FILTERS[..]).prop_map(str::to_owned),
        prop::sample::select(&["limit", "cursor", "field", "search"][..]).prop_map(str::to_owned),
        "[a-z_]{1,8}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,12}",
        Just(String::new()),
        Just("24h".to_owned()),
        Just("7d".to_owned()),
        Just("2026-11-01T00:00:00Z".to_owned()),
        Just("Europe/Paris".to_owned()),
        Just("high,low".to_owned()),
        Just("high_risk_access".to_owned()),
        Just("type".to_owned()),
        Just("0".to_owned()),
        Just("101".to_owned()),
        Just("a".repeat(300)),
    ]
}

fn query(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn names_one_of(result: Result<(), ApiError>, pairs: &[(String, String)]) -> Result<(), String> {
    match result {
        Ok(()) => Ok(()),
        Err(ApiError::InvalidParameter { parameter, message }) => {
            if message.is_empty() || !pairs.iter().any(|(n, _)| *n == parameter) {
                Err(format!("{parameter:?}: {message:?}"))
            } else {
                Ok(())
            }
        }
        Err(other) => Err(format!("not a parameter error: {other:?}")),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn any_query_is_parsed_or_refused_naming_one_of_its_parameters(
        pairs in prop::collection::vec((name(), value()), 0..6),
    ) {
        let text = query(&pairs);
        let listed = list(Some(&text), now(), Duration::days(400)).map(|_| ());
        let faceted = facets(Some(&text), now(), Duration::days(400)).map(|_| ());
        prop_assert_eq!(names_one_of(listed, &pairs), Ok(()), "{}", text);
        // A facets request without `field` is refused for it (it is required).
        let has_field = pairs.iter().any(|(n, _)| n == "field");
        match (faceted, has_field) {
            (Err(ApiError::InvalidParameter { parameter, .. }), false) if parameter == "field" => {}
            (result, _) => prop_assert_eq!(names_one_of(result, &pairs), Ok(()), "{}", text),
        }
    }

    #[test]
    fn arbitrary_bytes_in_a_query_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = list(Some(&text), now(), Duration::days(400));
        let _ = facets(Some(&text), now(), Duration::days(400));
    }
}
