//! The PostgreSQL state store: one schema of a database shared by many reconcilers, in any
//! number of processes on any number of machines.
//!
//! - **Schema.** Every table lives in one schema of the caller's choice
//!   ([`PostgresOptions::schema`], `platform` by default), so several platforms share a
//!   database. The schema is versioned (`schema_version`) and migrated forward when a store
//!   opens, under an advisory lock; a schema written by a newer program, or a schema holding
//!   another program's tables, is refused with a clear error.
//! - **Commits.** A commit is one transaction. It first locks the schema's one counters row,
//!   so commits are serialized as in the SQLite store: preconditions are checked against what
//!   is committed, and resourceVersions and change sequence numbers are handed out in commit
//!   order (a reader of the change feed never sees sequence 7 committed before 6).
//! - **Leases and fencing.** [`StateStore::acquire_lease`] locks the lease's row
//!   (`SELECT ... FOR UPDATE`) and applies the shared rule ([`decide_lease`](platform_core::store::decide_lease)) against the
//!   database's clock, so machines with skewed clocks agree on expiry. A commit holding
//!   [`Write::Fence`] reads the lease row `FOR SHARE` and checks it with [`fence_holds`](platform_core::store::fence_holds): the
//!   shared lock keeps the lease from changing hands until the commit ends, so a write under
//!   a lease that was taken over is refused and nothing of its batch is written.
//! - **Change feed.** Each commit that changes objects sends `NOTIFY` on the schema's channel
//!   with its last sequence number; [`PostgresStore::listen`] wakes a waiting reconciler
//!   within milliseconds of a write by any process, and readers resume from their last
//!   sequence number after a dropped connection (the feed is a table, the notification only
//!   a wake-up).
//! - **Secrets.** Sealed exactly as in the SQLite store (XChaCha20-Poly1305, a fresh nonce per
//!   value, bound to object and name), with the key from [`SECRET_KEY_ENV`] or a key file; the
//!   schema records a key check value, so a wrong key is an error naming where the key came
//!   from, never garbage.
//! - **Pool.** Connections come from a `deadpool-postgres` pool of
//!   [`PostgresOptions::pool_size`] connections, opened on demand.
//!
//! ```no_run
//! # async fn demo() -> Result<(), platform_providers::core::store::StoreError> {
//! use platform_providers::core::store::{ListFilter, StateStore};
//! use platform_providers::store::postgres::{PostgresOptions, PostgresStore};
//!
//! let store = PostgresStore::connect(
//!     "postgres://platform@db.internal/platform",
//!     PostgresOptions { schema: "team_platform".into(), ..PostgresOptions::default() },
//! )
//! .await?;
//! let claims = store.list(&ListFilter::kind("platform.dev", "DatabaseClaim")).await?;
//! println!("{} claims", claims.len());
//! # Ok(())
//! # }
//! ```

mod commit;
mod errors;
mod feed;
mod lease;
mod reads;
mod schema;
mod url;
mod workers;

pub use feed::ChangeListener;
pub use schema::SCHEMA_VERSION;
pub use url::split_state_url;

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use platform_core::model::{DynamicObject, ObjectRef};
use platform_core::secret::SecretMap;
use platform_core::store::{
    Change, CreateIntent, Event, JournalEntry, JournalQuery, Lease, LeaseOutcome, ListFilter,
    StateStore, StoreError, WorkerBeat, WorkerInfo, Write,
};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;
use tokio_postgres::types::ToSql;

use crate::store::secret_key::{SECRET_KEY_ENV, SecretCipher, SecretKeySource};
use errors::{pg_error, pool_error};

/// The schema used when none is given.
pub const DEFAULT_SCHEMA: &str = "platform";

/// The pool size used when none is given.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// How a [`PostgresStore`] connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The schema holding the state's tables (created when missing): lowercase letters,
    /// digits and `_`, starting with a letter or `_`, at most 48 characters.
    pub schema: String,
    /// Most connections the store opens at once.
    pub pool_size: usize,
    /// Where the key that encrypts secrets comes from.
    pub secret_key: SecretKeySource,
    /// The key file [`SecretKeySource::EnvironmentOrFile`] uses when [`SECRET_KEY_ENV`] is
    /// unset (created with mode 0600 on first use). Every process sharing the schema needs
    /// the same key: give each the same file or the same variable.
    pub key_file: PathBuf,
    /// How long opening one connection, or waiting for one from the pool, may take.
    pub connect_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: DEFAULT_SCHEMA.to_owned(),
            pool_size: DEFAULT_POOL_SIZE,
            secret_key: SecretKeySource::default(),
            key_file: PathBuf::from(".platform/state.key"),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// A [`StateStore`] in a schema of a PostgreSQL database, shared by many processes.
