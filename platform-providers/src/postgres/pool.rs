//! A few reusable connections to the server, opened on first use and replaced when closed.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::{Client, Config, NoTls};

use super::errors::sql_error;
use platform_core::provider::ProviderError;

/// How long opening one connection may take before it is a transient error.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// At most `size` connections to the maintenance database named in the URL.
pub(crate) struct Pool {
    config: Config,
    idle: Mutex<Vec<Client>>,
    permits: Arc<Semaphore>,
}

/// A connection lent by the pool; it goes back when dropped, unless it was closed.
pub(crate) struct Lease<'a> {
    client: Option<Client>,
    pool: &'a Pool,
    _permit: OwnedSemaphorePermit,
}

impl std::ops::Deref for Lease<'_> {
    type Target = Client;

    fn deref(&self) -> &Client {
        self.client
            .as_ref()
            .expect("a lease holds its client until dropped")
    }
}

impl std::ops::DerefMut for Lease<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("a lease holds its client until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take()
            && !client.is_closed()
        {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(client);
        }
    }
}

impl Pool {
    /// A pool of at most `size` connections made from `config`; nothing connects yet.
    pub(crate) fn new(mut config: Config, size: usize) -> Self {
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        Pool {
            config,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(size.max(1))),
        }
    }

    /// The connection settings (hosts, ports, user) of the pool.
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// A connection: an idle open one, else a new one.
    pub(crate) async fn get(&self) -> Result<Lease<'_>, ProviderError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ProviderError::transient("the postgres connection pool is closed"))?;
        let reused = loop {
            let next = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            match next {
                Some(client) if client.is_closed() => continue,
                other => break other,
            }
        };
        let client = match reused {
            Some(client) => client,
            None => connect(&self.config).await?,
        };
        Ok(Lease {
            client: Some(client),
            pool: self,
            _permit: permit,
        })
    }

    /// A new connection outside the pool to another database of the same server.
    pub(crate) async fn connect_to(&self, database: &str) -> Result<Client, ProviderError> {
        let mut config = self.config.clone();
        config.dbname(database);
        connect(&config).await
    }
}

async fn connect(config: &Config) -> Result<Client, ProviderError> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| sql_error(&format!("cannot connect to {}", describe(config)), &e, &[]))?;
    // The connection task ends when the client is dropped or the server closes it.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// `user@host:port/database` of a config, never its password.
pub(crate) fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}
