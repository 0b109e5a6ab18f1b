//! Refusing server-side request forgery. A webhook URL must be https, carry no credentials,
//! and resolve only to public unicast addresses: never loopback, private, carrier-grade NAT,
//! link-local (169.254.0.0/16, fe80::/10), unique-local, multicast, broadcast or reserved.
//! This is checked when a webhook is registered and again at every delivery, inside the
//! HTTP client's resolver, so the address checked is the address connected to (DNS may have
//! changed since registration). `allow_private` (local development and tests) also admits
//! http and private/loopback targets, but never the cloud metadata endpoints.

use crate::format::Format;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::{Host, Url};

/// Addresses refused even when private targets are allowed: instance metadata (EC2 IMDS
/// over IPv4 and IPv6) and the ECS task credentials endpoint.
const METADATA: [IpAddr; 3] = [
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)),
    IpAddr::V4(Ipv4Addr::new(169, 254, 170, 2)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)),
];

/// Which targets are acceptable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    /// Admit http:// and loopback/private addresses (development and tests only).
    pub allow_private: bool,
}

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("not a valid URL: {0}")]
    Malformed(String),
    #[error("the scheme must be https (http only where private targets are allowed)")]
    Scheme,
    #[error("credentials in the URL are not allowed: use `auth` or `headers`")]
    Credentials,
    #[error("the URL has no host")]
    NoHost,
    #[error("{host} resolves to {address}, a {kind} address")]
    Forbidden {
        host: String,
        address: IpAddr,
        kind: &'static str,
    },
    #[error("cannot resolve {host}: {message}")]
    Unresolvable { host: String, message: String },
}

impl TargetPolicy {
    /// Why `ip` may not be contacted, if it may not.
    pub fn refusal(&self, ip: IpAddr) -> Option<&'static str> {
        let ip = canonical(ip);
        if METADATA.contains(&ip) {
            return Some("cloud metadata");
        }
        if self.allow_private {
            return None;
        }
        match ip {
            IpAddr::V4(v4) => refusal_v4(v4),
            IpAddr::V6(v6) => refusal_v6(v6),
        }
    }

    /// Parse and check a URL without resolving it; an IP-literal host is checked here.
    pub fn check_url(&self, raw: &str) -> Result<Url, TargetError> {
        let url = Url::parse(raw).map_err(|e| TargetError::Malformed(e.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_private => {}
            _ => return Err(TargetError::Scheme),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(TargetError::Credentials);
        }
        let ip = match url.host() {
            None => return Err(TargetError::NoHost),
            Some(Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(Host::Domain(domain)) if !dns_name(domain) => {
                return Err(TargetError::Malformed(format!(
                    "{domain:?} is not a DNS name (labels of letters, digits and inner hyphens; \
                     the last beginning with a letter)"
                )))
            }
            Some(Host::Domain(_)) => None,
        };
        if let Some(address) = ip {
            self.check_address(url.host_str().unwrap_or_default(), address)?;
        }
        Ok(url)
    }

    fn check_address(&self, host: &str, address: IpAddr) -> Result<(), TargetError> {
        match self.refusal(address) {
            Some(kind) => Err(TargetError::Forbidden {
                host: host.to_owned(),
                address,
                kind,
            }),
            None => Ok(()),
        }
    }

    /// The URL check plus resolving its host and checking every address (registration). A
    /// host that does not resolve (yet) is accepted: its DNS may be set up after the webhook,
    /// and every delivery resolves it and checks the addresses again.
    pub async fn check(&self, raw: &str) -> Result<Url, TargetError> {
        let url = self.check_url(raw)?;
        if let Some(Host::Domain(domain)) = url.host() {
            let port = url.port_or_known_default().unwrap_or(443);
            match self.resolve(domain, port).await {
                Ok(_) | Err(TargetError::Unresolvable { .. }) => {}
                Err(refused) => return Err(refused),
            }
        }
        Ok(url)
    }

    /// Resolve `host` and return its addresses if every one is acceptable.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, TargetError> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| TargetError::Unresolvable {
                host: host.to_owned(),
                message: e.to_string(),
            })?
            .collect();
        if addrs.is_empty() {
            return Err(TargetError::Unresolvable {
                host: host.to_owned(),
                message: "no addresses".into(),
            });
        }
        for addr in &addrs {
            self.check_address(host, addr.ip())?;
        }
        Ok(addrs)
    }
}

/// Whether `domain` (as the URL parser left it: lower-case, IDNA as `xn--`) can be looked up:
/// labels of 1 to 63 letters, digits and inner hyphens, the last (the top-level domain)
/// beginning with a letter.
fn dns_name(domain: &str) -> bool {
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let top = domain.rsplit('.').next().unwrap_or_default();
    domain.len() <= 253
        && domain.split('.').all(label)
        && top.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
}

/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let kind = if ip.is_loopback() {
        "loopback"
    } else if ip.is_private() {
        "private"
    } else if ip.is_link_local() {
        "link-local"
    } else if ip.is_multicast() {
        "multicast"
    } else if ip.is_broadcast() {
        "broadcast"
    } else if a == 0 || a >= 240 {
        "reserved"
    } else if a == 100 && (64..128).contains(&b) {
        "carrier-grade NAT"
    } else if (a == 192 && b == 0 && c == 0) || (a == 198 && (b == 18 || b == 19)) {
        "special-purpose"
    } else {
        return None;
    };
    Some(kind)
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    let kind = if ip.is_loopback() {
        "loopback"
    } else if ip.is_unspecified() {
        "reserved"
    } else if ip.is_multicast() {
        "multicast"
    } else if first & 0xffc0 == 0xfe80 {
        "link-local"
    } else if first & 0xfe00 == 0xfc00 {
        "private"
    } else if ip.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64: judge the embedded IPv4 address.
        let [.., hi, lo] = ip.segments();
        let v4 = Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
        return refusal_v4(v4);
    } else {
        return None;
    };
    Some(kind)
}

