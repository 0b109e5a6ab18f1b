//! Sending one HTTP request to a receiver, SSRF-guarded: the URL is checked first, the
//! client resolves through [`GuardedResolver`], redirects are not followed (a redirect could
//! point anywhere) and no proxy from the environment is used. The result says how the
//! attempt ended and what the receiver answered (status, latency, a body excerpt).

use crate::retry::{classify_status, parse_retry_after, Class};
use crate::target::{GuardedResolver, TargetError, TargetPolicy};
use async_trait::async_trait;
use chrono::{Duration, Utc};
use std::error::Error as _;
use std::sync::Arc;
use std::time::Instant;

/// How much of a receiver's answer is kept.
pub const EXCERPT_BYTES: usize = 1024;
const USER_AGENT: &str = concat!("access-anomalies-webhooks/", env!("CARGO_PKG_VERSION"));

/// One request to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub url: String,
    pub method: crate::model::Method,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub timeout: std::time::Duration,
}

/// What came of one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub class: Class,
    pub status: Option<u16>,
    pub latency_ms: u64,
    pub body_excerpt: String,
    pub retry_after: Option<Duration>,
    /// Why the attempt did not deliver (absent when it did).
    pub error: Option<String>,
    /// The target was refused (SSRF) rather than tried.
    pub refused: bool,
}

impl Answer {
    fn refused(error: &TargetError) -> Self {
        Self {
            class: Class::Permanent,
            status: None,
            latency_ms: 0,
            body_excerpt: String::new(),
            retry_after: None,
            error: Some(format!("target refused: {error}")),
            refused: true,
        }
    }
}

/// Where requests go; a fake stands in for unit tests.
#[async_trait]
pub trait Sender: Send + Sync {
    async fn send(&self, request: Outgoing) -> Answer;
}

/// The real sender (reqwest, rustls).
#[derive(Clone)]
pub struct HttpSender {
    client: reqwest::Client,
    policy: TargetPolicy,
}

impl HttpSender {
    pub fn new(policy: TargetPolicy) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver(policy)))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(USER_AGENT)
            .pool_max_idle_per_host(16)
            .build()?;
        Ok(Self { client, policy })
    }

    pub fn policy(&self) -> TargetPolicy {
        self.policy
    }
}

/// The target refusal inside an error chain, if that is what stopped the request.
fn refusal_in(err: &reqwest::Error) -> Option<TargetError> {
    let mut source = err.source();
    while let Some(e) = source {
        if let Some(refused) = e.downcast_ref::<TargetError>() {
            return Some(refused.clone());
        }
        source = e.source();
    }
    None
}

fn describe(err: &reqwest::Error, timeout: std::time::Duration) -> String {
    if err.is_timeout() {
        return format!("timed out after {} s", timeout.as_secs_f64());
    }
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

async fn excerpt(mut response: reqwest::Response) -> String {
    let mut kept = Vec::new();
    while kept.len() < EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            _ => break,
        }
    }
    kept.truncate(EXCERPT_BYTES);
    String::from_utf8_lossy(&kept).into_owned()
}

#[async_trait]
impl Sender for HttpSender {
    async fn send(&self, request: Outgoing) -> Answer {
        if let Err(refused) = self.policy.check_url(&request.url) {
            return Answer::refused(&refused);
        }
        let method = match request.method {
            crate::model::Method::Post => reqwest::Method::POST,
            crate::model::Method::Put => reqwest::Method::PUT,
        };
        let mut builder = self
            .client
            .request(method, &request.url)
            .timeout(request.timeout)
            .body(request.body);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let started = Instant::now();
        let result = builder.send().await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, Utc::now()));
                let class = classify_status(status);
                let body_excerpt = excerpt(response).await;
                Answer {
                    class,
                    status: Some(status),
                    latency_ms,
                    body_excerpt,
                    retry_after,
                    error: (class != Class::Delivered).then(|| format!("HTTP {status}")),
                    refused: false,
                }
            }
            Err(err) => match refusal_in(&err) {
                Some(refused) => Answer::refused(&refused),
                None => Answer {
                    class: Class::Retryable,
                    status: None,
                    latency_ms,
                    body_excerpt: String::new(),
                    retry_after: None,
                    error: Some(describe(&err, request.timeout)),
                    refused: false,
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Method;

    fn outgoing(url: &str) -> Outgoing {
        Outgoing {
            url: url.into(),
            method: Method::Post,
            headers: vec![],
            body: b"{}".to_vec(),
            timeout: std::time::Duration::from_secs(2),
        }
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_inside_the_client() {
        // Arrange: a URL that passes the literal check; only resolution shows it is local.
        let sender = HttpSender::new(TargetPolicy::default()).unwrap();

        // Act
        let answer = sender.send(outgoing("https://localhost:9/hook")).await;

        // Assert
        assert!(answer.refused, "{answer:?}");
        assert_eq!(answer.class, Class::Permanent);
        assert!(answer.error.unwrap().contains("loopback"));
    }

    #[tokio::test]
    async fn a_closed_port_is_a_retryable_network_error() {
        let sender = HttpSender::new(TargetPolicy {
            allow_private: true,
        })
        .unwrap();
        let answer = sender.send(outgoing("http://127.0.0.1:9/hook")).await;
        assert_eq!(
            (answer.class, answer.refused, answer.status),
            (Class::Retryable, false, None)
        );
    }
}
