//! A commit: one transaction, serialized on the counters row, with every precondition and
//! fence checked before anything is written.

use deadpool_postgres::Transaction;
use platform_core::model::{DynamicObject, ObjectRef, Resource};
use platform_core::store::{
    CreateIntent, EVENTS_PER_OBJECT, Event, JournalEntry, Lease, StoreError, Write, fence_holds,
    owner_of,
};
use std::collections::HashMap;

use super::errors::json_error;
use super::{PostgresStore, execute, query};
use crate::store::secret_key::{SecretCipher, secret_aad};

/// Changes kept in the feed; older ones are dropped (as in the other stores).
const CHANGES_KEPT: i64 = 1_000_000;

/// The open transaction of one commit, with the store for table names and messages.
struct Commit<'a, 'b> {
    store: &'a PostgresStore,
    tx: &'a Transaction<'b>,
}

impl PostgresStore {
    /// Applies a batch of writes in one transaction, as the in-memory store does: every
    /// precondition and fence is checked against the state the batch itself produces, then
    /// everything is written, or nothing.
    pub(super) async fn commit_writes(
        &self,
        writes: Vec<Write>,
    ) -> Result<Vec<DynamicObject>, StoreError> {
        let needs_key = writes
            .iter()
            .any(|w| matches!(w, Write::PutSecrets { secrets, .. } if !secrets.is_empty()));
        let cipher = if needs_key {
            Some(self.cipher().await?)
        } else {
            None
        };
        let mut client = self.client().await?;
        let err = self.err("cannot commit");
        let tx = client.transaction().await.map_err(&err)?;
        let commit = Commit {
            store: self,
            tx: &tx,
        };
        // Every commit holds the counters row until it ends: commits are serialized, so
        // preconditions read what is committed, and sequence numbers are committed in order.
        let counters = query(
            &tx,
            &format!(
                "SELECT resource_version, change_seq FROM {} FOR UPDATE",
                self.table("counters")
            ),
            &[],
        )
        .await
        .map_err(&err)?;
        let row = counters.first().ok_or_else(|| {
            StoreError::Unavailable(format!("{}: the counters row is missing", self.place))
        })?;
        let counted: (i64, i64) = (row.get(0), row.get(1));
        commit.check(&writes).await?;
        let (mut version, mut seq) = counted;
        let mut stored = Vec::new();
        for write in writes {
            match write {
                Write::Put { object, .. } => {
                    version += 1;
                    seq += 1;
                    stored.push(commit.put(object, version, seq).await?);
                }
                Write::Delete { key, .. } => {
                    if commit.delete(&key, seq + 1).await? {
                        seq += 1;
                    }
                }
                Write::PutSecrets { key, secrets } => {
                    commit.put_secrets(&key, &secrets, cipher).await?
                }
                Write::PutIntent(intent) => commit.put_intent(&intent).await?,
                Write::ClearIntent(key) => commit.clear_intent(&key).await?,
                Write::Event(event) => commit.push_event(&event).await?,
                Write::Expect { .. } | Write::Fence(_) => {}
            }
        }
        if (version, seq) != counted {
            commit.save_counters(version, seq, counted.1).await?;
        }
        tx.commit().await.map_err(&err)?;
        Ok(stored)
    }

    /// Appends journal entries in one transaction; entries already there are skipped.
    pub(super) async fn journal_insert(
        &self,
        entries: Vec<JournalEntry>,
    ) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        let err = self.err("cannot append to the journal");
        let tx = client.transaction().await.map_err(&err)?;
        let sql = format!(
            "INSERT INTO {} (kind, id, time_ms, service, env, body) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            self.table("journal")
        );
        let mut added = 0;
        for e in &entries {
            let body = e.body.get();
            added += execute(
                &tx,
                &sql,
                &[&e.kind, &e.id, &e.time_ms, &e.service, &e.env, &body],
            )
            .await
            .map_err(&err)?;
        }
        tx.commit().await.map_err(&err)?;
        Ok(added as usize)
    }
}

