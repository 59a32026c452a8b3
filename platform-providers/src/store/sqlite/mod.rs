//! The SQLite state store: the embedded default, one file (`.platform/state.db`).
//!
//! - **Durability.** The file is in WAL mode with `synchronous=NORMAL`: every commit is one
//!   transaction, and a committed batch survives the process being killed (`kill -9`). A power
//!   loss or OS crash may lose the last commits before a checkpoint, never corrupt the file;
//!   that trade buys roughly ten times the commit rate of `synchronous=FULL`.
//! - **Concurrency.** Several stores, in this process or others, may open one file. Each
//!   commit takes SQLite's write lock (`BEGIN IMMEDIATE`); a second writer waits up to
//!   [`SqliteOptions::busy_timeout`], then fails with an error naming the file. Counters live in
//!   the file, so resourceVersions stay monotonic across processes and a stale one is refused.
//! - **Schema.** Versioned with `PRAGMA user_version`; forward migrations run when a store
//!   opens, and a file written by a newer program is refused with a clear error.
//! - **Secrets.** Each value is encrypted with XChaCha20-Poly1305 under a fresh random 24-byte
//!   nonce, bound to its object and name. The key comes from [`SECRET_KEY_ENV`] (64 hex
//!   characters or base64 of 32 bytes), else from a key file beside the state
//!   (`state.db.key`, 32 random bytes as hex, mode 0600, created on first use). A wrong key is
//!   an error, never garbage.
//! - **Read-only opens.** [`SqliteOptions::read_only`] opens the file with
//!   `SQLITE_OPEN_READ_ONLY`: commands that only read (`get`, `describe`, `outputs`, `plan`,
//!   `drift` without `--fix`, `graph`) work on a `.platform` they cannot write, never create a
//!   file, and a commit is refused. A missing file reads as an empty store.
//! - **Damaged state.** A state file that exists but holds no platform schema (0 bytes, or no
//!   tables) while the key file beside it or one of [`SqliteOptions::state_traces`] exists is
//!   refused as damaged or lost, never taken as a new store; see [`SqliteStore::open_with`].
//! - **Modes.** The file and the folders created for it are created with mode 0600 and 0700
//!   (SQLite gives its `-wal`, `-shm` and `-journal` files the file's mode).
//!
//! ```no_run
//! # async fn demo() -> Result<(), platform_providers::core::store::StoreError> {
//! use platform_providers::core::store::{ListFilter, StateStore};
//! use platform_providers::store::sqlite::{DEFAULT_STATE_PATH, SqliteStore};
//!
//! let store = SqliteStore::open(DEFAULT_STATE_PATH)?;
//! let claims = store.list(&ListFilter::kind("platform.dev", "DatabaseClaim")).await?;
//! println!("{} claims in {}", claims.len(), store.path().display());
//! # Ok(())
//! # }
//! ```
//!
//! SQLite is synchronous: each store runs its connection on one dedicated thread and the async
//! methods hand it work, so the async runtime never blocks on the file. Commits that queue up
//! while the thread is busy are written as one SQLite transaction with a savepoint per commit
//! (group commit): each commit stays all-or-nothing and is answered only once the shared
//! transaction is committed, and the file is written once for the whole group.

mod errors;
mod rows;
mod schema;
mod worker;

pub use crate::store::secret_key::{
    InvalidSecretKey, SECRET_KEY_ENV, SecretKey, SecretKeySource, key_file_beside,
};
pub use schema::SCHEMA_VERSION;

use async_trait::async_trait;
use platform_core::model::{DynamicObject, ObjectRef};
use platform_core::secret::SecretMap;
use platform_core::store::{
    Change, CreateIntent, Event, JournalEntry, JournalQuery, Lease, LeaseOutcome, ListFilter,
    StateStore, StoreError, Write,
};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::support::private_files::{create_private_dir_all, create_private_file};
use worker::{Answer, Batch, Job, LeaseRequest, Worker};

/// Where `platformctl` keeps its state unless configured otherwise.
pub const DEFAULT_STATE_PATH: &str = ".platform/state.db";

/// The page cache, in KiB as `PRAGMA cache_size` takes it (negative): 32 MiB.
pub(super) const CACHE_KIB: i64 = -32_768;

/// Pages of write-ahead log (4 KiB each) after which a commit checkpoints it.
const WAL_CHECKPOINT_PAGES: i64 = 16_384;

