//! Settings, the lazily connected JetStream context and the JetStream API requests.

use async_nats::jetstream;
use serde_json::{Value, json};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::OnceCell;

use platform_core::provider::ProviderError;

use crate::support::redact::{redact, redact_url_passwords};
use crate::support::settings::{self, SettingsError};

/// The adapter's settings, `environments.<env>.providers.nats` in a config.
#[derive(Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Settings {
    /// Server URL, such as `nats://127.0.0.1:4222`.
    #[serde(default = "default_url")]
    pub url: String,
    /// A `.creds` file (JWT and nkey seed).
    pub credentials: Option<PathBuf>,
    /// User name (with `password`).
    pub user: Option<String>,
    /// Password of `user`.
    pub password: Option<String>,
    /// An authentication token.
    pub token: Option<String>,
}

fn default_url() -> String {
    "nats://127.0.0.1:4222".to_owned()
}

/// The parsed settings and, after the first operation, the JetStream context.
pub struct Connection {
    settings: Settings,
    context: OnceCell<jetstream::Context>,
    /// The URL without credentials, for messages and outputs.
    pub url: String,
    /// Host of the (first) server, for outputs.
    pub host: String,
    /// Port of the (first) server, for outputs.
    pub port: u16,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("url", &self.url)
            .field("credentials", &self.settings.credentials)
            .field("user", &self.settings.user)
            .field("connected", &self.context.initialized())
            .finish_non_exhaustive()
    }
}

/// A JetStream API error: its HTTP-like code, the server's error code and description.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u64,
    pub err_code: u64,
    pub description: String,
}

/// The server's code for "stream not found".
pub(super) const STREAM_NOT_FOUND: u64 = 10059;
/// The server's code for "consumer not found".
pub(super) const CONSUMER_NOT_FOUND: u64 = 10014;

