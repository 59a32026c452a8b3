//! The thread that owns a store's connection: runs reads in order and writes queued commits
//! as one transaction with a savepoint per commit.

use platform_core::model::{DynamicObject, ObjectRef, Resource};
use platform_core::secret::SecretMap;
use platform_core::store::{
    JournalEntry, Lease, LeaseOutcome, StoreError, Write, decide_lease, fence_holds, now_ms,
};
use rusqlite::Connection;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;
use tokio::sync::oneshot;

use super::rows::Rows;
use super::{SqliteOptions, sql_error};
use crate::store::secret_key::{SecretCipher, SecretKeySource, key_file_beside};

/// From how many entries an append is a bulk import, given a larger page cache.
const BULK_ENTRIES: usize = 10_000;
/// The page cache of a bulk import, in KiB as `PRAGMA cache_size` takes it (negative): 256 MiB.
const BULK_CACHE_KIB: i64 = -262_144;
/// Most commits written in one transaction.
const GROUP_MAX: usize = 256;

/// The answer to a commit.
type CommitReply = oneshot::Sender<Result<Answer, StoreError>>;

/// What one commit of a group does: writes, or a lease decided against the stored lease.
/// Leases ride in the group's transaction like writes, so taking one per claim costs no
/// transaction of its own.
pub(super) enum Batch {
    /// A batch of writes.
    Writes(Vec<Write>),
    /// A lease request (or release).
    Lease(Box<LeaseRequest>),
}

/// The answer to a [`Batch`].
pub(super) enum Answer {
    /// The stored objects of the `Put` writes.
    Stored(Vec<DynamicObject>),
    /// The lease decision.
    Lease(LeaseOutcome),
}

/// A request for a lease, or (with `release`) to give one up.
pub(super) struct LeaseRequest {
    pub key: ObjectRef,
    pub holder: String,
    pub ttl: Duration,
    pub take_over: Option<String>,
    pub release: Option<Lease>,
}

/// Work for the store's thread.
pub(super) enum Job {
    /// A batch of writes or a lease request, answered once it is committed.
    Commit {
        /// What to do.
        batch: Batch,
        /// Where the answer goes.
        reply: CommitReply,
    },
    /// Anything else (reads), run in order.
    Run(Box<dyn FnOnce(&mut Worker) + Send>),
}

/// The connection and what it needs, owned by the store's thread.
pub(super) struct Worker {
    conn: Connection,
    path: PathBuf,
    busy_timeout: Duration,
    key_source: SecretKeySource,
    cipher: Option<SecretCipher>,
    /// Opened with `SQLITE_OPEN_READ_ONLY`: commits are refused before SQLite sees them.
    read_only: bool,
}

fn panicked() -> StoreError {
    StoreError::Unavailable(
        "internal error in the SQLite state store (a panic); nothing was written".into(),
    )
}

impl Worker {
    /// A worker for an open, migrated connection.
    pub fn new(conn: Connection, path: PathBuf, options: SqliteOptions) -> Self {
        Worker {
            conn,
            path,
            busy_timeout: options.busy_timeout,
            key_source: options.secret_key,
            cipher: None,
            read_only: options.read_only,
        }
    }

    /// Serves jobs until the store is dropped. Jobs run in arrival order; commits that arrive
    /// together share one transaction.
    pub fn serve(mut self, inbox: mpsc::Receiver<Job>) {
        let mut pending = Vec::new();
        while let Ok(first) = inbox.recv() {
            pending.push(first);
            while pending.len() < GROUP_MAX {
                match inbox.try_recv() {
                    Ok(job) => pending.push(job),
                    Err(_) => break,
                }
            }
            let mut group = Vec::new();
            for job in pending.drain(..) {
                match job {
                    Job::Commit { batch, reply } => group.push((batch, reply)),
                    Job::Run(work) => {
                        self.commit_group(std::mem::take(&mut group));
                        work(&mut self);
                    }
                }
            }
            self.commit_group(group);
        }
    }

