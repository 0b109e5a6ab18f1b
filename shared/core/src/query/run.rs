//! Answering a filter from an index: read the plan's partitions newest first, merge them by
//! sort key, keep what matches, stop when the page is full. Reads start small (a share of the
//! page per partition) and grow only for partitions that turn out to be needed, so few items
//! are read beyond the page. Any store that can read an index range serves the same API.

use super::filter::{AnomalyFilter, Field};
use super::index::{sort_key, Index};
use super::plan::{plan, Plan};
use crate::anomaly::Anomaly;
use crate::domain::TenantId;
use async_trait::async_trait;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Most items asked of one read (DynamoDB returns at most 1 MB per Query page; the reader
/// follows its pages up to this count).
pub const MAX_READ: usize = 1_000;

/// A failed index read, and why.
#[derive(Debug, thiserror::Error)]
#[error("reading index {index}: {source}")]
pub struct ReadError {
    pub index: &'static str,
    #[source]
    pub source: crate::store::StoreError,
}

impl ReadError {
    /// Throttling or a timeout: the caller may try again.
    pub fn is_retryable(&self) -> bool {
        self.source.is_retryable()
    }
}

/// One range read: at most `limit` anomalies of `partition` with sort key in
/// `[lower, upper]`, newest first.
#[derive(Debug, Clone, Copy)]
pub struct ReadRequest<'a> {
    pub index: Index,
    pub partition: &'a str,
    pub lower: &'a str,
    pub upper: &'a str,
    pub limit: usize,
}

/// A store's index, as the query engine reads it.
#[async_trait]
pub trait IndexReader: Send + Sync {
    /// Fewer than `limit` anomalies back means the range is exhausted.
    async fn read(&self, request: ReadRequest<'_>) -> Result<Vec<Arc<Anomaly>>, ReadError>;
}

/// One page of results.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub anomalies: Vec<Arc<Anomaly>>,
    /// The sort key of the last anomaly, when more matches follow.
    pub next: Option<String>,
    /// Index items read to produce the page.
    pub items_read: u64,
}

/// One partition being merged.
struct Stream<'p> {
    partition: &'p str,
    /// Inclusive upper bound of the next read.
    upper: String,
    /// A sort key to drop if read (the exclusive bound: the cursor or the last item read).
    skip: Option<String>,
    buffer: VecDeque<(String, Arc<Anomaly>)>,
    done: bool,
    last_size: usize,
    delivered: usize,
    rejected: usize,
}

impl Stream<'_> {
    fn idle(&self) -> bool {
        self.done && self.buffer.is_empty()
    }

    /// How many to read next: this partition's share of what the page still needs (plus
    /// one, as the first item may be the one already seen), doubling instead when the filter
    /// rejects most of what this partition gives.
    fn next_size(&self, want: usize, active: usize) -> usize {
        let share = want.div_ceil(active.max(1)) + 1;
        let size = if self.last_size > 0 && self.rejected * 2 > self.delivered {
            share.max(self.last_size * 2)
        } else {
            share
        };
        // At least 2: a read may start with the item already seen.
        size.clamp(2, MAX_READ)
    }
}

async fn fill<R: IndexReader + ?Sized>(
    reader: &R,
    plan: &Plan,
    stream: &mut Stream<'_>,
    size: usize,
) -> Result<u64, ReadError> {
    let request = ReadRequest {
        index: plan.index,
        partition: stream.partition,
        lower: &plan.lower,
        upper: &stream.upper,
        limit: size,
    };
    let items = reader.read(request).await?;
    let read = items.len();
    stream.done = read < size;
    stream.last_size = size;
    for item in items {
        let key = sort_key(&item);
        if stream.skip.as_deref() == Some(key.as_str()) {
            continue;
        }
        stream.buffer.push_back((key, item));
    }
    if let Some((key, _)) = stream.buffer.back() {
        stream.upper.clone_from(key);
        stream.skip = Some(key.clone());
    }
    Ok(read as u64)
}

