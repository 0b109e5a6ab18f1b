//! The anomalies API, each scenario run on the in-memory store and on DynamoDB in moto, with
//! requests shaped as API Gateway delivers them and responses checked against the OpenAPI
//! document.

use anomalies_core::anomaly::{Anomaly, AnomalyType, Severity, TriageStatus};
use anomalies_core::domain::TenantId;
use anomalies_core::sample::anomalies;
use chrono::{DateTime, Duration, TimeZone, Utc};
use integration_tests::api::{Caller, Harness};
use serde_json::Value;

const ACME: Caller<'static> = Some(("acme", "alice@acme.example"));
const GLOBEX: Caller<'static> = Some(("globex", "gina@globex.example"));

fn end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
}

fn acme(count: usize, seed: u64) -> Vec<Anomaly> {
    anomalies(
        seed,
        &TenantId::try_from("acme").unwrap(),
        count,
        40,
        end(),
        30,
    )
}

async fn seeded(harness: &Harness, count: usize) -> Vec<Anomaly> {
    let mine = acme(count, 1);
    harness.seed(&mine).await;
    let theirs = anomalies(2, &TenantId::try_from("globex").unwrap(), 60, 40, end(), 30);
    harness.seed(&theirs).await;
    mine
}

/// Every page of a list query (limit `limit`), concatenated ids.
async fn all_pages(harness: &Harness, query: &str, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut uri = format!("/v1/anomalies?{query}&limit={limit}");
        if let Some(c) = &cursor {
            uri.push_str(&format!("&cursor={c}"));
        }
        let reply = harness.get(&uri, ACME).await;
        assert_eq!(reply.status, 200, "{uri}: {}", reply.body);
        let items = reply.body["items"].as_array().unwrap();
        ids.extend(items.iter().map(|a| a["id"].as_str().unwrap().to_owned()));
        match reply.body["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(items.len(), limit, "{uri}: a page before the last is full");
                cursor = Some(next.to_owned());
            }
            None => return ids,
        }
    }
}

