//! Reading and writing the rows of one object, secret, intent, event and change.

use platform_core::model::{DynamicObject, ObjectRef, Resource};
use platform_core::secret::{SecretMap, SecretValue};
use platform_core::store::{
    Change, ChangeKind, CreateIntent, EVENTS_PER_OBJECT, Event, JournalEntry, JournalQuery, Lease,
    ListFilter, StoreError,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

use super::sql_error;
use crate::store::secret_key::{KEY_CHECK_AAD, KEY_CHECK_TEXT, SecretCipher, secret_aad};

/// Changes kept in the feed; older ones are dropped (as in the in-memory store).
pub(super) const CHANGES_KEPT: u64 = 1_000_000;

/// The rows of one store, with the file's path for error messages.
pub(super) struct Rows<'a> {
    pub conn: &'a Connection,
    pub path: &'a Path,
}

/// A stored object as its two JSON texts, as read. Decoding stays on the store's thread:
/// measured at 10,000 claims, decoding on the callers' threads made the apply slower and
/// raised peak memory by 25 MB (the runtime's threads then hold the decoded copies).
pub struct RawObject {
    /// The spec.
    spec: String,
    /// Everything else.
    body: String,
}

impl RawObject {
    /// The object, or an error naming the state file.
    pub fn decode(self, path: &Path) -> Result<DynamicObject, StoreError> {
        let broken = |what: &str, e: serde_json::Error| {
            StoreError::Unavailable(format!("{}: {what}: {e}", path.display()))
        };
        let mut object: DynamicObject =
            serde_json::from_str(&self.body).map_err(|e| broken("a stored object", e))?;
        object.spec = serde_json::from_str(&self.spec).map_err(|e| broken("a stored spec", e))?;
        Ok(object)
    }
}

/// One stored secret, still encrypted.
pub struct SealedSecret {
    /// The secret's name, such as `password`.
    pub name: String,
    /// The nonce it was sealed with.
    pub nonce: Vec<u8>,
    /// Ciphertext and tag.
    pub sealed: Vec<u8>,
}

