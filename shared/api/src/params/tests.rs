use super::*;

/// The fixed current time of the parameter tests (and the fuzzing beside them).
pub(super) fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T10:30:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn parse(q: &str) -> Result<ListQuery, ApiError> {
    list(Some(q), now(), Duration::days(400))
}

fn rejected_parameter(q: &str) -> String {
    match parse(q) {
        Err(ApiError::InvalidParameter { parameter, .. }) => parameter,
        other => panic!("{q}: expected an invalid parameter, got {other:?}"),
    }
}

#[test]
fn repeated_and_comma_separated_values_both_mean_any_of() {
    let q = parse("type=inactive_user&type=high_risk_access,access_automation").unwrap();
    assert_eq!(q.filter.types.len(), 3);
    let q = parse("severity=high,critical&status=open&user=u1,u2&integration=aws").unwrap();
    assert_eq!(
        q.filter.severities,
        vec![Severity::High, Severity::Critical]
    );
    assert_eq!(q.filter.users.len(), 2);
}

#[test]
fn without_time_parameters_the_window_is_the_lookback() {
    let q = parse("").unwrap();
    assert_eq!(q.filter.to, now());
    assert_eq!(q.filter.from, now() - Duration::days(400));
    assert_eq!((q.limit, q.cursor), (DEFAULT_LIMIT, None));
}

#[test]
fn every_time_bound_given_narrows_the_window() {
    // Arrange / Act
    let before_to = parse("last=2d&to=2026-11-10T00:00:00Z").unwrap();
    let later_from = parse("last=7d&from=2026-11-19T00:00:00Z").unwrap();
    let later_last = parse("last=1d&from=2026-11-01T00:00:00Z").unwrap();
    let all = parse("last=1d&from=2026-11-01&to=2026-11-05").unwrap();
    let rounded = parse("from=2026-11-01T10:45:00Z&round_to_hour=true").unwrap();
    // Assert
    let window = |q: &ListQuery| (q.filter.from.to_rfc3339(), q.filter.to.to_rfc3339());
    assert_eq!(
        window(&before_to),
        (
            "2026-11-08T00:00:00+00:00".into(),
            "2026-11-10T00:00:00+00:00".into()
        )
    );
    assert_eq!(
        later_from.filter.from.to_rfc3339(),
        "2026-11-19T00:00:00+00:00"
    );
    assert_eq!(later_from.filter.to, now());
    assert_eq!(later_last.filter.from, now() - Duration::days(1));
    assert_eq!(
        window(&all),
        (
            "2026-11-04T23:59:59.999999999+00:00".into(),
            "2026-11-05T23:59:59.999999999+00:00".into()
        )
    );
    assert_eq!(
        rounded.filter.from.to_rfc3339(),
        "2026-11-01T10:00:00+00:00"
    );
}

#[test]
fn a_window_is_kept_within_the_years_rfc_3339_can_write() {
    // Arrange / Act: a start 400 days before year 0, an end past 9999 in UTC.
    let q = parse("to=0000-01-01").unwrap();
    let late = parse("from=9999-12-31T23:00:00-05:00").unwrap();
    // Assert
    assert_eq!(q.filter.from.to_rfc3339(), "0000-01-01T00:00:00+00:00");
    assert_eq!(
        late.filter.from.to_rfc3339(),
        "9999-12-31T23:59:59.999999999+00:00"
    );
}

#[test]
fn a_window_that_starts_after_it_ends_is_empty_not_an_error() {
    // Arrange / Act
    let q = parse("from=2026-11-20&to=2026-11-01").unwrap();
    // Assert
    assert!(q.filter.from > q.filter.to);
}

#[test]
fn a_relative_window_can_start_on_the_hour() {
    let q = parse("last=2h&round_to_hour=true").unwrap();
    assert_eq!(q.filter.from.to_rfc3339(), "2026-11-20T08:00:00+00:00");
    assert_eq!(q.filter.to, now());
}

#[test]
fn local_times_use_the_zone_parameter() {
    let q = parse("from=2026-11-20T09:00&to=2026-11-20T10:00&tz=Europe/Berlin").unwrap();
    assert_eq!(q.filter.from.to_rfc3339(), "2026-11-20T08:00:00+00:00");
}

#[test]
fn q_is_lowercased() {
    assert_eq!(
        parse("q=ProdDB").unwrap().filter.q.as_deref(),
        Some("proddb")
    );
}

#[test]
fn every_bad_parameter_is_named() {
    for (query, parameter) in [
        ("colour=red", "colour"),
        ("type=unknown_kind", "type"),
        ("severity=hgih", "severity"),
        ("status=closed", "status"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("last=7x", "last"),
        ("round_to_hour=yes", "round_to_hour"),
        ("from=tomorrow", "from"),
        ("tz=Nowhere/City", "tz"),
        ("user=", "user"),
        ("type=inactive_user,", "type"),
        ("limit=5&limit=6", "limit"),
    ] {
        assert_eq!(rejected_parameter(query), parameter, "{query}");
    }
    let long = format!("q={}", "x".repeat(MAX_TEXT + 1));
    assert_eq!(rejected_parameter(&long), "q");
}

#[test]
fn facets_need_a_known_field() {
    let ok = facets(
        Some("field=user&search=Ali&type=inactive_user"),
        now(),
        Duration::days(1),
    );
    let ok = ok.unwrap();
    assert_eq!((ok.field, ok.search.as_deref()), (Field::User, Some("ali")));
    assert!(facets(None, now(), Duration::days(1)).is_err());
    assert!(facets(Some("field=colour"), now(), Duration::days(1)).is_err());
    assert!(facets(Some("field=user&cursor=x"), now(), Duration::days(1)).is_err());
}
