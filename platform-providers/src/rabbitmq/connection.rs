//! Settings, the management API client and how its failures are classified.

use rabbitmq_http_client::api::{Client, ClientBuilder, HttpClientError, RedirectPolicy};
use serde_json::Value;
use std::fmt;
use std::time::Duration;

use platform_core::provider::ProviderError;

use crate::support::redact::redact;
use crate::support::settings::{self, SettingsError};

/// The management API client: endpoint, user and password as owned strings.
pub(super) type ApiClient = Client<String, String, String>;

/// The adapter's settings, `environments.<env>.providers.rabbitmq` in a config.
#[derive(Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    /// The management API, such as `http://127.0.0.1:15672` (`/api` is added).
    #[serde(default = "default_url")]
    pub url: String,
    /// The management user (needs the `administrator` tag to manage users).
    #[serde(default = "default_guest")]
    pub username: String,
    /// Its password.
    #[serde(default = "default_guest")]
    pub password: String,
    /// The AMQP host handed to applications; the host of `url` when absent.
    pub amqp_host: Option<String>,
    /// The AMQP port handed to applications; 5672 when absent.
    pub amqp_port: Option<u16>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field(
                "url",
                &crate::support::redact::redact_url_passwords(&self.url),
            )
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("amqp_host", &self.amqp_host)
            .field("amqp_port", &self.amqp_port)
            .finish()
    }
}

fn default_url() -> String {
    "http://127.0.0.1:15672".to_owned()
}

fn default_guest() -> String {
    "guest".to_owned()
}

/// Where applications connect over AMQP, as handed out in outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmqpEndpoint {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
}

/// The parsed settings: the API client (which connects on first request) and the AMQP endpoint.
pub struct Connection {
    pub client: ApiClient,
    pub amqp: AmqpEndpoint,
    /// The management password, removed from every message.
    pub password: String,
    /// The endpoint without credentials, for messages.
    pub endpoint: String,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("endpoint", &self.endpoint)
            .field("amqp", &self.amqp)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A connection from config settings; nothing is sent until the first operation.
    pub fn from_settings(value: &Value) -> Result<Self, SettingsError> {
        let s: Settings = settings::parse("rabbitmq", value)?;
        Connection::new(s)
    }

    /// A connection from typed settings.
    pub fn new(s: Settings) -> Result<Self, SettingsError> {
        let url = s.url.trim_end_matches('/');
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(SettingsError::new(
                "rabbitmq",
                format!(
                    "url: expected the management API as http://host:port, found {:?}",
                    crate::support::redact::redact_url_passwords(url)
                ),
            ));
        };
        if scheme != "http" && scheme != "https" {
            return Err(SettingsError::new(
                "rabbitmq",
                format!(
                    "url: expected scheme http or https (the management API), found {scheme:?}"
                ),
            ));
        }
        let authority = rest.split('/').next().unwrap_or_default();
        let host_port = authority.rsplit('@').next().unwrap_or_default();
        let url_host = if let Some(bracketed) = host_port.strip_prefix('[') {
            bracketed.split(']').next().unwrap_or_default().to_owned()
        } else {
            host_port.split(':').next().unwrap_or_default().to_owned()
        };
        if url_host.is_empty() {
            return Err(SettingsError::new(
                "rabbitmq",
                "url: expected a host in the management API URL, found none",
            ));
        }
        let endpoint = if url.ends_with("/api") {
            url.to_owned()
        } else {
            format!("{url}/api")
        };
        let client = ClientBuilder::new()
            .with_endpoint(endpoint.clone())
            .with_basic_auth_credentials(s.username.clone(), s.password.clone())
            .with_connect_timeout(Duration::from_secs(5))
            .with_request_timeout(Duration::from_secs(30))
            .with_redirect_policy(RedirectPolicy::none())
            .build()
            .map_err(|e| {
                SettingsError::new(
                    "rabbitmq",
                    format!(
                        "url: cannot build the management API client: {}",
                        redact(&e.to_string(), &[&s.password])
                    ),
                )
            })?;
        Ok(Connection {
            client,
            amqp: AmqpEndpoint {
                host: s.amqp_host.unwrap_or(url_host),
                port: s.amqp_port.unwrap_or(5672),
            },
            endpoint: crate::support::redact::redact_url_passwords(&endpoint),
            password: s.password,
        })
    }

    /// A provider error for `error` during `what` (such as `declare queue "orders" in vhost "/"`).
    pub fn error(&self, what: &str, error: HttpClientError) -> ProviderError {
        classify(what, &self.endpoint, error, &[&self.password])
    }
}

/// The class and a credential-free message of a management API failure.
pub(super) fn classify(
    what: &str,
    endpoint: &str,
    error: HttpClientError,
    secrets: &[&str],
) -> ProviderError {
    let not_found = error.is_not_found();
    let (transient, detail) = match &error {
        HttpClientError::RequestError { error, .. } => {
            // Connection refused, timeouts and resets: the server may come back.
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            (true, text)
        }
        HttpClientError::ClientErrorResponse {
            status_code,
            error_details,
            body,
            ..
        } => {
            let reason = error_details
                .as_ref()
                .and_then(|d| d.reason().map(str::to_owned))
                .or_else(|| body.clone())
                .unwrap_or_default();
            // 429: the server asks to slow down; 408: it timed out waiting.
            let transient = status_code.as_u16() == 429 || status_code.as_u16() == 408;
            (transient, format!("HTTP {status_code}: {reason}"))
        }
        HttpClientError::ServerErrorResponse {
            status_code,
            error_details,
            body,
            ..
        } => {
            let reason = error_details
                .as_ref()
                .and_then(|d| d.reason().map(str::to_owned))
                .or_else(|| body.clone())
                .unwrap_or_default();
            (true, format!("HTTP {status_code}: {reason}"))
        }
        other => (false, other.to_string()),
    };
    let message = redact(
        &format!("rabbitmq: cannot {what} through {endpoint}: {detail}"),
        secrets,
    );
    if not_found {
        ProviderError::not_found(message)
    } else if transient {
        ProviderError::transient(message)
    } else {
        ProviderError::permanent(message)
    }
}
