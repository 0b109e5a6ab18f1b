//! The function's configuration, read once per cold start from environment variables: the
//! Security Hub product findings are imported under (the account's default product), and the
//! page a finding links back to. A missing or bad value fails the start naming the variable.

use anomalies_core::env::Env;
pub use anomalies_core::env::EnvError as ConfigError;
use std::fmt;

/// `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`.
pub const SECURITY_HUB_PRODUCT_ARN: &str = "SECURITY_HUB_PRODUCT_ARN";
/// The Anomalies page (`…/ui/`); a finding's `SourceUrl` opens its anomaly there.
pub const ANOMALIES_PAGE_URL: &str = "ANOMALIES_PAGE_URL";

/// Environment variables the function reads (the infrastructure test checks the template
/// against these).
pub const REQUIRED: [&str; 1] = [SECURITY_HUB_PRODUCT_ARN];
pub const OPTIONAL: [&str; 1] = [ANOMALIES_PAGE_URL];

/// The IAM actions of the AWS calls this function makes (its own; the event source's polling
/// actions come on top). The template's role grants exactly these, on the product only
/// (tests/tests/infra.rs).
pub const IAM_ACTIONS: [&str; 1] = ["securityhub:BatchImportFindings"];

/// A Security Hub product ARN, with the parts a finding repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductArn {
    arn: String,
    pub partition: String,
    pub region: String,
    /// The account findings belong to (`AwsAccountId`): the one whose default product this is.
    pub account: String,
}

impl ProductArn {
    pub fn as_str(&self) -> &str {
        &self.arn
    }
}

impl fmt::Display for ProductArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

impl TryFrom<&str> for ProductArn {
    type Error = String;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        let text = text.trim();
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, service, region, _, resource] = parts[..] else {
            return Err(format!("{text:?} is not an ARN"));
        };
        if arn != "arn" || service != "securityhub" || partition.is_empty() || region.is_empty() {
            return Err(format!("{text:?} is not a Security Hub ARN with a region"));
        }
        let Some(account) = resource
            .strip_prefix("product/")
            .and_then(|rest| rest.split('/').next())
            .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        else {
            return Err(format!(
                "{text:?} does not name a product as product/<12-digit account>/<name>"
            ));
        };
        Ok(Self {
            arn: text.to_owned(),
            partition: partition.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct SecurityHubConfig {
    pub product: ProductArn,
    pub page_url: Option<String>,
}

impl SecurityHubConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Read from any lookup (the environment in production, a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(get);
        let product = ProductArn::try_from(env.required(SECURITY_HUB_PRODUCT_ARN)?.as_str())
            .map_err(|reason| ConfigError::Invalid {
                name: SECURITY_HUB_PRODUCT_ARN,
                reason,
            })?;
        let page_url = match env.optional(ANOMALIES_PAGE_URL) {
            None => None,
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => Some(url),
            Some(url) => {
                return Err(ConfigError::Invalid {
                    name: ANOMALIES_PAGE_URL,
                    reason: format!("{url:?} is not an http(s) URL"),
                })
            }
        };
        Ok(Self { product, page_url })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: &str = "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default";

    fn read(pairs: &[(&str, &str)]) -> Result<SecurityHubConfig, ConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        SecurityHubConfig::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn the_default_product_gives_the_account_region_and_partition() {
        let config = read(&[(SECURITY_HUB_PRODUCT_ARN, DEFAULT)]).unwrap();

        assert_eq!(config.product.as_str(), DEFAULT);
        assert_eq!(config.product.account, "123456789012");
        assert_eq!(config.product.region, "eu-west-1");
        assert_eq!(config.product.partition, "aws");
        assert_eq!(config.page_url, None);
    }

    #[test]
    fn a_missing_or_malformed_product_arn_is_named() {
        let missing = read(&[]).unwrap_err();
        assert_eq!(missing, ConfigError::Missing(SECURITY_HUB_PRODUCT_ARN));
        for bad in [
            "default",
            "arn:aws:sns:eu-west-1:123456789012:product/123456789012/default",
            "arn:aws:securityhub::123456789012:product/123456789012/default",
            "arn:aws:securityhub:eu-west-1:123456789012:hub/default",
            "arn:aws:securityhub:eu-west-1:123456789012:product/12345/default",
        ] {
            let err = read(&[(SECURITY_HUB_PRODUCT_ARN, bad)]).unwrap_err();
            assert!(
                err.to_string().contains(SECURITY_HUB_PRODUCT_ARN),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn the_page_url_must_be_a_web_address() {
        let good = read(&[
            (SECURITY_HUB_PRODUCT_ARN, DEFAULT),
            (ANOMALIES_PAGE_URL, "https://api.example.com/ui/"),
        ])
        .unwrap();
        assert_eq!(
            good.page_url.as_deref(),
            Some("https://api.example.com/ui/")
        );
        let bad = read(&[
            (SECURITY_HUB_PRODUCT_ARN, DEFAULT),
            (ANOMALIES_PAGE_URL, "javascript:alert(1)"),
        ])
        .unwrap_err();
        assert!(bad.to_string().contains(ANOMALIES_PAGE_URL), "{bad}");
    }
}