fn newest_first(all: &[Anomaly], keep: impl Fn(&Anomaly) -> bool) -> Vec<String> {
    let mut hits: Vec<&Anomaly> = all.iter().filter(|a| keep(a)).collect();
    hits.sort_by(|a, b| (b.detected_at, &b.id).cmp(&(a.detected_at, &a.id)));
    hits.iter().map(|a| a.id.to_string()).collect()
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn filters_and_their_combinations_return_exactly_the_matching_anomalies(h: Harness) {
    // Arrange
    let all = seeded(&h, 400).await;
    let in_window =
        |a: &Anomaly, from: &str, to: &str| a.detected_at >= t(from) && a.detected_at <= t(to);
    type Check = Box<dyn Fn(&Anomaly) -> bool>;
    let cases: Vec<(&str, Check)> = vec![
        (
            "from=2026-05-10T00:00:00Z&to=2026-05-25T00:00:00Z&type=high_risk_access&severity=critical,high",
            Box::new(move |a| {
                in_window(a, "2026-05-10T00:00:00Z", "2026-05-25T00:00:00Z")
                    && a.kind == AnomalyType::HighRiskAccess
                    && matches!(a.severity, Severity::High | Severity::Critical)
            }),
        ),
        (
            "user=user-00001&user=user-00003&from=2026-05-05T00:00:00Z",
            Box::new(move |a| {
                ["user-00001", "user-00003"].contains(&a.requester.id.as_str())
                    && a.detected_at >= t("2026-05-05T00:00:00Z")
            }),
        ),
        (
            "integration=aws-main&resource_type=aws-s3-bucket",
            Box::new(|a| a.integration.id.as_str() == "aws-main" && a.resource_type == "aws-s3-bucket"),
        ),
        (
            "status=open,acknowledged&q=PAYMENTS",
            Box::new(|a| {
                matches!(a.status, TriageStatus::Open | TriageStatus::Acknowledged)
                    && (a.summary.to_lowercase().contains("payments")
                        || a.resources.iter().any(|r| r.name.as_deref().unwrap_or("").contains("payments")))
            }),
        ),
        ("type=inactive_user", Box::new(|a| a.kind == AnomalyType::InactiveUser)),
        ("severity=critical", Box::new(|a| a.severity == Severity::Critical)),
        ("status=dismissed", Box::new(|a| a.status == TriageStatus::Dismissed)),
        ("resource_type=okta-group,snowflake-role", Box::new(|a| ["okta-group", "snowflake-role"].contains(&a.resource_type.as_str()))),
        ("integration=github&type=access_automation", Box::new(|a| a.integration.id.as_str() == "github" && a.kind == AnomalyType::AccessAutomation)),
        (
            "from=2026-05-10T09:00&to=2026-05-12T18:00&tz=Europe/Berlin",
            Box::new(move |a| in_window(a, "2026-05-10T07:00:00Z", "2026-05-12T16:00:00Z")),
        ),
        (
            "from=2026-05-20&to=2026-05-20",
            Box::new(move |a| in_window(a, "2026-05-20T00:00:00Z", "2026-05-20T23:59:59.999999999Z")),
        ),
        ("", Box::new(|_| true)),
    ];
    for (query, keep) in cases {
        // Act
        let ids = all_pages(&h, query, 23).await;
        // Assert
        let expected = newest_first(&all, keep);
        assert!(!expected.is_empty(), "{query} should match something");
        assert_eq!(ids, expected, "{query}");
    }
}

async fn a_relative_window_counts_back_from_now(h: Harness) {
    let now = Utc::now();
    let tenant = TenantId::try_from("acme").unwrap();
    let recent = anomalies(5, &tenant, 50, 10, now, 2);
    h.seed(&recent).await;
    let ids = all_pages(&h, "last=12h", 50).await;
    let expected = newest_first(&recent, |a| a.detected_at >= now - Duration::hours(12));
    assert!(!expected.is_empty() && expected.len() < recent.len());
    // Anything detected in the second between computing `now` here and in the API is in both.
    assert_eq!(ids, expected);
    let rounded = all_pages(&h, "last=12h&round_to_hour=true", 50).await;
    assert!(rounded.len() >= ids.len());
}

async fn pages_have_no_duplicates_or_gaps_while_new_anomalies_arrive(h: Harness) {
    // Arrange
    let all = seeded(&h, 200).await;
    let expected = newest_first(&all, |_| true);
    let tenant = TenantId::try_from("acme").unwrap();
    let newer = anomalies(77, &tenant, 60, 10, end() + Duration::days(2), 1);
    let mut newer = newer.chunks(10);
    // Act
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let query = "from=2026-04-01T00:00:00Z&to=2026-06-05T00:00:00Z&limit=30";
    loop {
        let uri = match &cursor {
            Some(c) => format!("/v1/anomalies?{query}&cursor={c}"),
            None => format!("/v1/anomalies?{query}"),
        };
        let reply = h.get(&uri, ACME).await;
        ids.extend(
            reply.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_owned()),
        );
        if let Some(batch) = newer.next() {
            h.seed(batch).await;
        }
        match reply.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    // Assert
    assert_eq!(ids, expected);
}

async fn bad_parameters_and_cursors_are_400_naming_the_parameter(h: Harness) {
    seeded(&h, 30).await;
    for (query, parameter) in [
        ("severity=hgih", "severity"),
        ("colour=red", "colour"),
        ("limit=1000", "limit"),
        ("last=1000000d", "last"),
        ("tz=Atlantis/Capital&from=2026-01-01T00:00", "tz"),
        ("from=2026-03-29T02:30&tz=Europe/Berlin", "from"),
        ("cursor=forged.cursor", "cursor"),
    ] {
        let reply = h.get(&format!("/v1/anomalies?{query}"), ACME).await;
        assert_eq!(
            (reply.status, reply.parameter()),
            (400, Some(parameter)),
            "{query}: {}",
            reply.body
        );
    }
    // A real cursor used with other filters, or by another tenant, is refused too.
    let first = h.get("/v1/anomalies?limit=5", ACME).await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let other_filter = h
        .get(
            &format!("/v1/anomalies?limit=5&type=inactive_user&cursor={cursor}"),
            ACME,
        )
        .await;
    assert_eq!(other_filter.parameter(), Some("cursor"));
    let other_tenant = h
        .get(&format!("/v1/anomalies?limit=5&cursor={cursor}"), GLOBEX)
        .await;
    assert_eq!(other_tenant.parameter(), Some("cursor"));
    let facets = h.get("/v1/anomalies/facets?field=colour", ACME).await;
    assert_eq!(facets.parameter(), Some("field"));
}

async fn callers_without_claims_are_401_and_tenants_never_see_each_other(h: Harness) {
    // Arrange
    let mine = seeded(&h, 40).await;
    let id = mine[0].id.as_str();
    // Act / Assert: no authorizer claims at all.
    for (method, uri) in [
        ("GET", "/v1/anomalies".to_owned()),
        ("GET", "/v1/anomalies/facets?field=user".to_owned()),
        ("GET", format!("/v1/anomalies/{id}")),
        ("POST", format!("/v1/anomalies/{id}/revoke")),
    ] {
        assert_eq!(
            h.call(method, &uri, None, None).await.status,
            401,
            "{method} {uri}"
        );
    }
    // Claims without a tenant.
    assert_eq!(h.get("/v1/anomalies", Some(("", "x"))).await.status, 401);
    // Another tenant: the list holds only its own, the id is unknown to it.
    let theirs = all_pages(&h, "", 100).await;
    assert!(theirs
        .iter()
        .all(|i| mine.iter().any(|a| a.id.as_str() == i)));
    let globex_list = h.get("/v1/anomalies?limit=500", GLOBEX).await;
    let globex_ids: Vec<&str> = globex_list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(globex_ids.len(), 60);
    assert!(!globex_ids.contains(&id));
    assert_eq!(
        h.get(&format!("/v1/anomalies/{id}"), GLOBEX).await.status,
        404
    );
    let patch = h
        .call(
            "PATCH",
            &format!("/v1/anomalies/{id}"),
            GLOBEX,
            Some(r#"{"status":"resolved"}"#),
        )
        .await;
    assert_eq!(patch.status, 404);
    assert_eq!(
        h.call("POST", &format!("/v1/anomalies/{id}/revoke"), GLOBEX, None)
            .await
            .status,
        404
    );
    assert!(h.bus.events().is_empty(), "nothing was announced");
}

async fn triage_and_revocation_are_recorded_and_announced(h: Harness) {
    // Arrange
    let mine = seeded(&h, 20).await;
    let a = mine
        .iter()
        .find(|a| a.status == TriageStatus::Open)
        .unwrap();
    let uri = format!("/v1/anomalies/{}", a.id);
    // Act: acknowledge with a note.
    let reply = h
        .call(
            "PATCH",
            &uri,
            ACME,
            Some(r#"{"status":"acknowledged","note":"checking with Frank"}"#),
        )
        .await;
    // Assert
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], "acknowledged");
    let entry = &reply.body["history"][0];
    assert_eq!(
        (
            entry["actor"].as_str(),
            entry["from"].as_str(),
            entry["to"].as_str()
        ),
        (
            Some("alice@acme.example"),
            Some("open"),
            Some("acknowledged")
        )
    );
    assert_eq!(entry["note"], "checking with Frank");
    let listed = all_pages(&h, "status=acknowledged", 50).await;
    assert!(
        listed.contains(&a.id.to_string()),
        "the class index follows the new status"
    );
    let still_open = all_pages(&h, "status=open", 50).await;
    assert!(!still_open.contains(&a.id.to_string()));
    // Dismiss with suppression.
    let until = (Utc::now() + Duration::days(30)).to_rfc3339();
    let body = format!(r#"{{"status":"dismissed","suppress_until":"{until}"}}"#);
    let reply = h.call("PATCH", &uri, ACME, Some(&body)).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body["suppressed_until"].is_string());
    // Revoke.
    let reply = h
        .call(
            "POST",
            &format!("{uri}/revoke"),
            ACME,
            Some(r#"{"reason":"not needed any more"}"#),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.body["revoke"]["request_id"], a.request_id.as_str());
    assert_eq!(reply.body["revoke"]["actor"], "alice@acme.example");
    let details = h.get(&uri, ACME).await;
    let history = details.body["history"].as_array().unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[2]["action"], "revoke_requested");
    let kinds: Vec<&str> = h
        .bus
        .events()
        .iter()
        .map(|e| e.detail_type.as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "Anomaly Updated",
            "Anomaly Updated",
            "Revoke Access Requested",
            "Anomaly Updated"
        ]
    );
    let revoke_event = &h.bus.events()[2];
    assert_eq!(revoke_event.detail["anomaly_id"], a.id.as_str());
}

async fn bad_triage_requests_are_refused_without_a_trace(h: Harness) {
    let mine = seeded(&h, 10).await;
    let uri = format!("/v1/anomalies/{}", mine[0].id);
    for body in [
        r#"{"status":"closed"}"#,
        r#"{"status":"resolved","colour":"red"}"#,
        r#"{"note":"no status"}"#,
        r#"{"status":"resolved","suppress_until":"2030-01-01T00:00:00Z"}"#,
        r#"{"status":"dismissed","suppress_until":null}"#,
        "not json",
    ] {
        let reply = h.call("PATCH", &uri, ACME, Some(body)).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
    }
    let big = format!(
        r#"{{"status":"resolved","note":"{}"}}"#,
        "x".repeat(70 * 1024)
    );
    assert_eq!(h.call("PATCH", &uri, ACME, Some(&big)).await.status, 413);
    let unknown = h
        .call(
            "PATCH",
            "/v1/anomalies/anm_00000000000000000000000000000000",
            ACME,
            Some(r#"{"status":"resolved"}"#),
        )
        .await;
    assert_eq!(unknown.status, 404);
    let details = h.get(&uri, ACME).await;
    assert_eq!(details.body["history"], Value::Array(vec![]));
    assert!(h.bus.events().is_empty());
}

async fn details_carry_links_and_recommendations(h: Harness) {
    let mine = seeded(&h, 5).await;
    let a = &mine[0];
    let reply = h.get(&format!("/v1/anomalies/{}", a.id), ACME).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["links"]["request"],
        format!("https://jit.example.com/requests/{}", a.request_id)
    );
    assert!(!reply.body["recommended_actions"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(h.get("/v1/anomalies/not-an-id", ACME).await.status, 404);
}

async fn facets_count_values_under_the_other_filters(h: Harness) {
    // Arrange
    let all = seeded(&h, 300).await;
    // Act
    let reply = h
        .get(
            "/v1/anomalies/facets?field=user&search=ALI&type=inactive_user&user=user-00002",
            ACME,
        )
        .await;
    // Assert: the user filter itself is ignored; the type filter applies.
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut expected = std::collections::BTreeMap::<String, u64>::new();
    for a in all.iter().filter(|a| a.kind == AnomalyType::InactiveUser) {
        let label = a
            .requester
            .name
            .as_deref()
            .unwrap_or_default()
            .to_lowercase();
        if label.contains("ali") || a.requester.id.as_str().contains("ali") {
            *expected.entry(a.requester.id.to_string()).or_default() += 1;
        }
    }
    let got: std::collections::BTreeMap<String, u64> = reply.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["value"].as_str().unwrap().to_owned(),
                v["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(got, expected);
    let types = h
        .get(
            "/v1/anomalies/facets?field=type&from=2026-05-01T00:00:00Z",
            ACME,
        )
        .await;
    let total: u64 = types.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        total,
        all.iter()
            .filter(|a| a.detected_at >= t("2026-05-01T00:00:00Z"))
            .count() as u64
    );
}

integration_tests::on_both_stores!(
    filters_and_their_combinations_return_exactly_the_matching_anomalies,
    a_relative_window_counts_back_from_now,
    pages_have_no_duplicates_or_gaps_while_new_anomalies_arrive,
    bad_parameters_and_cursors_are_400_naming_the_parameter,
    callers_without_claims_are_401_and_tenants_never_see_each_other,
    triage_and_revocation_are_recorded_and_announced,
    bad_triage_requests_are_refused_without_a_trace,
    details_carry_links_and_recommendations,
    facets_count_values_under_the_other_filters,
);

#[tokio::test]
async fn serve_takes_a_platforms_own_payloads_with_source() {
    // Arrange: a Teleport create for a role, its review naming only the request, a login,
    // and a review of a request never seen.
    let h = Harness::memory();
    let create = r#"{"event":"access_request.create","code":"T5000I","uid":"u1","time":"2026-03-01T09:00:00Z","id":"req-a","user":"dan","state":"PENDING","cluster_name":"main","roles":["admin"]}"#;
    let review = r#"{"event":"access_request.review","code":"T5002I","uid":"u2","time":"2026-03-01T09:05:00Z","id":"req-a","reviewer":"bob","proposed_state":"APPROVED","state":"APPROVED"}"#;
    let login = r#"{"event":"user.login","code":"T1000I","uid":"u3","time":"2026-03-01T09:06:00Z","user":"dan"}"#;
    let orphan = review.replace("req-a", "req-z").replace("u2", "u4");
    let body = [create, review, login, &orphan].join("\n");
    // Act
    let pushed = h
        .call("POST", "/v1/events?source=teleport", ACME, Some(&body))
        .await;
    let unknown = h
        .call("POST", "/v1/events?source=okta", ACME, Some(create))
        .await;
    // Assert: the orphan makes it a 400; the rest is taken.
    assert_eq!(pushed.status, 400, "{}", pushed.body);
    assert_eq!(pushed.body["accepted"], 2);
    assert_eq!(pushed.body["ignored"], 1);
    assert_eq!(
        pushed.body["rejected"],
        serde_json::json!([
            "line 4: request \"req-z\" is not known (no earlier event carries its scope)"
        ])
    );
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    assert!(
        unknown.body.to_string().contains("source"),
        "{}",
        unknown.body
    );
}

#[tokio::test]
async fn serve_rejects_an_event_dated_in_the_future_alone_naming_the_field() {
    // Arrange: a Teleport create dated 2999 between two good ones.
    let h = Harness::memory();
    let good = |uid: &str, id: &str| {
        format!(
            r#"{{"event":"access_request.create","code":"T5000I","uid":"{uid}","time":"2026-03-01T09:00:00Z","id":"{id}","user":"dan","state":"PENDING","cluster_name":"main","roles":["admin"]}}"#
        )
    };
    let future = good("u9", "req-f").replace("2026-03-01", "2999-03-01");
    let body = [good("u1", "req-a"), future, good("u2", "req-b")].join("\n");
    // Act
    let pushed = h
        .call("POST", "/v1/events?source=teleport", ACME, Some(&body))
        .await;
    // Assert
    assert_eq!(pushed.status, 400, "{}", pushed.body);
    assert_eq!(pushed.body["accepted"], 2);
    let rejected = pushed.body["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{}", pushed.body);
    let reason = rejected[0].as_str().unwrap();
    assert!(
        reason.starts_with(
            "line 2: occurred_at: 2999-03-01T09:00:00Z is more than 24 h after the current time"
        ),
        "{reason}"
    );
}
