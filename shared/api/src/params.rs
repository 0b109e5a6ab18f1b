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
    let (from, to) = (raw.one("from")?, raw.one("to")?);
    if let Some(last) = raw.one("last")? {
        if from.is_some() || to.is_some() {
            return Err(ApiError::parameter(
                "last",
                "cannot be combined with from/to",
            ));
        }
        let start = relative_start(last, now)?;
        return Ok((if round { floor_hour(start) } else { start }, now));
    }
    if round {
        return Err(ApiError::parameter("round_to_hour", "applies only to last"));
    }
    let to = to
        .map(|t| absolute(t, tz, End::To))
        .transpose()?
        .unwrap_or(now);
    let from = match from {
        Some(f) => absolute(f, tz, End::From)?,
        None => to - lookback,
    };
    if from > to {
        return Err(ApiError::parameter("from", "is after to"));
    }
    Ok((from, to))
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
mod tests {
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
            ("last=7d&from=2026-11-01", "last"),
            ("last=7x", "last"),
            ("round_to_hour=yes", "round_to_hour"),
            ("round_to_hour=true", "round_to_hour"),
            ("from=2026-11-20&to=2026-11-01", "from"),
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
}