impl Commit<'_, '_> {
    fn err(&self, what: &str) -> impl Fn(tokio_postgres::Error) -> StoreError + '_ {
        self.store.err(what)
    }

    fn table(&self, name: &str) -> String {
        self.store.table(name)
    }

    /// Checks preconditions and fences, in batch order, against what the batch produces.
    async fn check(&self, writes: &[Write]) -> Result<(), StoreError> {
        let mut overlay: HashMap<ObjectRef, Option<String>> = HashMap::new();
        for write in writes {
            let (key, expected) = match write {
                Write::Put { object, expected } => (object.object_ref(), expected),
                Write::Delete { key, expected } | Write::Expect { key, expected } => {
                    (key.clone(), expected)
                }
                Write::Fence(lease) => {
                    let current = self.lease_for_share(&lease.key).await?;
                    fence_holds(current.as_ref(), lease)?;
                    continue;
                }
                _ => continue,
            };
            let current = match overlay.get(&key) {
                Some(v) => v.clone(),
                None => self.resource_version(&key).await?,
            };
            expected.check(&key, current.as_deref())?;
            if matches!(write, Write::Expect { .. }) {
                continue;
            }
            let after = matches!(write, Write::Put { .. }).then(|| "(this batch)".to_owned());
            overlay.insert(key, after);
        }
        Ok(())
    }

    /// The lease on an object, locked against a change of hands until the commit ends.
    async fn lease_for_share(&self, key: &ObjectRef) -> Result<Option<Lease>, StoreError> {
        let rows = query(
            self.tx,
            &format!(
                "SELECT holder, token, expires_at_ms FROM {} \
                 WHERE grp = $1 AND kind = $2 AND namespace = $3 AND name = $4 FOR SHARE",
                self.table("leases")
            ),
            &[&key.group, &key.kind, &key.namespace, &key.name],
        )
        .await
        .map_err(self.err("cannot check a fence"))?;
        Ok(rows.first().map(|r| Lease {
            key: key.clone(),
            holder: r.get(0),
            token: r.get::<_, i64>(1) as u64,
            expires_at_ms: r.get::<_, i64>(2) as u64,
        }))
    }

    async fn resource_version(&self, key: &ObjectRef) -> Result<Option<String>, StoreError> {
        let rows = query(
            self.tx,
            &format!(
                "SELECT resource_version FROM {} \
                 WHERE grp = $1 AND kind = $2 AND namespace = $3 AND name = $4",
                self.table("objects")
            ),
            &[&key.group, &key.kind, &key.namespace, &key.name],
        )
        .await
        .map_err(self.err("cannot read a resourceVersion"))?;
        Ok(rows.first().map(|r| r.get::<_, i64>(0).to_string()))
    }

    /// Stores an object as the other stores do: new resourceVersion, generation bumped only
    /// on a spec change, uid and creationTimestamp kept from the stored object.
    async fn put(
        &self,
        mut object: DynamicObject,
        version: i64,
        seq: i64,
    ) -> Result<DynamicObject, StoreError> {
        let key = object.object_ref();
        let previous = query(
            self.tx,
            &format!(
                "SELECT generation, uid, created, spec FROM {} \
                 WHERE grp = $1 AND kind = $2 AND namespace = $3 AND name = $4",
                self.table("objects")
            ),
            &[&key.group, &key.kind, &key.namespace, &key.name],
        )
        .await
        .map_err(self.err("cannot read an object"))?;
        let spec = serde_json::to_string(&object.spec)
            .map_err(|e| json_error(&format!("cannot encode the spec of {key}"), e))?;
        let held = previous.first().map(|row| {
            (
                row.get::<_, i64>(0),
                row.get::<_, String>(1),
                row.get::<_, String>(2),
                row.get::<_, &str>(3),
            )
        });
        let (generation, uid, created) =
            crate::store::stamp::stamp(&mut object, held, &spec, version as u64)
                .map_err(|e| json_error("a stored spec", e))?;
        let owner = owner_of(&object);
        let spec_value = std::mem::take(&mut object.spec);
        let body = serde_json::to_string(&object);
        object.spec = spec_value;
        let body = body.map_err(|e| json_error(&format!("cannot encode {key}"), e))?;
        execute(
            self.tx,
            &format!(
                "INSERT INTO {} (grp, kind, namespace, name, owner_grp, owner_kind, owner_name, \
                 resource_version, generation, uid, created, spec, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                 ON CONFLICT (grp, kind, namespace, name) DO UPDATE SET \
                 owner_grp = excluded.owner_grp, owner_kind = excluded.owner_kind, \
                 owner_name = excluded.owner_name, resource_version = excluded.resource_version, \
                 generation = excluded.generation, spec = excluded.spec, body = excluded.body",
                self.table("objects")
            ),
            &[
                &key.group,
                &key.kind,
                &key.namespace,
                &key.name,
                &owner.as_ref().map(|o| &o.group),
                &owner.as_ref().map(|o| &o.kind),
                &owner.as_ref().map(|o| &o.name),
                &version,
                &generation,
                &uid,
                &created,
                &spec,
                &body,
            ],
        )
        .await
        .map_err(self.err(&format!("cannot write {key}")))?;
        self.push_change(seq, "put", &key, &version.to_string())
            .await?;
        Ok(object)
    }

    /// Deletes an object with its secrets and events; returns whether it existed (and a
    /// change with sequence number `seq` was recorded).
    async fn delete(&self, key: &ObjectRef, seq: i64) -> Result<bool, StoreError> {
        let k: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
            [&key.group, &key.kind, &key.namespace, &key.name];
        let err = self.err(&format!("cannot delete {key}"));
        let deleted = execute(
            self.tx,
            &format!(
                "DELETE FROM {} WHERE grp = $1 AND kind = $2 AND namespace = $3 AND name = $4",
                self.table("objects")
            ),
            &k,
        )
        .await
        .map_err(&err)?;
        if deleted == 0 {
            return Ok(false);
        }
        for table in ["secrets", "events"] {
            execute(
                self.tx,
                &format!(
                    "DELETE FROM {} \
                     WHERE grp = $1 AND kind = $2 AND namespace = $3 AND name = $4",
                    self.table(table)
                ),
                &k,
            )
            .await
            .map_err(&err)?;
        }
        self.push_change(seq, "delete", key, "").await?;
        Ok(true)
    }

    async fn push_change(
        &self,
        seq: i64,
        change: &str,
        key: &ObjectRef,
        resource_version: &str,
    ) -> Result<(), StoreError> {
        execute(
            self.tx,
            &format!(
                "INSERT INTO {} (seq, change, grp, kind, namespace, name, resource_version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                self.table("changes")
            ),
            &[
                &seq,
                &change,
                &key.group,
                &key.kind,
                &key.namespace,
                &key.name,
                &resource_version,
            ],
        )
        .await
        .map(drop)
        .map_err(self.err("cannot record a change"))
    }

    /// Saves the counters, drops changes beyond [`CHANGES_KEPT`], and wakes listeners when
    /// the commit ends (`NOTIFY` is delivered at commit, never for a rolled-back batch).
    async fn save_counters(
        &self,
        version: i64,
        seq: i64,
        seq_before: i64,
    ) -> Result<(), StoreError> {
        let err = self.err("cannot save the counters");
        execute(
            self.tx,
            &format!(
                "UPDATE {} SET resource_version = $1, change_seq = $2",
                self.table("counters")
            ),
            &[&version, &seq],
        )
        .await
        .map_err(&err)?;
        if seq > CHANGES_KEPT {
            execute(
                self.tx,
                &format!("DELETE FROM {} WHERE seq <= $1", self.table("changes")),
                &[&(seq - CHANGES_KEPT)],
            )
            .await
            .map_err(&err)?;
        }
        if seq != seq_before {
            execute(
                self.tx,
                "SELECT pg_notify($1, $2)",
                &[&self.store.channel(), &seq.to_string()],
            )
            .await
            .map_err(&err)?;
        }
        Ok(())
    }

    /// Replaces the secrets of an object, each value sealed with a fresh nonce.
    async fn put_secrets(
        &self,
        key: &ObjectRef,
        secrets: &platform_core::secret::SecretMap,
        cipher: Option<&SecretCipher>,
    ) -> Result<(), StoreError> {
        let err = self.err(&format!("cannot write the secrets of {key}"));
        execute(
            self.tx,
            &format!(
                "DELETE FROM {} WHERE grp = $1 AND kind = $2 AND namespace = $3 AND name = $4",
                self.table("secrets")
            ),
            &[&key.group, &key.kind, &key.namespace, &key.name],
        )
        .await
        .map_err(&err)?;
        if secrets.is_empty() {
            return Ok(());
        }
        let cipher = cipher.ok_or_else(|| {
            StoreError::Unavailable("internal error: secrets written without a key".into())
        })?;
        let sql = format!(
            "INSERT INTO {} (grp, kind, namespace, name, secret, nonce, sealed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            self.table("secrets")
        );
        for (name, value) in secrets.iter() {
            let (nonce, sealed) = cipher.seal(&secret_aad(key, name), value.expose().as_bytes())?;
            execute(
                self.tx,
                &sql,
                &[
                    &key.group,
                    &key.kind,
                    &key.namespace,
                    &key.name,
                    name,
                    &nonce,
                    &sealed,
                ],
            )
            .await
            .map_err(&err)?;
        }
        Ok(())
    }

    /// Records a create intent, replacing one for the same object.
    async fn put_intent(&self, intent: &CreateIntent) -> Result<(), StoreError> {
        let key = &intent.key;
        let body = serde_json::to_string(intent)
            .map_err(|e| json_error(&format!("cannot encode the create intent of {key}"), e))?;
        execute(
            self.tx,
            &format!(
                "INSERT INTO {} (grp, kind, namespace, name, body) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (grp, kind, namespace, name) DO UPDATE SET body = excluded.body",
                self.table("intents")
            ),
            &[&key.group, &key.kind, &key.namespace, &key.name, &body],
        )
        .await
        .map(drop)
        .map_err(self.err("cannot record a create intent"))
    }

    /// Clears a create intent.
    async fn clear_intent(&self, key: &ObjectRef) -> Result<(), StoreError> {
        execute(
            self.tx,
            &format!(
                "DELETE FROM {} WHERE grp = $1 AND kind = $2 AND namespace = $3 AND name = $4",
                self.table("intents")
            ),
            &[&key.group, &key.kind, &key.namespace, &key.name],
        )
        .await
        .map(drop)
        .map_err(self.err("cannot clear a create intent"))
    }

    /// Appends an event, dropping the oldest beyond [`EVENTS_PER_OBJECT`].
    async fn push_event(&self, event: &Event) -> Result<(), StoreError> {
        let key = &event.object;
        let body = serde_json::to_string(event)
            .map_err(|e| json_error(&format!("cannot encode an event of {key}"), e))?;
        let err = self.err("cannot record an event");
        execute(
            self.tx,
            &format!(
                "INSERT INTO {} (grp, kind, namespace, name, body) VALUES ($1, $2, $3, $4, $5)",
                self.table("events")
            ),
            &[&key.group, &key.kind, &key.namespace, &key.name, &body],
        )
        .await
        .map_err(&err)?;
        execute(
            self.tx,
            &format!(
                "DELETE FROM {events} WHERE grp = $1 AND kind = $2 AND namespace = $3 \
                 AND name = $4 AND id < (SELECT id FROM {events} WHERE grp = $1 AND kind = $2 \
                 AND namespace = $3 AND name = $4 ORDER BY id DESC LIMIT 1 OFFSET {})",
                EVENTS_PER_OBJECT - 1,
                events = self.table("events")
            ),
            &[&key.group, &key.kind, &key.namespace, &key.name],
        )
        .await
        .map(drop)
        .map_err(&err)
    }
}