pub struct PostgresStore {
    pool: Pool,
    config: tokio_postgres::Config,
    /// The schema's name, and quoted for SQL.
    schema: String,
    quoted: String,
    /// Where the store is, for messages: host, port, database and schema (never the URL).
    place: String,
    key_source: SecretKeySource,
    key_file: PathBuf,
    cipher: OnceLock<SecretCipher>,
    /// Set once the schema was migrated by this store.
    migrated: tokio::sync::OnceCell<()>,
    /// The listener behind [`StateStore::wait_for_change`], started on its first call.
    listener: tokio::sync::Mutex<Option<ChangeListener>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("place", &self.place)
            .finish_non_exhaustive()
    }
}

/// Checks a schema name: lowercase letters, digits and `_`, starting with a letter or `_`,
/// at most 48 characters (the change feed's channel adds a suffix within PostgreSQL's 63).
pub fn check_schema_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 48
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
        && !name.starts_with("pg_");
    if ok {
        Ok(())
    } else {
        Err(StoreError::Unavailable(format!(
            "state schema {name:?}: expected lowercase letters, digits and '_' (at most 48, \
             not starting with a digit or pg_)"
        )))
    }
}

/// Host, port and database of a config, for messages.
fn place_of(config: &tokio_postgres::Config, schema: &str) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("postgres://{host}:{port}/{db} (schema {schema})")
}

impl PostgresStore {
    /// Connects to the database at `url` (a libpq URL or key=value string), creates the
    /// schema when missing and migrates it; fails when the server cannot be reached.
    pub async fn connect(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let store = PostgresStore::new(url, options)?;
        drop(store.client().await?);
        Ok(store)
    }

    /// A store for the database at `url` that connects, creates and migrates its schema on
    /// first use: for callers that cannot wait here. Checks the URL and schema name now.
    pub fn new(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        check_schema_name(&options.schema)?;
        let mut config = tokio_postgres::Config::from_str(url).map_err(|e| {
            // The parser's message names the offending option, never its value.
            StoreError::Unavailable(format!("PostgreSQL state URL is not valid: {e}"))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.connect_timeout);
        }
        config.application_name("platform-state");
        let place = place_of(&config, &options.schema);
        let manager = Manager::from_config(
            config.clone(),
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.connect_timeout))
            .create_timeout(Some(options.connect_timeout))
            .build()
            .map_err(|e| StoreError::Unavailable(format!("PostgreSQL state: {e}")))?;
        let quoted = format!("\"{}\"", options.schema);
        let store = PostgresStore {
            pool,
            config,
            schema: options.schema,
            quoted,
            place,
            key_source: options.secret_key,
            key_file: options.key_file,
            cipher: OnceLock::new(),
            migrated: tokio::sync::OnceCell::new(),
            listener: tokio::sync::Mutex::new(None),
        };
        Ok(store)
    }

    /// Where the store is: host, port, database and schema (never a password).
    pub fn place(&self) -> &str {
        &self.place
    }

    /// The schema holding the state.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The notification channel of this schema's change feed.
    pub fn channel(&self) -> String {
        format!("{}_changes", self.schema)
    }

    /// A table of the schema, quoted for SQL.
    fn table(&self, name: &str) -> String {
        format!("{}.{name}", self.quoted)
    }

    /// A pooled connection; the first one migrates the schema.
    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        let get = || async {
            self.pool
                .get()
                .await
                .map_err(|e| pool_error(&self.place, e))
        };
        self.migrated
            .get_or_try_init(|| async {
                let mut client = get().await?;
                schema::migrate(&mut client, &self.quoted, &self.schema).await
            })
            .await?;
        get().await
    }

    fn err(&self, what: &str) -> impl Fn(tokio_postgres::Error) -> StoreError + '_ {
        let what = what.to_owned();
        move |e| pg_error(&format!("{what} in {}", self.place), &e)
    }

    /// The cipher, resolving the key and checking it against the schema's key check value on
    /// first use (recording it when the schema has none yet).
    async fn cipher(&self) -> Result<&SecretCipher, StoreError> {
        if let Some(cipher) = self.cipher.get() {
            return Ok(cipher);
        }
        if let Some(parent) = self.key_file.parent().filter(|p| !p.as_os_str().is_empty())
            && matches!(self.key_source, SecretKeySource::EnvironmentOrFile)
            && std::env::var_os(SECRET_KEY_ENV).is_none_or(|v| v.is_empty())
        {
            create_private_dir_all(parent).map_err(|e| {
                StoreError::Unavailable(format!(
                    "cannot create the folder of key file {}: {e}",
                    self.key_file.display()
                ))
            })?;
        }
        let cipher = SecretCipher::new(self.key_source.resolve(&self.key_file, true)?);
        self.check_key(&cipher).await?;
        Ok(self.cipher.get_or_init(|| cipher))
    }

    async fn check_key(&self, cipher: &SecretCipher) -> Result<(), StoreError> {
        use crate::store::secret_key::{KEY_CHECK_AAD, KEY_CHECK_TEXT};
        let client = self.client().await?;
        let err = self.err("cannot check the secret key");
        let (nonce, sealed) = cipher.seal(KEY_CHECK_AAD, KEY_CHECK_TEXT)?;
        client
            .execute(
                &format!(
                    "INSERT INTO {} (row_id, nonce, sealed) VALUES (1, $1, $2) \
                     ON CONFLICT DO NOTHING",
                    self.table("key_check")
                ),
                &[&nonce, &sealed],
            )
            .await
            .map_err(&err)?;
        let row = client
            .query_one(
                &format!("SELECT nonce, sealed FROM {}", self.table("key_check")),
                &[],
            )
            .await
            .map_err(&err)?;
        let (nonce, sealed): (Vec<u8>, Vec<u8>) = (row.get(0), row.get(1));
        match cipher.open(KEY_CHECK_AAD, &nonce, &sealed) {
            Some(text) if text == KEY_CHECK_TEXT => Ok(()),
            _ => Err(self.wrong_key(cipher)),
        }
    }

    fn wrong_key(&self, cipher: &SecretCipher) -> StoreError {
        StoreError::Unavailable(format!(
            "cannot decrypt secrets in {}: {} does not match the key they were written with \
             (set {SECRET_KEY_ENV} to that key, or use the key file of the processes that \
             wrote them)",
            self.place, cipher.origin,
        ))
    }
}