/// Read every partition whose buffer ran dry, concurrently.
async fn refill<R: IndexReader + ?Sized>(
    reader: &R,
    plan: &Plan,
    streams: &mut [Stream<'_>],
    want: usize,
) -> Result<u64, ReadError> {
    let active = streams.iter().filter(|s| !s.idle()).count();
    let reads = streams
        .iter_mut()
        .filter(|s| s.buffer.is_empty() && !s.done)
        .map(|s| {
            let size = s.next_size(want, active);
            fill(reader, plan, s, size)
        });
    let mut total = 0;
    for read in futures_util::future::join_all(reads).await {
        total += read?;
    }
    Ok(total)
}

/// The stream whose next item is newest.
fn newest(streams: &[Stream<'_>]) -> Option<usize> {
    streams
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.buffer.front().map(|(key, _)| (key, i)))
        .max()
        .map(|(_, i)| i)
}

/// The page of at most `limit` anomalies matching `filter`, newest first, after the position
/// `after` (a sort key from a previous page's `next`).
pub async fn page<R: IndexReader + ?Sized>(
    reader: &R,
    tenant: &TenantId,
    filter: &AnomalyFilter,
    after: Option<&str>,
    limit: usize,
) -> Result<Page, ReadError> {
    let plan = plan(tenant, filter);
    let upper = match after {
        Some(after) if after < plan.upper.as_str() => after.to_owned(),
        _ => plan.upper.clone(),
    };
    let mut streams: Vec<Stream<'_>> = plan
        .partitions
        .iter()
        .map(|partition| Stream {
            partition,
            upper: upper.clone(),
            skip: after.map(str::to_owned),
            buffer: VecDeque::new(),
            done: false,
            last_size: 0,
            delivered: 0,
            rejected: 0,
        })
        .collect();
    // One more than the page, to know whether another page follows.
    let need = limit + 1;
    let mut found: Vec<(String, Arc<Anomaly>)> = Vec::with_capacity(need);
    let mut items_read = 0;
    while found.len() < need {
        items_read += refill(reader, &plan, &mut streams, need - found.len()).await?;
        let Some(best) = newest(&streams) else {
            break;
        };
        let stream = &mut streams[best];
        let Some((key, anomaly)) = stream.buffer.pop_front() else {
            break;
        };
        stream.delivered += 1;
        if filter.matches(&anomaly) {
            found.push((key, anomaly));
        } else {
            stream.rejected += 1;
        }
    }
    let next = if found.len() > limit {
        found.truncate(limit);
        found.last().map(|(key, _)| key.clone())
    } else {
        None
    };
    Ok(Page {
        anomalies: found.into_iter().map(|(_, a)| a).collect(),
        next,
        items_read,
    })
}

/// One value of a facet and how many matching anomalies have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    pub value: String,
    /// A display name (requester or integration name), when known.
    pub label: Option<String>,
    pub count: u64,
}

/// The values of one field among the anomalies matching the other filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facets {
    pub values: Vec<FacetCount>,
    /// Anomalies counted.
    pub matched: u64,
    /// True when more than `max_items` index items would have had to be read: the counts
    /// cover the newest `max_items` only.
    pub truncated: bool,
    pub items_read: u64,
}

fn facet_value(anomaly: &Anomaly, field: Field) -> (String, Option<String>) {
    let requester = &anomaly.requester;
    match field {
        Field::User => (
            requester.id.to_string(),
            requester
                .name
                .as_ref()
                .or(requester.email.as_ref())
                .map(ToString::to_string),
        ),
        Field::Integration => (
            anomaly.integration.id.to_string(),
            anomaly.integration.name.as_ref().map(ToString::to_string),
        ),
        Field::ResourceType => (anomaly.resource_type.to_string(), None),
        Field::Type => (anomaly.kind.as_str().to_owned(), None),
        Field::Severity => (anomaly.severity.as_str().to_owned(), None),
        Field::Status => (anomaly.status.as_str().to_owned(), None),
    }
}

/// The most frequent `limit` values of `field` among anomalies matching `filter` (ignoring
/// the filter on `field` itself), whose value or label contains `search` (any case).
pub async fn facets<R: IndexReader + ?Sized>(
    reader: &R,
    tenant: &TenantId,
    filter: &AnomalyFilter,
    field: Field,
    search: Option<&str>,
    limit: usize,
    max_items: u64,
) -> Result<Facets, ReadError> {
    let filter = filter.without(field);
    let plan = plan(tenant, &filter);
    let search = search.map(str::to_lowercase);
    let mut counts: HashMap<String, FacetCount> = HashMap::new();
    let (mut items_read, mut matched, mut truncated) = (0u64, 0u64, false);
    'partitions: for partition in &plan.partitions {
        let mut upper = plan.upper.clone();
        let mut skip: Option<String> = None;
        loop {
            if items_read >= max_items {
                truncated = true;
                break 'partitions;
            }
            let size = MAX_READ.min((max_items - items_read) as usize).max(2);
            let request = ReadRequest {
                index: plan.index,
                partition,
                lower: &plan.lower,
                upper: &upper,
                limit: size,
            };
            let items = reader.read(request).await?;
            items_read += items.len() as u64;
            let exhausted = items.len() < size;
            for anomaly in &items {
                let key = sort_key(anomaly);
                if skip.as_deref() == Some(key.as_str()) || !filter.matches(anomaly) {
                    continue;
                }
                let (value, label) = facet_value(anomaly, field);
                if let Some(search) = &search {
                    let hit = value.to_lowercase().contains(search)
                        || label
                            .as_ref()
                            .is_some_and(|l| l.to_lowercase().contains(search));
                    if !hit {
                        continue;
                    }
                }
                matched += 1;
                counts
                    .entry(value.clone())
                    .or_insert(FacetCount {
                        value,
                        label,
                        count: 0,
                    })
                    .count += 1;
            }
            match items.last() {
                Some(last) if !exhausted => {
                    upper = sort_key(last);
                    skip = Some(upper.clone());
                }
                _ => break,
            }
        }
    }
    let mut values: Vec<FacetCount> = counts.into_values().collect();
    values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    values.truncate(limit);
    Ok(Facets {
        values,
        matched,
        truncated,
        items_read,
    })
}
