//! Query-string parsing for the anomaly endpoints: every parameter is known, every value is
//! checked, and an error names the parameter and why. Multi-valued filters take repeated
//! parameters (`type=a&type=b`) or a comma list (`type=a,b`).

use crate::error::ApiError;
use crate::window::{absolute, floor_hour, relative_start, zone, End};
use anomalies_core::anomaly::{AnomalyType, Severity, TriageStatus};
use anomalies_core::domain::{IntegrationId, UserId};
use anomalies_core::query::{AnomalyFilter, Field};
use chrono::{DateTime, Duration, Utc};
use compact_str::CompactString;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Default page size and its maximum.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 500;
/// Facet values returned by default and at most.
pub const DEFAULT_FACET_LIMIT: usize = 20;
pub const MAX_FACET_LIMIT: usize = 100;
/// Most values one filter may list (bounds the partitions a query reads).
pub const MAX_VALUES: usize = 50;
/// Longest `q` or `search`, in characters.
pub const MAX_TEXT: usize = 200;

const FILTERS: [&str; 12] = [
    "last",
    "round_to_hour",
    "from",
    "to",
    "tz",
    "type",
    "severity",
    "resource_type",
    "user",
    "integration",
    "status",
    "q",
];

/// A list request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filter: AnomalyFilter,
    pub limit: usize,
    pub cursor: Option<String>,
}

/// A facets request.
#[derive(Debug, Clone, PartialEq)]
pub struct FacetQuery {
    pub filter: AnomalyFilter,
    pub field: Field,
    pub search: Option<String>,
    pub limit: usize,
}

/// The parameters of one request, by name.
struct Raw(BTreeMap<String, Vec<String>>);

impl Raw {
    fn parse(query: Option<&str>, extra: &[&str]) -> Result<Self, ApiError> {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            if !FILTERS.contains(&name.as_ref()) && !extra.contains(&name.as_ref()) {
                let mut known: Vec<&str> = FILTERS.iter().chain(extra).copied().collect();
                known.sort_unstable();
                return Err(ApiError::parameter(
                    name.as_ref(),
                    format!("unknown parameter; known: {}", known.join(", ")),
                ));
            }
            map.entry(name.into_owned())
                .or_default()
                .push(value.into_owned());
        }
        Ok(Self(map))
    }

    fn one(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.0.get(name).map(Vec::as_slice) {
            None => Ok(None),
            Some([value]) if value.is_empty() => {
                Err(ApiError::parameter(name, "must not be empty"))
            }
            Some([value]) => Ok(Some(value)),
            Some(_) => Err(ApiError::parameter(name, "may be given only once")),
        }
    }

    fn many(&self, name: &str) -> Result<Vec<&str>, ApiError> {
        let values: Vec<&str> = self
            .0
            .get(name)
            .into_iter()
            .flatten()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        if values.iter().any(|v| v.is_empty()) {
            return Err(ApiError::parameter(name, "has an empty value"));
        }
        if values.len() > MAX_VALUES {
            return Err(ApiError::parameter(
                name,
                format!("at most {MAX_VALUES} values"),
            ));
        }
        Ok(values)
    }

    fn text(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.one(name)? {
            Some(t) if t.chars().count() > MAX_TEXT => Err(ApiError::parameter(
                name,
                format!("longer than {MAX_TEXT} characters"),
            )),
            Some(t) => Ok(Some(t.to_lowercase())),
            None => Ok(None),
        }
    }

    fn limit(&self, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.one("limit")? {
            Some(value) => parse_limit(value, max),
            None => Ok(default),
        }
    }
}

/// A `limit` parameter: a whole number from 1 to `max`.
pub fn parse_limit(value: &str, max: usize) -> Result<usize, ApiError> {
    match value.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::parameter(
            "limit",
            format!("{value:?} is not a whole number from 1 to {max}"),
        )),
    }
}

/// Parse one enum value by its wire name.
fn wire<T: DeserializeOwned>(name: &str, value: &str, known: &[&str]) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(value.to_owned())).map_err(|_| {
        ApiError::parameter(
            name,
            format!(
                "unknown value {value:?}; expected one of {}",
                known.join(", ")
            ),
        )
    })
}

fn enums<T: DeserializeOwned>(raw: &Raw, name: &str, known: &[&str]) -> Result<Vec<T>, ApiError> {
    raw.many(name)?
        .into_iter()
        .map(|v| wire(name, v, known))
        .collect()
}