/// How a [`SqliteStore`] opens its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// How long a write waits for another process's write to finish before failing.
    pub busy_timeout: Duration,
    /// Where the key that encrypts secrets comes from.
    pub secret_key: SecretKeySource,
    /// Open for reading only (`SQLITE_OPEN_READ_ONLY`): nothing is created (not the file, its
    /// folder, nor a key file), a missing file reads as an empty store, and every commit fails
    /// saying the store was opened read-only. For commands that only read, so they work where
    /// the state cannot be written.
    pub read_only: bool,
    /// Paths that exist only once state was kept beside this file, such as the local
    /// adapter's folder: an existing state file without schema next to one is refused as
    /// damaged (the key file beside the state always counts).
    pub state_traces: Vec<PathBuf>,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            busy_timeout: Duration::from_secs(10),
            secret_key: SecretKeySource::default(),
            read_only: false,
            state_traces: Vec::new(),
        }
    }
}

/// A [`StateStore`] in one SQLite file, safe to share between tasks and processes.
pub struct SqliteStore {
    path: PathBuf,
    read_only: bool,
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

pub(crate) use errors::sql_error;

impl SqliteStore {
    /// Opens (creating it and its folder when missing) the state file with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        SqliteStore::open_with(path, SqliteOptions::default())
    }

    /// Opens (creating it and its folder when missing) the state file; runs migrations.
    ///
    /// A new file is created with mode 0600 and new folders with mode 0700. A state file that
    /// existed before this call but holds no platform schema (0 bytes, or a SQLite file with
    /// no tables) is taken as a new store only when no trace of earlier state exists: when the
    /// key file beside it (with a file key source) or one of [`SqliteOptions::state_traces`]
    /// exists, the open fails with an error saying the state looks damaged or lost, and
    /// changes nothing. A missing state file is always a new store.
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let existed = path
            .try_exists()
            .map_err(|e| StoreError::Unavailable(format!("cannot read {}: {e}", path.display())))?;
        let mut traces = options.state_traces.clone();
        match &options.secret_key {
            SecretKeySource::EnvironmentOrFile => traces.insert(0, key_file_beside(&path)),
            SecretKeySource::File(key) => traces.insert(0, key.clone()),
            SecretKeySource::Key(_) => {}
        }
        let new_store = schema::NewStore { existed, traces };
        let conn = if options.read_only {
            open_read_only(&path, &options, &new_store)?
        } else {
            open_read_write(&path, &options, &new_store)?
        };
        let read_only = options.read_only;
        let worker = Worker::new(conn, path.clone(), options);
        let (jobs, inbox) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("platform-sqlite-store".into())
            .spawn(move || worker.serve(inbox))
            .map_err(|e| {
                StoreError::Unavailable(format!(
                    "cannot start the thread of the state store {}: {e}",
                    path.display()
                ))
            })?;
        Ok(SqliteStore {
            path: path.clone(),
            read_only,
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the store was opened read-only ([`SqliteOptions::read_only`]).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Runs work on the store's thread and waits for its answer without blocking the runtime.
    async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Worker) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job::Run(Box::new(move |worker| {
            // A panic must not leave the store without its thread; the open transaction, if
            // any, rolls back as it unwinds.
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| work(worker)))
                .unwrap_or_else(|_| {
                    Err(StoreError::Unavailable(
                        "internal error in the SQLite state store (a panic); nothing was written"
                            .into(),
                    ))
                });
            let _ = reply.send(result);
        }));
        self.send(job)?;
        answer.await.map_err(|_| self.stopped())?
    }

    fn stopped(&self) -> StoreError {
        StoreError::Unavailable(format!(
            "the state store {} has stopped",
            self.path.display()
        ))
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        self.jobs
            .as_ref()
            .ok_or_else(|| self.stopped())?
            .send(job)
            .map_err(|_| self.stopped())
    }
}