impl Connection {
    /// A connection from config settings; nothing connects until the first operation.
    pub fn from_settings(value: &Value) -> Result<Self, SettingsError> {
        let s: Settings = settings::parse("nats", value)?;
        let first = s.url.split(',').next().unwrap_or_default().trim();
        let without_scheme = first.split_once("://").map_or(first, |(_, rest)| rest);
        let authority = without_scheme.rsplit('@').next().unwrap_or_default();
        let authority = authority.split('/').next().unwrap_or_default();
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.trim_start_matches('[').trim_end_matches(']').to_owned(),
                p.parse::<u16>().map_err(|_| {
                    SettingsError::new("nats", format!("url: expected a port number, found {p:?}"))
                })?,
            ),
            None => (authority.to_owned(), 4222),
        };
        if host.is_empty() {
            return Err(SettingsError::new(
                "nats",
                format!(
                    "url: expected nats://host:port, found {:?}",
                    redact_url_passwords(&s.url)
                ),
            ));
        }
        if s.user.is_some() != s.password.is_some() {
            return Err(SettingsError::new(
                "nats",
                "user and password: expected both or neither, found only one",
            ));
        }
        Ok(Connection {
            url: redact_url_passwords(&s.url),
            settings: s,
            context: OnceCell::new(),
            host,
            port,
        })
    }

    fn secrets(&self) -> Vec<&str> {
        [
            self.settings.password.as_deref(),
            self.settings.token.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// `message` with every credential of the settings removed.
    pub fn redact(&self, message: &str) -> String {
        redact(message, &self.secrets())
    }

    /// The JetStream context, connecting on first use; failing to connect is transient.
    pub async fn context(&self) -> Result<&jetstream::Context, ProviderError> {
        self.context
            .get_or_try_init(|| async {
                let mut options = async_nats::ConnectOptions::new()
                    .connection_timeout(Duration::from_secs(5))
                    .request_timeout(Some(Duration::from_secs(10)));
                if let (Some(user), Some(password)) = (&self.settings.user, &self.settings.password)
                {
                    options = options.user_and_password(user.clone(), password.clone());
                }
                if let Some(token) = &self.settings.token {
                    options = options.token(token.clone());
                }
                if let Some(path) = &self.settings.credentials {
                    options = options.credentials_file(path).await.map_err(|e| {
                        ProviderError::permanent(format!(
                            "nats: cannot read the credentials file {}: {e}",
                            path.display()
                        ))
                    })?;
                }
                let client = options.connect(&self.settings.url).await.map_err(|e| {
                    let message =
                        self.redact(&format!("nats: cannot connect to {}: {e}", self.url));
                    match e.kind() {
                        async_nats::ConnectErrorKind::Authentication
                        | async_nats::ConnectErrorKind::AuthorizationViolation
                        | async_nats::ConnectErrorKind::ServerParse
                        | async_nats::ConnectErrorKind::Tls => ProviderError::permanent(message),
                        _ => ProviderError::transient(message),
                    }
                })?;
                Ok(jetstream::new(client))
            })
            .await
    }

    /// One JetStream API request (`STREAM.INFO.ORDERS`); the server's error is returned apart,
    /// so callers can tell "not found" from other failures.
    pub async fn api(
        &self,
        subject: &str,
        payload: &Value,
        what: &str,
    ) -> Result<Result<Value, ApiError>, ProviderError> {
        let context = self.context().await?;
        let response: Value = context
            .request(subject.to_owned(), payload)
            .await
            .map_err(|e| {
                let message = self.redact(&format!("nats: cannot {what} at {}: {e}", self.url));
                match e.kind() {
                    jetstream::context::RequestErrorKind::InvalidSubject => {
                        ProviderError::permanent(message)
                    }
                    // Timeouts, no responders (JetStream not ready) and broken connections.
                    _ => ProviderError::transient(message),
                }
            })?;
        match response.get("error") {
            Some(error) => Ok(Err(ApiError {
                code: error.get("code").and_then(Value::as_u64).unwrap_or(0),
                err_code: error.get("err_code").and_then(Value::as_u64).unwrap_or(0),
                description: error
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("no description")
                    .to_owned(),
            })),
            None => Ok(Ok(response)),
        }
    }

    /// A provider error for a JetStream API error during `what`.
    pub fn error(&self, what: &str, error: &ApiError) -> ProviderError {
        let message = self.redact(&format!(
            "nats: cannot {what} at {}: {} (code {}, error code {})",
            self.url, error.description, error.code, error.err_code
        ));
        match error.code {
            404 => ProviderError::not_found(message),
            // Busy, timed out or JetStream temporarily unavailable.
            408 | 429 | 500 | 503 => ProviderError::transient(message),
            _ => ProviderError::permanent(message),
        }
    }

    /// The info of stream `name`, or `None` when it does not exist.
    pub async fn stream_info(&self, name: &str) -> Result<Option<Value>, ProviderError> {
        let what = format!("read stream {name:?}");
        match self
            .api(&format!("STREAM.INFO.{name}"), &json!({}), &what)
            .await?
        {
            Ok(info) => Ok(Some(info)),
            Err(e) if e.err_code == STREAM_NOT_FOUND => Ok(None),
            Err(e) => Err(self.error(&what, &e)),
        }
    }

    /// The infos of every stream, one page (256 streams) per request.
    pub async fn stream_infos(&self) -> Result<Vec<Value>, ProviderError> {
        self.paged("STREAM.LIST", "streams", "list streams").await
    }

    /// The infos of every consumer of stream `name`, one page per request; none when the
    /// stream is gone.
    pub async fn consumer_infos(&self, name: &str) -> Result<Vec<Value>, ProviderError> {
        let what = format!("list the consumers of stream {name:?}");
        match self
            .paged(&format!("CONSUMER.LIST.{name}"), "consumers", &what)
            .await
        {
            Err(e) if e.class == platform_core::provider::ErrorClass::NotFound => Ok(Vec::new()),
            other => other,
        }
    }

    /// Every item of the paged list `field` answered to `subject`.
    async fn paged(
        &self,
        subject: &str,
        field: &str,
        what: &str,
    ) -> Result<Vec<Value>, ProviderError> {
        let mut out = Vec::new();
        loop {
            let page = self
                .api(subject, &json!({"offset": out.len()}), what)
                .await?
                .map_err(|e| self.error(what, &e))?;
            let items = page
                .get(field)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let total = page.get("total").and_then(Value::as_u64).unwrap_or(0) as usize;
            let empty = items.is_empty();
            out.extend(items);
            if empty || out.len() >= total {
                return Ok(out);
            }
        }
    }

    /// Deletes stream `name`; a missing one is not an error.
    pub async fn delete_stream(&self, name: &str) -> Result<(), ProviderError> {
        let what = format!("delete stream {name:?}");
        match self
            .api(&format!("STREAM.DELETE.{name}"), &json!({}), &what)
            .await?
        {
            Ok(_) => Ok(()),
            Err(e) if e.err_code == STREAM_NOT_FOUND => Ok(()),
            Err(e) => Err(self.error(&what, &e)),
        }
    }
}
