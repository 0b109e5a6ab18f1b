//! Page cursors: opaque, tamper-evident, bound to the tenant and the query. A cursor holds
//! the position (the last sort key returned), the resolved time window (so `last=7d` keeps
//! meaning the same window while paging), a digest of the filters and an expiry, signed with
//! HMAC-SHA256. A forged, altered, expired or foreign cursor is refused, never treated as
//! "start from the beginning".

use crate::error::ApiError;
use anomalies_core::domain::TenantId;
use anomalies_core::query::AnomalyFilter;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a cursor stays valid.
pub const CURSOR_TTL_HOURS: i64 = 24;
/// Longest cursor accepted (a real one is ~250 bytes).
const MAX_CURSOR: usize = 1_024;

/// The signing key.
#[derive(Clone)]
pub struct CursorKey(Vec<u8>);

impl CursorKey {
    /// A key from configuration (at least 32 bytes is sensible; any length works).
    pub fn new(secret: &[u8]) -> Self {
        Self(secret.to_vec())
    }

    /// A random key: cursors do not survive a restart.
    pub fn random() -> Self {
        Self(rand::random::<[u8; 32]>().to_vec())
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(payload);
        mac
    }
}

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    /// The position: the sort key of the last anomaly returned.
    p: String,
    /// Window bounds, nanoseconds since the epoch.
    from: i64,
    to: i64,
    /// Digest of tenant and filters.
    f: String,
    /// Expiry, seconds since the epoch.
    exp: i64,
}

fn digest(tenant: &TenantId, filter: &AnomalyFilter) -> String {
    let mut hasher = Sha256::new();
    hasher.update(tenant.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(filter.fingerprint());
    hex::encode(&hasher.finalize()[..16])
}

fn nanos(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

/// A cursor for the page after `position`.
pub fn issue(
    key: &CursorKey,
    tenant: &TenantId,
    filter: &AnomalyFilter,
    position: &str,
    now: DateTime<Utc>,
) -> String {
    let payload = Payload {
        p: position.to_owned(),
        from: nanos(filter.from),
        to: nanos(filter.to),
        f: digest(tenant, filter),
        exp: (now + Duration::hours(CURSOR_TTL_HOURS)).timestamp(),
    };
    seal(key, &payload)
}

/// A cursor for a list without filters or window (named by `list`, e.g. "dormant-users").
pub fn issue_for_list(
    key: &CursorKey,
    tenant: &TenantId,
    list: &str,
    position: &str,
    now: DateTime<Utc>,
) -> String {
    let payload = Payload {
        p: position.to_owned(),
        from: 0,
        to: 0,
        f: list_digest(tenant, list),
        exp: (now + Duration::hours(CURSOR_TTL_HOURS)).timestamp(),
    };
    seal(key, &payload)
}

/// Check a cursor of [`issue_for_list`]; the position to continue after.
pub fn open_for_list(
    key: &CursorKey,
    tenant: &TenantId,
    list: &str,
    cursor: &str,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let payload = unseal(key, cursor, now)?;
    if payload.f != list_digest(tenant, list) {
        return Err(invalid("belongs to a different list or tenant"));
    }
    Ok(payload.p)
}

fn list_digest(tenant: &TenantId, list: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(tenant.as_str().as_bytes());
    hasher.update([1]);
    hasher.update(list.as_bytes());
    hex::encode(&hasher.finalize()[..16])
}

fn seal(key: &CursorKey, payload: &Payload) -> String {
    let json = serde_json::to_vec(payload).unwrap_or_default();
    let tag = key.mac(&json).finalize().into_bytes();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&json),
        URL_SAFE_NO_PAD.encode(tag)
    )
}

fn invalid(message: &str) -> ApiError {
    ApiError::parameter("cursor", message)
}

/// Check `cursor` against this request: on success, `filter` gets the cursor's window and the
/// position to continue after is returned.
pub fn open(
    key: &CursorKey,
    tenant: &TenantId,
    filter: &mut AnomalyFilter,
    cursor: &str,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let payload = unseal(key, cursor, now)?;
    filter.from = DateTime::from_timestamp_nanos(payload.from);
    filter.to = DateTime::from_timestamp_nanos(payload.to);
    if digest(tenant, filter) != payload.f {
        return Err(invalid(
            "belongs to a different query; repeat the filters of the first page",
        ));
    }
    Ok(payload.p)
}

/// Verify and decode a cursor (signature, shape, expiry).
fn unseal(key: &CursorKey, cursor: &str, now: DateTime<Utc>) -> Result<Payload, ApiError> {
    if cursor.len() > MAX_CURSOR {
        return Err(invalid("is not a cursor this API issued"));
    }
    let (body, tag) = cursor
        .split_once('.')
        .ok_or_else(|| invalid("is not a cursor this API issued"))?;
    let json = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| invalid("is not a cursor this API issued"))?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| invalid("is not a cursor this API issued"))?;
    key.mac(&json)
        .verify_slice(&tag)
        .map_err(|_| invalid("signature does not match: the cursor was altered or forged"))?;
    let payload: Payload =
        serde_json::from_slice(&json).map_err(|_| invalid("is not a cursor this API issued"))?;
    if payload.exp < now.timestamp() {
        return Err(invalid("has expired; start again from the first page"));
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anomalies_core::anomaly::Severity;

    fn setup() -> (CursorKey, TenantId, AnomalyFilter, DateTime<Utc>) {
        let now = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let filter = AnomalyFilter::window(now - Duration::days(7), now);
        (
            CursorKey::new(b"k"),
            TenantId::try_from("acme").unwrap(),
            filter,
            now,
        )
    }

    #[test]
    fn a_cursor_round_trips_and_pins_the_window() {
        // Arrange
        let (key, tenant, filter, now) = setup();
        let cursor = issue(&key, &tenant, &filter, "pos#1", now);
        // Act: the next request's relative window has moved on by a minute.
        let mut next = AnomalyFilter::window(
            filter.from + Duration::minutes(1),
            filter.to + Duration::minutes(1),
        );
        let position = open(&key, &tenant, &mut next, &cursor, now).unwrap();
        // Assert
        assert_eq!(position, "pos#1");
        assert_eq!((next.from, next.to), (filter.from, filter.to));
    }

    #[test]
    fn altered_forged_expired_and_foreign_cursors_are_refused() {
        let (key, tenant, filter, now) = setup();
        let cursor = issue(&key, &tenant, &filter, "pos#1", now);
        let (body, tag) = cursor.split_once('.').unwrap();
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap();
        let altered = URL_SAFE_NO_PAD.encode(json.replace("pos#1", "pos#0"));
        let mut f = filter.clone();
        for bad in [
            format!("{altered}.{tag}"),
            "garbage".to_owned(),
            format!("{body}.AAAA"),
            issue(
                &CursorKey::new(b"other key"),
                &tenant,
                &filter,
                "pos#1",
                now,
            ),
        ] {
            assert!(open(&key, &tenant, &mut f, &bad, now).is_err(), "{bad}");
        }
        let later = now + Duration::hours(CURSOR_TTL_HOURS + 1);
        assert!(open(&key, &tenant, &mut f, &cursor, later).is_err());
        let other = TenantId::try_from("other").unwrap();
        assert!(open(&key, &other, &mut f, &cursor, now).is_err());
        let mut narrower = filter.clone();
        narrower.severities = vec![Severity::High];
        assert!(open(&key, &tenant, &mut narrower, &cursor, now).is_err());
    }
}
