//! Settings of the s3 adapter and the S3 clients built from them, one per region, on first use.

use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use tokio::sync::OnceCell;

use crate::support::settings::SettingsError;

/// `environments.<env>.providers.s3`: where the S3 API is and how to sign requests.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct S3Settings {
    /// Endpoint of an S3-compatible server, such as `http://127.0.0.1:5000`; AWS when absent.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Default region of buckets and of request signing.
    #[serde(default = "default_region")]
    pub region: String,
    /// Access key id; with `secretAccessKey`, else the SDK's default credential chain.
    #[serde(default)]
    pub access_key_id: Option<String>,
    /// Secret access key (use `${env:NAME}`).
    #[serde(default)]
    pub secret_access_key: Option<String>,
    /// Path-style addressing (`endpoint/bucket`), which S3-compatible servers need.
    #[serde(default = "default_path_style")]
    pub force_path_style: bool,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

fn default_path_style() -> bool {
    true
}

impl fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id.as_ref().map(|_| "***"))
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "***"),
            )
            .field("force_path_style", &self.force_path_style)
            .finish()
    }
}

impl S3Settings {
    /// Checks the settings without connecting.
    pub fn check(&self) -> Result<(), SettingsError> {
        if let Some(endpoint) = &self.endpoint
            && !(endpoint.starts_with("http://") || endpoint.starts_with("https://"))
        {
            return Err(SettingsError::new(
                "s3",
                format!(
                    "endpoint: expected an http:// or https:// URL, found {:?}",
                    crate::support::redact::redact_url_passwords(endpoint)
                ),
            ));
        }
        super::spec::region_name("region", &self.region)
            .map_err(|e| SettingsError::new("s3", e.message))?;
        match (&self.access_key_id, &self.secret_access_key) {
            (Some(_), None) | (None, Some(_)) => Err(SettingsError::new(
                "s3",
                "expected accessKeyId and secretAccessKey together, found only one of them",
            )),
            _ => Ok(()),
        }
    }

    /// The endpoint outputs name: the configured one, else the AWS endpoint of `region`.
    pub fn endpoint_for(&self, region: &str) -> String {
        match &self.endpoint {
            Some(e) => crate::support::redact::redact_url_passwords(e),
            None => format!("https://s3.{region}.amazonaws.com"),
        }
    }

    /// Values that must never appear in messages.
    pub fn secrets(&self) -> Vec<&str> {
        [&self.access_key_id, &self.secret_access_key]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect()
    }
}

/// S3 clients made on first use: the shared SDK configuration once, a client per region.
pub struct Clients {
    settings: S3Settings,
    base: OnceCell<aws_sdk_s3::config::Builder>,
    by_region: Mutex<HashMap<String, aws_sdk_s3::Client>>,
}

impl Clients {
    /// Clients for `settings`; nothing connects yet.
    pub fn new(settings: S3Settings) -> Self {
        Clients {
            settings,
            base: OnceCell::new(),
            by_region: Mutex::new(HashMap::new()),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &S3Settings {
        &self.settings
    }

    async fn base(&self) -> &aws_sdk_s3::config::Builder {
        self.base
            .get_or_init(|| async {
                let s = &self.settings;
                let mut builder = match (&s.access_key_id, &s.secret_access_key) {
                    (Some(id), Some(secret)) => aws_sdk_s3::config::Builder::new()
                        .behavior_version(BehaviorVersion::latest())
                        .credentials_provider(Credentials::new(
                            id.clone(),
                            secret.clone(),
                            None,
                            None,
                            "platform-settings",
                        )),
                    // The default chain: environment, profile, web identity, instance metadata.
                    _ => {
                        let shared = aws_config::defaults(BehaviorVersion::latest())
                            .region(Region::new(s.region.clone()))
                            .load()
                            .await;
                        aws_sdk_s3::config::Builder::from(&shared)
                    }
                };
                if let Some(endpoint) = &s.endpoint {
                    builder = builder.endpoint_url(endpoint.clone());
                }
                builder
                    .force_path_style(s.force_path_style)
                    // S3-compatible servers reject the newer default checksums.
                    .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
                    .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
                    .timeout_config(
                        TimeoutConfig::builder()
                            .connect_timeout(Duration::from_secs(5))
                            .operation_attempt_timeout(Duration::from_secs(30))
                            .build(),
                    )
                    // The engine retries transient errors with its own backoff.
                    .retry_config(RetryConfig::standard().with_max_attempts(2))
            })
            .await
    }

    /// The client for `region`.
    pub async fn client(&self, region: &str) -> aws_sdk_s3::Client {
        if let Some(c) = self
            .by_region
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(region)
        {
            return c.clone();
        }
        let config = self
            .base()
            .await
            .clone()
            .region(Region::new(region.to_owned()))
            .build();
        let client = aws_sdk_s3::Client::from_conf(config);
        self.by_region
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(region.to_owned())
            .or_insert(client)
            .clone()
    }
}