    pub(super) fn rows(&self) -> Rows<'_> {
        Rows {
            conn: &self.conn,
            path: &self.path,
        }
    }

    fn execute(&self, sql: &str) -> Result<(), StoreError> {
        self.conn
            .execute_batch(sql)
            .map_err(|e| sql_error(&self.path, e))
    }

    /// Appends journal entries in one transaction; entries already there are skipped.
    pub(super) fn journal_append(&mut self, entries: &[JournalEntry]) -> Result<usize, StoreError> {
        let path = self.path.clone();
        let err = |e| sql_error(&path, e);
        // A bulk import (a year of events) writes more index pages than the usual cache holds:
        // it gets a larger one for the transaction, so its pages are written once, at commit.
        let bulk = entries.len() >= BULK_ENTRIES;
        if bulk {
            self.conn
                .pragma_update(None, "cache_size", BULK_CACHE_KIB)
                .map_err(err)?;
        }
        let result = self.journal_insert(entries);
        if bulk {
            self.conn
                .pragma_update(None, "cache_size", super::CACHE_KIB)
                .map_err(err)?;
        }
        result
    }

    fn journal_insert(&mut self, entries: &[JournalEntry]) -> Result<usize, StoreError> {
        let path = self.path.clone();
        let err = |e| sql_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut added = 0;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO journal (kind, id, time_ms, service, env, body) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err)?;
            for e in entries {
                let body = e.body.get();
                added += insert
                    .execute(rusqlite::params![
                        e.kind, e.id, e.time_ms, e.service, e.env, body
                    ])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(added)
    }

    /// Removes journal entries older than a time.
    pub(super) fn journal_prune(&mut self, before_ms: i64) -> Result<usize, StoreError> {
        self.conn
            .execute("DELETE FROM journal WHERE time_ms < ?1", [before_ms])
            .map_err(|e| sql_error(&self.path, e))
    }

    /// The cipher, resolving the key and checking it against the file on first use.
    fn cipher(&mut self) -> Result<&SecretCipher, StoreError> {
        if self.cipher.is_none() {
            let cipher = SecretCipher::new(
                self.key_source
                    .resolve(&key_file_beside(&self.path), !self.read_only)?,
            );
            self.rows().check_key(&cipher)?;
            self.cipher = Some(cipher);
        }
        self.cipher
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("internal error: no secret key".into()))
    }

    /// Writes a group of commits in one transaction, each inside its own savepoint so a
    /// failing commit leaves no trace and the others still land; answers each after `COMMIT`.
    fn commit_group(&mut self, group: Vec<(Batch, CommitReply)>) {
        if group.is_empty() {
            return;
        }
        if self.read_only {
            let e = StoreError::Unavailable(format!(
                "cannot write {}: it was opened read-only, for a command that only reads; \
                 nothing was written",
                self.path.display()
            ));
            for (_, reply) in group {
                let _ = reply.send(Err(e.clone()));
            }
            return;
        }
        if let Err(e) = self.execute("BEGIN IMMEDIATE") {
            let e = match e {
                StoreError::Unavailable(m) if m.contains("is locked") => {
                    StoreError::Unavailable(format!("{m} (waited {:?})", self.busy_timeout))
                }
                other => other,
            };
            for (_, reply) in group {
                let _ = reply.send(Err(e.clone()));
            }
            return;
        }
        let mut answers = Vec::with_capacity(group.len());
        // Set when the transaction can no longer be trusted: then nothing of it is kept.
        let mut broken: Option<StoreError> = None;
        for (batch, reply) in group {
            if broken.is_some() {
                answers.push((Err(panicked()), reply));
                continue;
            }
            if let Err(e) = self.execute("SAVEPOINT batch") {
                broken = Some(e.clone());
                answers.push((Err(e), reply));
                continue;
            }
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| match batch {
                Batch::Writes(writes) => self.apply(writes).map(Answer::Stored),
                Batch::Lease(request) => self.lease(*request).map(Answer::Lease),
            }))
            .unwrap_or_else(|_| Err(panicked()));
            let end = if result.is_ok() {
                "RELEASE batch"
            } else {
                "ROLLBACK TO batch; RELEASE batch"
            };
            if let Err(e) = self.execute(end) {
                broken = Some(e);
            }
            answers.push((result, reply));
        }
        let outcome = match broken {
            Some(e) => Err(e),
            None => self.execute("COMMIT"),
        };
        if let Err(e) = outcome {
            if !self.conn.is_autocommit() {
                let _ = self.execute("ROLLBACK");
            }
            for (result, reply) in answers {
                let _ = reply.send(result.and(Err(e.clone())));
            }
            return;
        }
        for (result, reply) in answers {
            let _ = reply.send(result);
        }
    }

    /// Applies one commit inside the open transaction, as the in-memory store does: every
    /// precondition is checked against the state the batch itself produces, then all writes.
    fn apply(&mut self, writes: Vec<Write>) -> Result<Vec<DynamicObject>, StoreError> {
        let needs_key = writes
            .iter()
            .any(|w| matches!(w, Write::PutSecrets { secrets, .. } if !secrets.is_empty()));
        if needs_key {
            self.cipher()?;
        }
        let rows = self.rows();
        let mut overlay: HashMap<ObjectRef, Option<String>> = HashMap::new();
        for write in &writes {
            let (key, expected) = match write {
                Write::Put { object, expected } => (object.object_ref(), expected),
                Write::Delete { key, expected } | Write::Expect { key, expected } => {
                    (key.clone(), expected)
                }
                Write::Fence(lease) => {
                    fence_holds(rows.lease(&lease.key)?.as_ref(), lease)?;
                    continue;
                }
                _ => continue,
            };
            let current = match overlay.get(&key) {
                Some(v) => v.clone(),
                None => rows.resource_version(&key)?,
            };
            expected.check(&key, current.as_deref())?;
            if matches!(write, Write::Expect { .. }) {
                continue;
            }
            let after = matches!(write, Write::Put { .. }).then(|| "(this batch)".to_owned());
            overlay.insert(key, after);
        }
        let counted = rows.counters()?;
        let (mut version, mut seq) = counted;
        let mut stored = Vec::new();
        for write in writes {
            match write {
                Write::Put { object, .. } => {
                    version += 1;
                    stored.push(rows.put(object, version, &mut seq)?);
                }
                Write::Delete { key, .. } => rows.delete(&key, &mut seq)?,
                Write::PutSecrets { key, secrets } => {
                    rows.put_secrets(&key, &secrets, self.cipher.as_ref())?
                }
                Write::PutIntent(intent) => rows.put_intent(&intent)?,
                Write::ClearIntent(key) => rows.clear_intent(&key)?,
                Write::Event(event) => rows.push_event(&event)?,
                Write::Expect { .. } | Write::Fence(_) => {}
            }
        }
        if (version, seq) != counted {
            rows.save_counters(version, seq)?;
        }
        Ok(stored)
    }

    /// Decides a lease request against the stored lease, inside the group's write
    /// transaction, so two processes asking at once never both get it; `release` gives up
    /// the asker's own lease.
    fn lease(&self, request: LeaseRequest) -> Result<LeaseOutcome, StoreError> {
        let rows = self.rows();
        let current = rows.lease(&request.key)?;
        Ok(match &request.release {
            Some(lease) => match current {
                Some(c) if c.holder == lease.holder && c.token == lease.token => {
                    // Expired rather than removed: the token keeps growing for this key.
                    let released = Lease {
                        expires_at_ms: 0,
                        ..c
                    };
                    rows.put_lease(&released)?;
                    LeaseOutcome::Acquired(released)
                }
                Some(c) => LeaseOutcome::Held(c),
                None => LeaseOutcome::Held(lease.clone()),
            },
            None => {
                let outcome = decide_lease(
                    current.as_ref(),
                    &request.key,
                    &request.holder,
                    request.ttl,
                    request.take_over.as_deref(),
                    now_ms(),
                );
                if let LeaseOutcome::Acquired(lease) = &outcome {
                    rows.put_lease(lease)?;
                }
                outcome
            }
        })
    }

    /// The secrets of an object; objects without secrets need no key, so reading them never
    /// creates a key file.
    pub fn secrets(&mut self, key: &ObjectRef) -> Result<SecretMap, StoreError> {
        let sealed = self.rows().sealed_secrets(key)?;
        if sealed.is_empty() {
            return Ok(SecretMap::new());
        }
        self.cipher()?;
        let cipher = self
            .cipher
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("internal error: no secret key".into()))?;
        self.rows().open_secrets(key, sealed, cipher)
    }

    /// Runs reads inside one read transaction: one snapshot, and SQLite takes its shared
    /// locks once instead of once per statement.
    pub fn read<T>(
        &mut self,
        work: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if !self.conn.is_autocommit() {
            return work(self);
        }
        self.execute("BEGIN DEFERRED")?;
        let result = work(self);
        // A read transaction has nothing to keep: ending it cannot lose anything.
        let end = self.execute(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
        let value = result?;
        end.map(|()| value)
    }
}
