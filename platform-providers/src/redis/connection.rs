//! The admin connection: made on first use, re-made after a failure, and its errors classified
//! as transient or permanent with credentials removed.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, ErrorKind, RedisError, ServerErrorKind};
use std::time::Duration;
use tokio::sync::OnceCell;

use platform_core::provider::ProviderError;
use platform_core::secret::SecretValue;

use crate::support::redact::redact;

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a command may take.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

/// The server behind a connection made on first use.
pub(super) struct Admin {
    client: Client,
    manager: OnceCell<ConnectionManager>,
    /// Where the admin connection goes, for messages (never with a password).
    pub(super) address: String,
    /// The admin password from the URL, removed from every message.
    password: Option<SecretValue>,
}

impl Admin {
    pub(super) fn new(client: Client, address: String, password: Option<SecretValue>) -> Self {
        Admin {
            client,
            manager: OnceCell::new(),
            address,
            password,
        }
    }

    /// The shared connection; connecting fails transiently when the server is unreachable,
    /// and the next call tries again.
    pub(super) async fn connection(&self) -> Result<ConnectionManager, ProviderError> {
        let manager = self
            .manager
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(CONNECT_TIMEOUT))
                    .set_response_timeout(Some(RESPONSE_TIMEOUT))
                    .set_number_of_retries(1);
                let connect = ConnectionManager::new_with_config(self.client.clone(), config);
                match tokio::time::timeout(CONNECT_TIMEOUT * 3, connect).await {
                    Ok(Ok(m)) => Ok(m),
                    Ok(Err(e)) => {
                        Err(self.error(&format!("cannot connect to {}", self.address), &e, &[]))
                    }
                    Err(_) => Err(ProviderError::transient(format!(
                        "redis: timed out connecting to {}",
                        self.address
                    ))),
                }
            })
            .await?;
        Ok(manager.clone())
    }

    /// A Redis error as a provider error, with `secrets` and the admin password removed.
    pub(super) fn error(&self, what: &str, e: &RedisError, secrets: &[&str]) -> ProviderError {
        let mut hidden: Vec<&str> = secrets.to_vec();
        if let Some(p) = &self.password {
            hidden.push(p.expose());
        }
        let message = redact(&format!("redis: {what}: {e}"), &hidden);
        if is_transient(e) {
            ProviderError::transient(message)
        } else {
            ProviderError::permanent(message)
        }
    }
}

/// Whether retrying may help: I/O failures, timeouts, a loading, busy or read-only server.
fn is_transient(e: &RedisError) -> bool {
    if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_connection_refusal() {
        return true;
    }
    match e.kind() {
        ErrorKind::Io => true,
        ErrorKind::Server(kind) => matches!(
            kind,
            ServerErrorKind::BusyLoading
                | ServerErrorKind::TryAgain
                | ServerErrorKind::ClusterDown
                | ServerErrorKind::MasterDown
                | ServerErrorKind::ReadOnly
        ),
        _ => false,
    }
}