fn ids<T: TryFrom<String>>(raw: &Raw, name: &str) -> Result<Vec<T>, ApiError> {
    raw.many(name)?
        .into_iter()
        .map(|v| T::try_from(v.to_owned()).map_err(|_| ApiError::parameter(name, "empty value")))
        .collect()
}

fn window(
    raw: &Raw,
    now: DateTime<Utc>,
    lookback: Duration,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let tz = raw
        .one("tz")?
        .map(zone)
        .transpose()?
        .unwrap_or(chrono_tz::UTC);
    let round = match raw.one("round_to_hour")? {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::parameter(
                "round_to_hour",
                format!("{other:?} is not true or false"),
            ))
        }
    };
    // Every bound given narrows the window: it ends at `to` (now by default) and starts at
    // the later of `from` and `last` before `to`; with neither, `lookback` before `to`. A
    // window that starts after it ends holds nothing.
    let to = raw
        .one("to")?
        .map(|t| absolute(t, tz, End::To))
        .transpose()?
        .unwrap_or(now);
    let from = raw
        .one("from")?
        .map(|f| absolute(f, tz, End::From))
        .transpose()?;
    let relative = raw
        .one("last")?
        .map(|last| relative_start(last, to))
        .transpose()?;
    let start = match (from, relative) {
        (Some(from), Some(relative)) => from.max(relative),
        (Some(start), None) | (None, Some(start)) => start,
        (None, None) => to - lookback,
    };
    let start = if round { floor_hour(start) } else { start };
    Ok((within_rfc3339(start), within_rfc3339(to)))
}

/// `t`, kept within the years RFC 3339 can write (0000 to 9999): the window is answered in
/// that form, and nothing is stored outside it.
fn within_rfc3339(t: DateTime<Utc>) -> DateTime<Utc> {
    let first = DateTime::<Utc>::from_timestamp(-62_167_219_200, 0); // 0000-01-01T00:00:00Z
    let last = DateTime::<Utc>::from_timestamp(253_402_300_799, 999_999_999); // 9999-12-31T23:59:59.999999999Z
    match (first, last) {
        (Some(first), Some(last)) => t.clamp(first, last),
        _ => t,
    }
}

fn filter(raw: &Raw, now: DateTime<Utc>, lookback: Duration) -> Result<AnomalyFilter, ApiError> {
    let types = AnomalyType::ALL.map(AnomalyType::as_str);
    let severities = Severity::ALL.map(Severity::as_str);
    let statuses = TriageStatus::ALL.map(TriageStatus::as_str);
    let (from, to) = window(raw, now, lookback)?;
    Ok(AnomalyFilter {
        from,
        to,
        types: enums(raw, "type", &types)?,
        severities: enums(raw, "severity", &severities)?,
        statuses: enums(raw, "status", &statuses)?,
        users: ids::<UserId>(raw, "user")?,
        integrations: ids::<IntegrationId>(raw, "integration")?,
        resource_types: raw
            .many("resource_type")?
            .into_iter()
            .map(CompactString::from)
            .collect(),
        q: raw.text("q")?,
    })
}

/// Parse `GET /v1/anomalies`. Without a time parameter the window is the `lookback` before
/// `now`.
pub fn list(
    query: Option<&str>,
    now: DateTime<Utc>,
    lookback: Duration,
) -> Result<ListQuery, ApiError> {
    let raw = Raw::parse(query, &["limit", "cursor"])?;
    Ok(ListQuery {
        filter: filter(&raw, now, lookback)?,
        limit: raw.limit(DEFAULT_LIMIT, MAX_LIMIT)?,
        cursor: raw.one("cursor")?.map(str::to_owned),
    })
}

/// Parse `GET /v1/anomalies/facets`.
pub fn facets(
    query: Option<&str>,
    now: DateTime<Utc>,
    lookback: Duration,
) -> Result<FacetQuery, ApiError> {
    let raw = Raw::parse(query, &["field", "search", "limit"])?;
    let fields = anomalies_core::query::Field::ALL.map(Field::as_str);
    let field = match raw.one("field")? {
        Some(name) => Field::parse(name).ok_or_else(|| {
            ApiError::parameter(
                "field",
                format!(
                    "unknown field {name:?}; expected one of {}",
                    fields.join(", ")
                ),
            )
        })?,
        None => return Err(ApiError::parameter("field", "is required")),
    };
    Ok(FacetQuery {
        filter: filter(&raw, now, lookback)?,
        field,
        search: raw.text("search")?,
        limit: raw.limit(DEFAULT_FACET_LIMIT, MAX_FACET_LIMIT)?,
    })
}

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests;