/// Creates a folder and its parents with mode 0700.
fn create_private_dir_all(path: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// Runs a statement prepared once per connection and returns its rows.
async fn query<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
    let statement = client.prepare_cached(sql).await?;
    client.query(&statement, params).await
}

/// Runs a statement prepared once per connection and returns how many rows it changed.
async fn execute<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, tokio_postgres::Error> {
    let statement = client.prepare_cached(sql).await?;
    client.execute(&statement, params).await
}

#[async_trait]
impl StateStore for PostgresStore {
    async fn get(&self, key: &ObjectRef) -> Result<Option<DynamicObject>, StoreError> {
        Ok(self
            .get_many(std::slice::from_ref(key))
            .await?
            .pop()
            .flatten())
    }

    async fn list(&self, filter: &ListFilter) -> Result<Vec<DynamicObject>, StoreError> {
        self.list_rows(filter, None, None).await
    }

    async fn list_page(
        &self,
        filter: &ListFilter,
        after: Option<&ObjectRef>,
        limit: usize,
    ) -> Result<Vec<DynamicObject>, StoreError> {
        self.list_rows(filter, after, Some(limit)).await
    }

    async fn commit(&self, writes: Vec<Write>) -> Result<Vec<DynamicObject>, StoreError> {
        self.commit_writes(writes).await
    }

    async fn secrets(&self, key: &ObjectRef) -> Result<SecretMap, StoreError> {
        Ok(self
            .secrets_many(std::slice::from_ref(key))
            .await?
            .pop()
            .unwrap_or_default())
    }

    /// One query for all keys.
    async fn get_many(&self, keys: &[ObjectRef]) -> Result<Vec<Option<DynamicObject>>, StoreError> {
        self.get_rows(keys).await
    }

    /// One query for all keys.
    async fn secrets_many(&self, keys: &[ObjectRef]) -> Result<Vec<SecretMap>, StoreError> {
        self.secret_rows(keys).await
    }

    async fn intents(&self) -> Result<Vec<CreateIntent>, StoreError> {
        self.intent_rows().await
    }

    async fn events(&self, key: &ObjectRef) -> Result<Vec<Event>, StoreError> {
        self.event_rows(key).await
    }

    async fn changes(&self, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        self.change_rows(after, limit).await
    }

    /// Woken by `NOTIFY` from any process's commit, through a listener of its own.
    async fn wait_for_change(&self, after: u64) -> Result<(), StoreError> {
        let mut listener = self.listener.lock().await;
        if listener.is_none() {
            *listener = Some(self.listen().await?);
        }
        match listener.as_mut() {
            Some(listener) => listener.changed(after).await,
            None => Ok(()),
        }
    }

    async fn acquire_lease(
        &self,
        key: &ObjectRef,
        holder: &str,
        ttl: Duration,
        take_over: Option<&str>,
    ) -> Result<LeaseOutcome, StoreError> {
        self.lease_request(key, holder, ttl, take_over).await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        self.lease_release(lease).await
    }

    async fn heartbeat(&self, beat: &WorkerBeat) -> Result<(), StoreError> {
        self.worker_beat(beat).await
    }

    async fn workers(&self, within_ms: u64) -> Result<Option<Vec<WorkerInfo>>, StoreError> {
        self.worker_rows(within_ms).await.map(Some)
    }

    async fn journal_append(&self, entries: Vec<JournalEntry>) -> Result<usize, StoreError> {
        self.journal_insert(entries).await
    }

    async fn journal(&self, query: &JournalQuery) -> Result<Vec<JournalEntry>, StoreError> {
        self.journal_rows(query).await
    }

    async fn journal_prune(&self, before_ms: i64) -> Result<usize, StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            &format!("DELETE FROM {} WHERE time_ms < $1", self.table("journal")),
            &[&before_ms],
        )
        .await
        .map(|n| n as usize)
        .map_err(self.err("cannot prune the journal"))
    }
}