impl Rows<'_> {
    fn err(&self, e: rusqlite::Error) -> StoreError {
        sql_error(self.path, e)
    }

    fn json_err(&self, what: &str, e: serde_json::Error) -> StoreError {
        StoreError::Unavailable(format!("{}: {what}: {e}", self.path.display()))
    }

    fn wrong_key(&self, cipher: &SecretCipher) -> StoreError {
        StoreError::Unavailable(format!(
            "cannot decrypt secrets in {}: {} does not match the key they were written with \
             (set {} to that key, or restore its key file)",
            self.path.display(),
            cipher.origin,
            super::SECRET_KEY_ENV,
        ))
    }

    /// Checks the key against the file's key check value, recording it on first use (only
    /// the writer records: a reader finds it, as secrets exist only once a key was used).
    pub fn check_key(&self, cipher: &SecretCipher) -> Result<(), StoreError> {
        let read = || {
            self.conn
                .query_row("SELECT nonce, sealed FROM key_check", [], |r| {
                    Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
                })
                .optional()
                .map_err(|e| self.err(e))
        };
        let (nonce, sealed) = match read()? {
            Some(found) => found,
            None => {
                let (nonce, sealed) = cipher.seal(KEY_CHECK_AAD, KEY_CHECK_TEXT)?;
                self.conn
                    .prepare_cached(
                        "INSERT INTO key_check (only, nonce, sealed) VALUES (1, ?1, ?2) \
                         ON CONFLICT DO NOTHING",
                    )
                    .and_then(|mut s| s.execute(params![nonce, sealed]))
                    .map_err(|e| self.err(e))?;
                read()?.ok_or_else(|| {
                    StoreError::Unavailable("internal error: no key check recorded".into())
                })?
            }
        };
        match cipher.open(KEY_CHECK_AAD, &nonce, &sealed) {
            Some(text) if text == KEY_CHECK_TEXT => Ok(()),
            _ => Err(self.wrong_key(cipher)),
        }
    }

    /// The counters: last resourceVersion and last change sequence number.
    pub fn counters(&self) -> Result<(u64, u64), StoreError> {
        self.conn
            .prepare_cached("SELECT resource_version, change_seq FROM counters")
            .and_then(|mut s| s.query_row([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))))
            .map(|(v, s)| (v as u64, s as u64))
            .map_err(|e| self.err(e))
    }

    /// Saves the counters and drops changes beyond [`CHANGES_KEPT`].
    pub fn save_counters(&self, version: u64, seq: u64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE counters SET resource_version = ?1, change_seq = ?2")
            .and_then(|mut s| s.execute(params![version as i64, seq as i64]))
            .map_err(|e| self.err(e))?;
        if seq > CHANGES_KEPT {
            self.conn
                .prepare_cached("DELETE FROM changes WHERE seq <= ?1")
                .and_then(|mut s| s.execute(params![(seq - CHANGES_KEPT) as i64]))
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// The resourceVersion of a stored object.
    pub fn resource_version(&self, key: &ObjectRef) -> Result<Option<String>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT resource_version FROM objects \
                 WHERE grp = ?1 AND kind = ?2 AND namespace = ?3 AND name = ?4",
            )
            .and_then(|mut s| {
                s.query_row(params![key.group, key.kind, key.namespace, key.name], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()
            })
            .map(|v| v.map(|v| v.to_string()))
            .map_err(|e| self.err(e))
    }

    /// Decodes one row.
    pub fn decode(&self, raw: RawObject) -> Result<DynamicObject, StoreError> {
        raw.decode(self.path)
    }

    /// Decodes rows, in order.
    pub fn decode_all(&self, raw: Vec<RawObject>) -> Result<Vec<DynamicObject>, StoreError> {
        raw.into_iter().map(|raw| raw.decode(self.path)).collect()
    }

    /// An object by reference, still encoded.
    pub fn get(&self, key: &ObjectRef) -> Result<Option<RawObject>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT spec, body FROM objects \
                 WHERE grp = ?1 AND kind = ?2 AND namespace = ?3 AND name = ?4",
            )
            .and_then(|mut s| {
                s.query_row(params![key.group, key.kind, key.namespace, key.name], |r| {
                    Ok(RawObject {
                        spec: r.get(0)?,
                        body: r.get(1)?,
                    })
                })
                .optional()
            })
            .map_err(|e| self.err(e))
    }

    /// Objects matching a filter after `after` in reference order, at most `limit` of them,
    /// still encoded.
    pub fn list(
        &self,
        filter: &ListFilter,
        after: Option<&ObjectRef>,
        limit: Option<usize>,
    ) -> Result<Vec<RawObject>, StoreError> {
        let mut sql = String::from("SELECT spec, body FROM objects WHERE 1 = 1");
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::new();
        if let Some(owner) = &filter.owner {
            sql.push_str(
                " AND owner_grp = ? AND owner_kind = ? AND namespace = ? AND owner_name = ?",
            );
            values.extend([
                &owner.group as &dyn rusqlite::ToSql,
                &owner.kind,
                &owner.namespace,
                &owner.name,
            ]);
        }
        if let Some((group, kind)) = &filter.kind {
            sql.push_str(" AND grp = ? AND kind = ?");
            values.extend([group as &dyn rusqlite::ToSql, kind]);
        }
        if let Some(namespace) = &filter.namespace {
            sql.push_str(" AND namespace = ?");
            values.push(namespace);
        }
        if let Some(after) = after {
            sql.push_str(" AND (grp, kind, namespace, name) > (?, ?, ?, ?)");
            values.extend([
                &after.group as &dyn rusqlite::ToSql,
                &after.kind,
                &after.namespace,
                &after.name,
            ]);
        }
        sql.push_str(" ORDER BY grp, kind, namespace, name");
        let limit = limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX));
        if let Some(limit) = &limit {
            sql.push_str(" LIMIT ?");
            values.push(limit);
        }
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut statement| {
                statement
                    .query_map(rusqlite::params_from_iter(values), |r| {
                        Ok(RawObject {
                            spec: r.get(0)?,
                            body: r.get(1)?,
                        })
                    })?
                    .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// Stores an object as the in-memory store does: new resourceVersion, generation bumped
    /// only on a spec change, uid and creationTimestamp kept from the stored object.
    pub fn put(
        &self,
        mut object: DynamicObject,
        version: u64,
        seq: &mut u64,
    ) -> Result<DynamicObject, StoreError> {
        let key = object.object_ref();
        let previous = self
            .conn
            .prepare_cached(
                "SELECT generation, uid, created, spec FROM objects \
                 WHERE grp = ?1 AND kind = ?2 AND namespace = ?3 AND name = ?4",
            )
            .and_then(|mut s| {
                s.query_row(params![key.group, key.kind, key.namespace, key.name], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })
                .optional()
            })
            .map_err(|e| self.err(e))?;
        let spec = serde_json::to_string(&object.spec)
            .map_err(|e| self.json_err(&format!("cannot encode the spec of {key}"), e))?;
        let held = previous
            .as_ref()
            .map(|(generation, uid, created, old_spec)| {
                (*generation, uid.clone(), created.clone(), old_spec.as_str())
            });
        let (generation, uid, created) =
            crate::store::stamp::stamp(&mut object, held, &spec, version)
                .map_err(|e| self.json_err("a stored spec", e))?;
        let owner = platform_core::store::owner_of(&object);
        let spec_value = std::mem::take(&mut object.spec);
        let body = serde_json::to_string(&object);
        object.spec = spec_value;
        let body = body.map_err(|e| self.json_err(&format!("cannot encode {key}"), e))?;
        self.conn
            .prepare_cached(
                "INSERT INTO objects (grp, kind, namespace, name, owner_grp, owner_kind, \
                 owner_name, resource_version, generation, uid, created, spec, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
                 ON CONFLICT (grp, kind, namespace, name) DO UPDATE SET \
                 owner_grp = excluded.owner_grp, owner_kind = excluded.owner_kind, \
                 owner_name = excluded.owner_name, resource_version = excluded.resource_version, \
                 generation = excluded.generation, spec = excluded.spec, body = excluded.body",
            )
            .and_then(|mut s| {
                s.execute(params![
                    key.group,
                    key.kind,
                    key.namespace,
                    key.name,
                    owner.as_ref().map(|o| &o.group),
                    owner.as_ref().map(|o| &o.kind),
                    owner.as_ref().map(|o| &o.name),
                    version as i64,
                    generation,
                    uid,
                    created,
                    spec,
                    body,
                ])
            })
            .map_err(|e| self.err(e))?;
        self.push_change(seq, ChangeKind::Put, &key, &version.to_string())?;
        Ok(object)
    }

    /// Deletes an object with its secrets and events; a missing object is no change.
    pub fn delete(&self, key: &ObjectRef, seq: &mut u64) -> Result<(), StoreError> {
        let k = params![key.group, key.kind, key.namespace, key.name];
        let deleted = self
            .conn
            .prepare_cached(
                "DELETE FROM objects \
                 WHERE grp = ?1 AND kind = ?2 AND namespace = ?3 AND name = ?4",
            )
            .and_then(|mut s| s.execute(k))
            .map_err(|e| self.err(e))?;
        if deleted == 0 {
            return Ok(());
        }
        for sql in [
            "DELETE FROM secrets WHERE grp = ?1 AND kind = ?2 AND namespace = ?3 AND name = ?4",
            "DELETE FROM events WHERE grp = ?1 AND kind = ?2 AND namespace = ?3 AND name = ?4",
        ] {
            self.conn
                .prepare_cached(sql)
                .and_then(|mut s| s.execute(k))
                .map_err(|e| self.err(e))?;
        }
        self.push_change(seq, ChangeKind::Delete, key, "")
    }

    fn push_change(
        &self,
        seq: &mut u64,
        kind: ChangeKind,
        key: &ObjectRef,
        resource_version: &str,
    ) -> Result<(), StoreError> {
        *seq += 1;
        let change = match kind {
            ChangeKind::Put => "put",
            ChangeKind::Delete => "delete",
        };
        self.conn
            .prepare_cached(
                "INSERT INTO changes (seq, change, grp, kind, namespace, name, resource_version) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    *seq as i64,
                    change,
                    key.group,
                    key.kind,
                    key.namespace,
                    key.name,
                    resource_version
                ])
            })
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Changes after a sequence number, oldest first, at most `limit`.
    pub fn changes(&self, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT seq, change, grp, kind, namespace, name, resource_version FROM changes \
                 WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        statement
            .query_map(params![after, limit], |r| {
                let change: String = r.get(1)?;
                Ok(Change {
                    seq: r.get::<_, i64>(0)? as u64,
                    kind: if change == "delete" {
                        ChangeKind::Delete
                    } else {
                        ChangeKind::Put
                    },
                    key: ObjectRef::new(
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                    )
                    .in_group(r.get::<_, String>(2)?),
                    resource_version: r.get(6)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Replaces the secrets of an object, each value sealed with a fresh nonce.
    pub fn put_secrets(
        &self,
        key: &ObjectRef,
        secrets: &SecretMap,
        cipher: Option<&SecretCipher>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "DELETE FROM secrets WHERE grp = ?1 AND kind = ?2 AND namespace = ?3 AND name = ?4",
            )
            .and_then(|mut s| s.execute(params![key.group, key.kind, key.namespace, key.name]))
            .map_err(|e| self.err(e))?;
        if secrets.is_empty() {
            return Ok(());
        }
        let cipher = cipher.ok_or_else(|| {
            StoreError::Unavailable("internal error: secrets written without a key".into())
        })?;
        let mut statement = self
            .conn
            .prepare_cached(
                "INSERT INTO secrets (grp, kind, namespace, name, secret, nonce, sealed) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(|e| self.err(e))?;
        for (name, value) in secrets.iter() {
            let (nonce, sealed) = cipher.seal(&secret_aad(key, name), value.expose().as_bytes())?;
            statement
                .execute(params![
                    key.group,
                    key.kind,
                    key.namespace,
                    key.name,
                    name,
                    nonce,
                    sealed
                ])
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// The sealed secrets of an object: name, nonce and ciphertext, by name.
    pub fn sealed_secrets(&self, key: &ObjectRef) -> Result<Vec<SealedSecret>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT secret, nonce, sealed FROM secrets \
                 WHERE grp = ?1 AND kind = ?2 AND namespace = ?3 AND name = ?4 ORDER BY secret",
            )
            .and_then(|mut statement| {
                statement
                    .query_map(params![key.group, key.kind, key.namespace, key.name], |r| {
                        Ok(SealedSecret {
                            name: r.get(0)?,
                            nonce: r.get(1)?,
                            sealed: r.get(2)?,
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|e| self.err(e))
    }

    /// Decrypts an object's sealed secrets.
    pub fn open_secrets(
        &self,
        key: &ObjectRef,
        sealed: Vec<SealedSecret>,
        cipher: &SecretCipher,
    ) -> Result<SecretMap, StoreError> {
        sealed
            .into_iter()
            .map(|secret| {
                let plain = cipher
                    .open(
                        &secret_aad(key, &secret.name),
                        &secret.nonce,
                        &secret.sealed,
                    )
                    .ok_or_else(|| self.wrong_key(cipher))?;
                let text = String::from_utf8(plain).map_err(|_| {
                    StoreError::Unavailable(format!(
                        "{}: secret {} of {key} is not valid UTF-8",
                        self.path.display(),
                        secret.name
                    ))
                })?;
                Ok((secret.name, SecretValue::new(text)))
            })
            .collect()
    }

    /// Records a create intent, replacing one for the same object.
    pub fn put_intent(&self, intent: &CreateIntent) -> Result<(), StoreError> {
        let key = &intent.key;
        let body = serde_json::to_string(intent)
            .map_err(|e| self.json_err(&format!("cannot encode the create intent of {key}"), e))?;
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO intents (grp, kind, namespace, name, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| {
                s.execute(params![key.group, key.kind, key.namespace, key.name, body])
            })
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The stored lease on an object, live or expired.
    pub fn lease(&self, key: &ObjectRef) -> Result<Option<Lease>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT holder, token, expires_at_ms FROM leases \
                 WHERE grp = ?1 AND kind = ?2 AND namespace = ?3 AND name = ?4",
            )
            .and_then(|mut s| {
                s.query_row(params![key.group, key.kind, key.namespace, key.name], |r| {
                    Ok(Lease {
                        key: key.clone(),
                        holder: r.get(0)?,
                        token: r.get::<_, i64>(1)? as u64,
                        expires_at_ms: r.get::<_, i64>(2)? as u64,
                    })
                })
                .optional()
            })
            .map_err(|e| self.err(e))
    }

    /// Stores a lease, replacing the one on the same object.
    pub fn put_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let key = &lease.key;
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO leases \
                 (grp, kind, namespace, name, holder, token, expires_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    key.group,
                    key.kind,
                    key.namespace,
                    key.name,
                    lease.holder,
                    lease.token as i64,
                    lease.expires_at_ms as i64
                ])
            })
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Clears a create intent.
    pub fn clear_intent(&self, key: &ObjectRef) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "DELETE FROM intents WHERE grp = ?1 AND kind = ?2 AND namespace = ?3 AND name = ?4",
            )
            .and_then(|mut s| s.execute(params![key.group, key.kind, key.namespace, key.name]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Create intents not cleared, in reference order.
    pub fn intents(&self) -> Result<Vec<CreateIntent>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT body FROM intents ORDER BY grp, kind, namespace, name")
            .map_err(|e| self.err(e))?;
        let bodies = statement
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        bodies
            .iter()
            .map(|b| {
                serde_json::from_str(b).map_err(|e| self.json_err("a stored create intent", e))
            })
            .collect()
    }

    /// Appends an event, dropping the oldest beyond [`EVENTS_PER_OBJECT`].
    pub fn push_event(&self, event: &Event) -> Result<(), StoreError> {
        let key = &event.object;
        let body = serde_json::to_string(event)
            .map_err(|e| self.json_err(&format!("cannot encode an event of {key}"), e))?;
        self.conn
            .prepare_cached(
                "INSERT INTO events (grp, kind, namespace, name, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| {
                s.execute(params![key.group, key.kind, key.namespace, key.name, body])
            })
            .map_err(|e| self.err(e))?;
        // The oldest event to keep is looked up first, and nothing is deleted while an object
        // has no more than the limit (the common case). The limit is part of the statement's
        // text: as a bound parameter of OFFSET, SQLite re-prepared the statement every time.
        let oldest_kept: Option<i64> = self
            .conn
            .prepare_cached(&format!(
                "SELECT id FROM events WHERE grp = ?1 AND kind = ?2 AND namespace = ?3 \
                 AND name = ?4 ORDER BY id DESC LIMIT 1 OFFSET {}",
                EVENTS_PER_OBJECT - 1
            ))
            .and_then(|mut s| {
                s.query_row(params![key.group, key.kind, key.namespace, key.name], |r| {
                    r.get(0)
                })
                .optional()
            })
            .map_err(|e| self.err(e))?;
        if let Some(oldest_kept) = oldest_kept {
            self.conn
                .prepare_cached(
                    "DELETE FROM events WHERE grp = ?1 AND kind = ?2 AND namespace = ?3 \
                     AND name = ?4 AND id < ?5",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        key.group,
                        key.kind,
                        key.namespace,
                        key.name,
                        oldest_kept
                    ])
                })
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// The newest events of an object, oldest first.
    pub fn events(&self, key: &ObjectRef) -> Result<Vec<Event>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT body FROM events \
                 WHERE grp = ?1 AND kind = ?2 AND namespace = ?3 AND name = ?4 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let bodies = statement
            .query_map(params![key.group, key.kind, key.namespace, key.name], |r| {
                r.get::<_, String>(0)
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        bodies
            .iter()
            .map(|b| serde_json::from_str(b).map_err(|e| self.json_err("a stored event", e)))
            .collect()
    }

    /// Journal entries matching a query, oldest first: a range read on the time index.
    pub fn journal(&self, query: &JournalQuery) -> Result<Vec<JournalEntry>, StoreError> {
        // The table is in time order: a range read walks it. Only a read of one service
        // (few rows) goes through that service's index; `+kind` keeps the kind out of the
        // choice of index, since the kinds asked for are usually most of the rows.
        let by_kind = match (query.kinds.is_empty(), query.service.is_some()) {
            (true, _) => "",
            (false, true) => "AND kind IN (SELECT value FROM json_each(?3)) ",
            (false, false) => "AND +kind IN (SELECT value FROM json_each(?3)) ",
        };
        // `service = ?4` only when one is asked for, so the service index (which leaves out
        // entries without one) can serve it.
        let by_service = if query.service.is_some() {
            "AND service = ?4 "
        } else {
            "AND ?4 IS NULL "
        };
        let body = if query.without_bodies.is_empty() {
            "body"
        } else {
            "CASE WHEN kind IN (SELECT value FROM json_each(?6)) THEN NULL ELSE body END"
        };
        let sql = format!(
            "SELECT kind, id, time_ms, service, env, {body} FROM journal \
             WHERE time_ms >= ?1 AND time_ms < ?2 {by_kind}{by_service}\
             AND (?5 IS NULL OR env = ?5) \
             ORDER BY time_ms, kind, id"
        );
        let mut statement = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let since = query.since_ms.unwrap_or(i64::MIN);
        let until = query.until_ms.unwrap_or(i64::MAX);
        let kinds = serde_json::to_string(&query.kinds).map_err(|e| self.json_err("kinds", e))?;
        let without =
            serde_json::to_string(&query.without_bodies).map_err(|e| self.json_err("kinds", e))?;
        let all = params![since, until, kinds, query.service, query.env, without];
        // `?6` is in the statement only when some bodies are left out.
        let bound = if query.without_bodies.is_empty() {
            &all[..5]
        } else {
            all
        };
        let mut rows = statement.query(bound).map_err(|e| self.err(e))?;
        let mut entries = Vec::new();
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<_> {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            };
            let (kind, id, time_ms, service, env, body) = read(r).map_err(|e| self.err(e))?;
            let entry = JournalEntry {
                kind,
                id,
                time_ms,
                service,
                env,
                body: match body {
                    Some(body) => serde_json::value::RawValue::from_string(body)
                        .map_err(|e| self.json_err("a journal entry", e))?,
                    None => serde_json::value::RawValue::NULL.to_owned(),
                },
            };
            if query.matches(&entry) {
                entries.push(entry);
            }
        }
        Ok(entries)
    }
}
