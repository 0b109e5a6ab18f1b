//! The query engine against the in-memory store, checked against a brute-force answer.

use super::*;
use crate::anomaly::{Anomaly, AnomalyType, Severity, TriageStatus};
use crate::domain::{IntegrationId, TenantId, UserId};
use crate::sample::anomalies;
use crate::store::{AnomalyStore, MemoryStore};
use chrono::{DateTime, Duration, TimeZone, Utc};

fn end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
}

fn seeded(count: usize) -> (MemoryStore, Vec<Anomaly>) {
    let tenant = TenantId::try_from("acme").unwrap();
    let all = anomalies(7, &tenant, count, 200, end(), 60);
    let mut store = MemoryStore::new();
    store.enable_query_index();
    for a in &all {
        store.put_anomaly(a.clone());
    }
    // Another tenant's anomalies must never show up.
    let other = TenantId::try_from("other").unwrap();
    for a in anomalies(8, &other, count / 4, 200, end(), 60) {
        store.put_anomaly(a);
    }
    (store, all)
}

fn tenant() -> TenantId {
    TenantId::try_from("acme").unwrap()
}

fn brute_force(all: &[Anomaly], filter: &AnomalyFilter) -> Vec<String> {
    let mut hits: Vec<&Anomaly> = all.iter().filter(|a| filter.matches(a)).collect();
    hits.sort_by(|a, b| (b.detected_at, &b.id).cmp(&(a.detected_at, &a.id)));
    hits.iter().map(|a| a.id.to_string()).collect()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

/// Every page of a query, concatenated.
fn all_pages(store: &MemoryStore, filter: &AnomalyFilter, limit: usize) -> (Vec<String>, u64) {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    let mut read = 0;
    loop {
        let page = block_on(page(store, &tenant(), filter, after.as_deref(), limit)).unwrap();
        assert!(page.anomalies.len() <= limit);
        read += page.items_read;
        ids.extend(page.anomalies.iter().map(|a| a.id.to_string()));
        match page.next {
            Some(next) => {
                assert_eq!(
                    page.anomalies.len(),
                    limit,
                    "only the last page may be short"
                );
                after = Some(next);
            }
            None => return (ids, read),
        }
    }
}

fn filters() -> Vec<AnomalyFilter> {
    let base = AnomalyFilter::window(end() - Duration::days(30), end());
    let mut out = vec![base.clone()];
    let mut f = base.clone();
    f.types = vec![AnomalyType::HighRiskAccess];
    f.severities = vec![Severity::Critical];
    out.push(f);
    let mut f = base.clone();
    f.users = vec![UserId::try_from("user-00001").unwrap()];
    out.push(f);
    let mut f = base.clone();
    f.integrations = vec![IntegrationId::try_from("aws-main").unwrap()];
    f.resource_types = vec!["aws-s3-bucket".into()];
    out.push(f);
    let mut f = base.clone();
    f.statuses = vec![TriageStatus::Open, TriageStatus::Acknowledged];
    f.q = Some("payments".into());
    out.push(f);
    let mut f = base;
    f.resource_types = vec!["okta-group".into(), "snowflake-role".into()];
    out.push(f);
    out
}

#[test]
fn every_filter_pages_through_exactly_the_brute_force_answer() {
    // Arrange
    let (store, all) = seeded(3_000);
    for filter in filters() {
        // Act
        let (ids, _) = all_pages(&store, &filter, 37);
        // Assert
        let expected = brute_force(&all, &filter);
        assert!(!expected.is_empty(), "{filter:?} matches something");
        assert_eq!(ids, expected, "{filter:?}");
    }
}

#[test]
fn indexed_filters_read_at_most_two_items_per_item_returned() {
    let (store, _) = seeded(5_000);
    for filter in filters().into_iter().filter(|f| f.q.is_none()) {
        let page = block_on(page(&store, &tenant(), &filter, None, 50)).unwrap();
        let returned = page.anomalies.len() as u64;
        assert!(
            page.items_read <= 2 * returned.max(1),
            "{filter:?}: read {} for {returned}",
            page.items_read
        );
    }
}

#[test]
fn paging_has_no_duplicates_or_gaps_while_new_anomalies_arrive() {
    // Arrange
    let (mut store, all) = seeded(1_000);
    let filter = AnomalyFilter::window(end() - Duration::days(90), end() + Duration::days(1));
    let expected = brute_force(&all, &filter);
    let newer = anomalies(99, &tenant(), 200, 50, end() + Duration::hours(12), 1);
    let mut newer = newer.into_iter();
    // Act: after each page, more anomalies are stored (newer than the first page).
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = block_on(page(&store, &tenant(), &filter, after.as_deref(), 100)).unwrap();
        ids.extend(page.anomalies.iter().map(|a| a.id.to_string()));
        for a in newer.by_ref().take(20) {
            store.put_anomaly(a);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    // Assert
    assert_eq!(ids, expected);
}

#[test]
fn a_status_change_moves_the_anomaly_between_class_partitions() {
    let (mut store, all) = seeded(200);
    let mut a = all[0].clone();
    let mut filter = AnomalyFilter::window(end() - Duration::days(90), end());
    filter.statuses = vec![TriageStatus::Dismissed];
    a.status = TriageStatus::Open;
    store.put_anomaly(a.clone());
    let before = block_on(page(&store, &tenant(), &filter, None, 500)).unwrap();
    assert!(!before.anomalies.iter().any(|x| x.id == a.id));
    a.status = TriageStatus::Dismissed;
    store.put_anomaly(a.clone());
    let after = block_on(page(&store, &tenant(), &filter, None, 500)).unwrap();
    assert!(after.anomalies.iter().any(|x| x.id == a.id));
    filter.statuses = vec![TriageStatus::Open];
    let open = block_on(page(&store, &tenant(), &filter, None, 500)).unwrap();
    assert!(!open.anomalies.iter().any(|x| x.id == a.id));
}

#[test]
fn facets_count_the_other_filters_matches_and_ignore_their_own_filter() {
    // Arrange
    let (store, all) = seeded(2_000);
    let mut filter = AnomalyFilter::window(end() - Duration::days(30), end());
    filter.types = vec![AnomalyType::InactiveUser];
    filter.integrations = vec![IntegrationId::try_from("okta").unwrap()];
    // Act
    let facets = block_on(facets(
        &store,
        &tenant(),
        &filter,
        Field::Integration,
        None,
        100,
        1_000_000,
    ))
    .unwrap();
    // Assert: counts per integration among inactive-user anomalies of the window.
    let mut expected = std::collections::BTreeMap::<String, u64>::new();
    for a in all
        .iter()
        .filter(|a| filter.without(Field::Integration).matches(a))
    {
        *expected.entry(a.integration.id.to_string()).or_default() += 1;
    }
    let got: std::collections::BTreeMap<String, u64> = facets
        .values
        .iter()
        .map(|v| (v.value.clone(), v.count))
        .collect();
    assert_eq!(got, expected);
    assert!(got.len() > 1, "other integrations are offered too");
    assert!(!facets.truncated);
    let counts: Vec<u64> = facets.values.iter().map(|v| v.count).collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "most frequent first"
    );
}

#[test]
fn facet_search_matches_values_and_labels_in_any_case() {
    let (store, _) = seeded(2_000);
    let filter = AnomalyFilter::window(end() - Duration::days(60), end());
    let facets = block_on(facets(
        &store,
        &tenant(),
        &filter,
        Field::User,
        Some("ALICE"),
        500,
        1_000_000,
    ))
    .unwrap();
    assert!(!facets.values.is_empty());
    for v in &facets.values {
        assert!(v.label.as_deref().unwrap().to_lowercase().contains("alice"));
    }
}

#[test]
fn facets_stop_at_the_read_budget_and_say_so() {
    let (store, _) = seeded(2_000);
    let filter = AnomalyFilter::window(end() - Duration::days(60), end());
    let facets = block_on(facets(
        &store,
        &tenant(),
        &filter,
        Field::Type,
        None,
        10,
        500,
    ))
    .unwrap();
    assert!(facets.truncated);
    assert_eq!(facets.items_read, 500);
    assert_eq!(facets.matched, 500);
}

#[test]
fn a_store_without_its_query_index_refuses_reads_and_builds_it_on_demand() {
    // Arrange: anomalies stored before the index is enabled.
    let mut store = MemoryStore::new();
    let all = anomalies(3, &tenant(), 50, 5, end(), 5);
    for a in &all {
        store.put_anomaly(a.clone());
    }
    let filter = AnomalyFilter::window(end() - Duration::days(10), end());
    // Act / Assert
    assert!(block_on(page(&store, &tenant(), &filter, None, 10)).is_err());
    store.enable_query_index();
    let (ids, _) = all_pages(&store, &filter, 10);
    assert_eq!(ids, brute_force(&all, &filter));
}