/// Opens the file for reading and writing, creating it (mode 0600) and its folders (0700).
fn open_read_write(
    path: &Path,
    options: &SqliteOptions,
    new_store: &schema::NewStore,
) -> Result<Connection, StoreError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir_all(parent)
            .map_err(|e| errors::io_error("create the folder", parent, path, e))?;
    }
    if new_store.existed && std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        // Checked before SQLite writes its header, so a refused file is left as it was.
        new_store.check(path)?;
    }
    if !new_store.existed {
        // Created here rather than by SQLite, so it (and the journal files SQLite creates
        // with its mode) is private from the start.
        create_private_file(path).map_err(|e| errors::io_error("create", path, path, e))?;
    }
    let err = |e| sql_error(path, e);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(err)?;
    conn.busy_timeout(options.busy_timeout).map_err(err)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Unavailable(format!(
            "{}: cannot switch to WAL mode (the file system may not support it; \
             journal mode is {mode})",
            path.display()
        )));
    }
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(err)?;
    // Checkpoint (copy the log into the file, with an fsync) every ~64 MB of log rather
    // than SQLite's 4 MB: hot pages are copied once, not once per few hundred commits.
    conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
        .map_err(err)?;
    // A log that grew past this (a long reader held off checkpoints) is cut back after
    // the next checkpoint.
    conn.pragma_update(None, "journal_size_limit", WAL_CHECKPOINT_PAGES * 4096)
        .map_err(err)?;
    // 32 MiB of page cache (SQLite's default is 2 MiB): a drift sweep's pages stay in memory
    // instead of being read back and written again.
    conn.pragma_update(None, "cache_size", CACHE_KIB)
        .map_err(err)?;
    conn.set_prepared_statement_cache_capacity(64);
    schema::migrate(&mut conn, path, new_store)?;
    Ok(conn)
}

/// Opens the file with `SQLITE_OPEN_READ_ONLY`; a missing or schema-less file (when that is
/// not damage) reads as an empty store kept in memory.
///
/// SQLite cannot open a WAL file read-only when its `-shm` file is missing and the folder is
/// not writable. Then, if no write-ahead log holds commits (no `-wal` file, or an empty one),
/// everything committed is in the file itself and it is opened as immutable instead.
fn open_read_only(
    path: &Path,
    options: &SqliteOptions,
    new_store: &schema::NewStore,
) -> Result<Connection, StoreError> {
    let err = |e| sql_error(path, e);
    if !new_store.existed {
        return empty_in_memory(path);
    }
    let open = |immutable: bool| -> rusqlite::Result<(Connection, (i64, i64, i64))> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(read_only_uri(path, immutable), flags)?;
        conn.busy_timeout(options.busy_timeout)?;
        let found = schema::inspect(&conn)?;
        Ok((conn, found))
    };
    let (conn, found) = match open(false) {
        Ok(opened) => opened,
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen)
            ) && !log_holds_commits(path) =>
        {
            open(true).map_err(err)?
        }
        Err(e) => return Err(err(e)),
    };
    match schema::classify(found, path)? {
        schema::Found::Current => Ok(conn),
        schema::Found::Empty => {
            new_store.check(path)?;
            empty_in_memory(path)
        }
        schema::Found::Older(version) => Err(StoreError::Unavailable(format!(
            "{} has state schema version {version}, older than version {SCHEMA_VERSION}; a \
             command that only reads cannot upgrade it: run a command that writes (apply) once",
            path.display()
        ))),
    }
}

/// An empty store in memory, for reading a state file that does not exist yet.
fn empty_in_memory(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open_in_memory().map_err(|e| sql_error(path, e))?;
    let new = schema::NewStore {
        existed: false,
        traces: Vec::new(),
    };
    schema::migrate(&mut conn, path, &new)?;
    Ok(conn)
}

/// Whether the file's write-ahead log exists and is not empty.
fn log_holds_commits(path: &Path) -> bool {
    let mut name = path.as_os_str().to_os_string();
    name.push("-wal");
    std::fs::metadata(PathBuf::from(name)).is_ok_and(|m| m.len() > 0)
}

/// A `file:` URI opening `path` read-only; bytes other than unreserved ones and `/` are
/// percent-encoded, so any path (with `?`, `#` or `%`) names the same file.
fn read_only_uri(path: &Path, immutable: bool) -> String {
    let mut uri = String::from("file:");
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?mode=ro");
    if immutable {
        uri.push_str("&immutable=1");
    }
    uri
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Closing the queue ends the thread, which closes the connection (and checkpoints).
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A commit answered with a lease decision, or the reverse: a bug in the store's thread.
fn internal_mix_up() -> StoreError {
    StoreError::Unavailable("internal error in the SQLite state store: a commit answered with the wrong kind; nothing was lost".into())
}

impl SqliteStore {
    /// Sends a lease request to ride in the next commit group.
    async fn lease(&self, request: LeaseRequest) -> Result<LeaseOutcome, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.send(Job::Commit {
            batch: Batch::Lease(Box::new(request)),
            reply,
        })?;
        match answer.await.map_err(|_| self.stopped())?? {
            Answer::Lease(outcome) => Ok(outcome),
            Answer::Stored(_) => Err(internal_mix_up()),
        }
    }
}