/// The HTTP client's resolver: resolves, then refuses the connection if any address is not
/// acceptable, so no request reaches a forbidden address whatever DNS answers now.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver(pub TargetPolicy);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0;
        Box::pin(async move {
            let addrs = policy.resolve(name.as_str(), 0).await?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// A URL as the API shows it: query values masked, and for Slack (whose incoming-webhook URL
/// path is the credential) the path masked too.
pub fn display_url(raw: &str, format: &Format) -> String {
    let Ok(mut url) = Url::parse(raw) else {
        return crate::model::REDACTED.to_owned();
    };
    if matches!(format, Format::Slack {}) && url.path() != "/" {
        url.set_path(&format!("/{}", crate::model::REDACTED));
    }
    let masked: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, _)| (k.into_owned(), crate::model::REDACTED.to_owned()))
        .collect();
    if !masked.is_empty() {
        url.query_pairs_mut().clear().extend_pairs(masked);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: TargetPolicy = TargetPolicy {
        allow_private: false,
    };
    const DEV: TargetPolicy = TargetPolicy {
        allow_private: true,
    };

    #[test]
    fn internal_addresses_are_refused_with_their_kind() {
        for (ip, kind) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "cloud metadata"),
            ("169.254.1.1", "link-local"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("224.0.0.1", "multicast"),
            ("0.0.0.0", "reserved"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("fd12::1", "private"),
            ("ff02::1", "multicast"),
            ("::ffff:10.0.0.1", "private"),
            ("64:ff9b::a00:1", "private"),
            ("fd00:ec2::254", "cloud metadata"),
        ] {
            assert_eq!(STRICT.refusal(ip.parse().unwrap()), Some(kind), "{ip}");
        }
        assert_eq!(STRICT.refusal("93.184.216.34".parse().unwrap()), None);
        assert_eq!(STRICT.refusal("2606:4700::1111".parse().unwrap()), None);
    }

    #[test]
    fn development_mode_admits_private_targets_but_never_metadata() {
        assert_eq!(DEV.refusal("127.0.0.1".parse().unwrap()), None);
        assert_eq!(
            DEV.refusal("169.254.169.254".parse().unwrap()),
            Some("cloud metadata")
        );
        assert!(DEV.check_url("http://127.0.0.1:9000/hook").is_ok());
    }

    #[test]
    fn only_https_urls_without_credentials_pass_by_default() {
        assert_eq!(
            STRICT.check_url("http://example.com/hook"),
            Err(TargetError::Scheme)
        );
        assert_eq!(
            STRICT.check_url("https://user:pw@example.com/hook"),
            Err(TargetError::Credentials)
        );
        assert!(matches!(
            STRICT.check_url("https://[::1]/hook"),
            Err(TargetError::Forbidden {
                kind: "loopback",
                ..
            })
        ));
        assert!(matches!(
            STRICT.check_url("https://2130706433/hook"),
            Err(TargetError::Forbidden {
                kind: "loopback",
                ..
            })
        ));
        assert!(STRICT.check_url("https://example.com/hook").is_ok());
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused() {
        let err = STRICT.check("https://localhost/hook").await.unwrap_err();
        assert!(
            matches!(
                err,
                TargetError::Forbidden {
                    kind: "loopback",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_host_that_is_not_a_dns_name_is_refused_naming_it() {
        // Arrange / Act / Assert
        for url in [
            "https://hooks.example*/in",
            "https://-bad.example/in",
            "https://hooks.example./in",
            "https://hooks.123/in",
        ] {
            let err = STRICT.check_url(url).unwrap_err();
            assert!(matches!(err, TargetError::Malformed(_)), "{url}: {err}");
        }
        for url in [
            "https://hooks.example.com/in",
            "https://xn--bcher-kva.example/in",
        ] {
            assert!(STRICT.check_url(url).is_ok(), "{url}");
        }
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_yet_is_accepted_at_registration_but_not_connected_to() {
        // Arrange: `.invalid` never resolves (RFC 6761).
        let url = "https://hooks.not-yet.invalid/in";
        // Act
        let registered = STRICT.check(url).await;
        let delivered = STRICT.resolve("hooks.not-yet.invalid", 443).await;
        // Assert
        assert!(registered.is_ok(), "{registered:?}");
        assert!(
            matches!(delivered, Err(TargetError::Unresolvable { .. })),
            "{delivered:?}"
        );
    }

    #[test]
    fn urls_are_shown_with_query_values_and_slack_paths_masked() {
        assert_eq!(
            display_url("https://a.example/hook?token=abc&x=1", &Format::Json {}),
            "https://a.example/hook?token=********&x=********"
        );
        assert_eq!(
            display_url(
                "https://hooks.slack.com/services/T0/B0/secret",
                &Format::Slack {}
            ),
            "https://hooks.slack.com/********"
        );
        assert_eq!(
            display_url("https://a.example/hook", &Format::Json {}),
            "https://a.example/hook"
        );
    }
}