#[async_trait]
impl StateStore for SqliteStore {
    async fn get(&self, key: &ObjectRef) -> Result<Option<DynamicObject>, StoreError> {
        let key = key.clone();
        self.run(move |w| {
            let rows = w.rows();
            rows.get(&key)?.map(|raw| rows.decode(raw)).transpose()
        })
        .await
    }

    async fn list(&self, filter: &ListFilter) -> Result<Vec<DynamicObject>, StoreError> {
        let filter = filter.clone();
        self.run(move |w| {
            let rows = w.rows();
            rows.decode_all(rows.list(&filter, None, None)?)
        })
        .await
    }

    async fn list_page(
        &self,
        filter: &ListFilter,
        after: Option<&ObjectRef>,
        limit: usize,
    ) -> Result<Vec<DynamicObject>, StoreError> {
        let filter = filter.clone();
        let after = after.cloned();
        self.run(move |w| {
            let rows = w.rows();
            rows.decode_all(rows.list(&filter, after.as_ref(), Some(limit))?)
        })
        .await
    }

    async fn commit(&self, writes: Vec<Write>) -> Result<Vec<DynamicObject>, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.send(Job::Commit {
            batch: Batch::Writes(writes),
            reply,
        })?;
        match answer.await.map_err(|_| self.stopped())?? {
            Answer::Stored(stored) => Ok(stored),
            Answer::Lease(_) => Err(internal_mix_up()),
        }
    }

    async fn secrets(&self, key: &ObjectRef) -> Result<SecretMap, StoreError> {
        let key = key.clone();
        self.run(move |w| w.secrets(&key)).await
    }

    /// One job on the store's thread for all keys.
    async fn get_many(&self, keys: &[ObjectRef]) -> Result<Vec<Option<DynamicObject>>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys = keys.to_vec();
        self.run(move |w| {
            w.read(|w| {
                let rows = w.rows();
                keys.iter()
                    .map(|key| rows.get(key)?.map(|raw| rows.decode(raw)).transpose())
                    .collect()
            })
        })
        .await
    }

    /// One job on the store's thread for all keys.
    async fn secrets_many(&self, keys: &[ObjectRef]) -> Result<Vec<SecretMap>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys = keys.to_vec();
        self.run(move |w| w.read(|w| keys.iter().map(|key| w.secrets(key)).collect()))
            .await
    }

    async fn intents(&self) -> Result<Vec<CreateIntent>, StoreError> {
        self.run(|w| w.rows().intents()).await
    }

    async fn events(&self, key: &ObjectRef) -> Result<Vec<Event>, StoreError> {
        let key = key.clone();
        self.run(move |w| w.rows().events(&key)).await
    }

    async fn changes(&self, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        self.run(move |w| w.rows().changes(after, limit)).await
    }

    async fn acquire_lease(
        &self,
        key: &ObjectRef,
        holder: &str,
        ttl: std::time::Duration,
        take_over: Option<&str>,
    ) -> Result<LeaseOutcome, StoreError> {
        let request = LeaseRequest {
            key: key.clone(),
            holder: holder.to_owned(),
            ttl,
            take_over: take_over.map(str::to_owned),
            release: None,
        };
        self.lease(request).await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let request = LeaseRequest {
            key: lease.key.clone(),
            holder: lease.holder.clone(),
            ttl: std::time::Duration::ZERO,
            take_over: None,
            release: Some(lease.clone()),
        };
        self.lease(request).await.map(drop)
    }

    async fn journal_append(&self, entries: Vec<JournalEntry>) -> Result<usize, StoreError> {
        self.run(move |w| w.journal_append(&entries)).await
    }

    async fn journal(&self, query: &JournalQuery) -> Result<Vec<JournalEntry>, StoreError> {
        let query = query.clone();
        self.run(move |w| w.read(|w| w.rows().journal(&query)))
            .await
    }

    async fn journal_prune(&self, before_ms: i64) -> Result<usize, StoreError> {
        self.run(move |w| w.journal_prune(before_ms)).await
    }
}
