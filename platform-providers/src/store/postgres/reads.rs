//! Reads: objects one by one, in batches and in pages; secrets; intents; events; changes;
//! the journal.

use platform_core::model::{DynamicObject, ObjectRef};
use platform_core::secret::{SecretMap, SecretValue};
use platform_core::store::{
    Change, ChangeKind, CreateIntent, Event, JournalEntry, JournalQuery, ListFilter, StoreError,
};
use tokio_postgres::types::ToSql;

use super::errors::json_error;
use super::{PostgresStore, query};
use crate::store::secret_key::secret_aad;

/// An object from its two stored JSON texts: the spec and everything else.
pub(super) fn decode(spec: &str, body: &str) -> Result<DynamicObject, StoreError> {
    let mut object: DynamicObject =
        serde_json::from_str(body).map_err(|e| json_error("a stored object", e))?;
    object.spec = serde_json::from_str(spec).map_err(|e| json_error("a stored spec", e))?;
    Ok(object)
}

/// The four key columns of several references, as arrays for `unnest`.
struct KeyColumns {
    groups: Vec<String>,
    kinds: Vec<String>,
    namespaces: Vec<String>,
    names: Vec<String>,
}

impl KeyColumns {
    fn of(keys: &[ObjectRef]) -> Self {
        KeyColumns {
            groups: keys.iter().map(|k| k.group.clone()).collect(),
            kinds: keys.iter().map(|k| k.kind.clone()).collect(),
            namespaces: keys.iter().map(|k| k.namespace.clone()).collect(),
            names: keys.iter().map(|k| k.name.clone()).collect(),
        }
    }
}

impl PostgresStore {
    /// Objects by reference, in the order asked, in one query.
    pub(super) async fn get_rows(
        &self,
        keys: &[ObjectRef],
    ) -> Result<Vec<Option<DynamicObject>>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let columns = KeyColumns::of(keys);
        let client = self.client().await?;
        let rows = query(
            &client,
            &format!(
                "SELECT k.i, o.spec, o.body \
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) \
                     WITH ORDINALITY AS k(grp, kind, namespace, name, i) \
                 JOIN {} o ON o.grp = k.grp AND o.kind = k.kind \
                     AND o.namespace = k.namespace AND o.name = k.name",
                self.table("objects")
            ),
            &[
                &columns.groups,
                &columns.kinds,
                &columns.namespaces,
                &columns.names,
            ],
        )
        .await
        .map_err(self.err("cannot read objects"))?;
        let mut objects: Vec<Option<DynamicObject>> = vec![None; keys.len()];
        for row in rows {
            let i: i64 = row.get(0);
            let spec: &str = row.get(1);
            let body: &str = row.get(2);
            if let Some(slot) = usize::try_from(i - 1).ok().and_then(|i| objects.get_mut(i)) {
                *slot = Some(decode(spec, body)?);
            }
        }
        Ok(objects)
    }

    /// Objects matching a filter after `after` in reference order, at most `limit`.
    pub(super) async fn list_rows(
        &self,
        filter: &ListFilter,
        after: Option<&ObjectRef>,
        limit: Option<usize>,
    ) -> Result<Vec<DynamicObject>, StoreError> {
        let mut sql = format!(
            "SELECT spec, body FROM {} WHERE true",
            self.table("objects")
        );
        let mut values: Vec<&(dyn ToSql + Sync)> = Vec::new();
        if let Some(owner) = &filter.owner {
            push_clause(
                &mut sql,
                " AND owner_grp = ? AND owner_kind = ? AND namespace = ? AND owner_name = ?",
            );
            values.extend([
                &owner.group as &(dyn ToSql + Sync),
                &owner.kind,
                &owner.namespace,
                &owner.name,
            ]);
        }
        if let Some((group, kind)) = &filter.kind {
            push_clause(&mut sql, " AND grp = ? AND kind = ?");
            values.extend([group as &(dyn ToSql + Sync), kind]);
        }
        if let Some(namespace) = &filter.namespace {
            push_clause(&mut sql, " AND namespace = ?");
            values.push(namespace);
        }
        if let Some(after) = after {
            push_clause(&mut sql, " AND (grp, kind, namespace, name) > (?, ?, ?, ?)");
            values.extend([
                &after.group as &(dyn ToSql + Sync),
                &after.kind,
                &after.namespace,
                &after.name,
            ]);
        }
        sql.push_str(" ORDER BY grp, kind, namespace, name");
        let limit = limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX));
        if let Some(limit) = &limit {
            push_clause(&mut sql, " LIMIT ?");
            values.push(limit);
        }
        let client = self.client().await?;
        let rows = query(&client, &sql, &values)
            .await
            .map_err(self.err("cannot list objects"))?;
        rows.iter()
            .map(|row| decode(row.get(0), row.get(1)))
            .collect()
    }

    /// The secrets of several objects, in the order asked, in one query.
    pub(super) async fn secret_rows(
        &self,
        keys: &[ObjectRef],
    ) -> Result<Vec<SecretMap>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let columns = KeyColumns::of(keys);
        let rows = {
            let client = self.client().await?;
            query(
                &client,
                &format!(
                    "SELECT k.i, s.secret, s.nonce, s.sealed \
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) \
                         WITH ORDINALITY AS k(grp, kind, namespace, name, i) \
                     JOIN {} s ON s.grp = k.grp AND s.kind = k.kind \
                         AND s.namespace = k.namespace AND s.name = k.name \
                     ORDER BY k.i, s.secret",
                    self.table("secrets")
                ),
                &[
                    &columns.groups,
                    &columns.kinds,
                    &columns.namespaces,
                    &columns.names,
                ],
            )
            .await
            .map_err(self.err("cannot read secrets"))?
        };
        let mut secrets: Vec<SecretMap> = vec![SecretMap::new(); keys.len()];
        if rows.is_empty() {
            return Ok(secrets);
        }
        // Objects without secrets need no key: the key is looked up only when one is stored.
        let cipher = self.cipher().await?;
        for row in rows {
            let i: i64 = row.get(0);
            let Some(index) = usize::try_from(i - 1).ok().filter(|i| *i < keys.len()) else {
                continue;
            };
            let name: String = row.get(1);
            let nonce: Vec<u8> = row.get(2);
            let sealed: Vec<u8> = row.get(3);
            let key = &keys[index];
            let plain = cipher
                .open(&secret_aad(key, &name), &nonce, &sealed)
                .ok_or_else(|| self.wrong_key(cipher))?;
            let text = String::from_utf8(plain).map_err(|_| {
                StoreError::Unavailable(format!(
                    "{}: secret {name} of {key} is not valid UTF-8",
                    self.place
                ))
            })?;
            secrets[index].insert(name, SecretValue::new(text));
        }
        Ok(secrets)
    }

    /// Create intents not cleared, in reference order.
    pub(super) async fn intent_rows(&self) -> Result<Vec<CreateIntent>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            &format!(
                "SELECT body FROM {} ORDER BY grp, kind, namespace, name",
                self.table("intents")
            ),
            &[],
        )
        .await
        .map_err(self.err("cannot read create intents"))?;
        rows.iter()
            .map(|r| {
                serde_json::from_str(r.get(0)).map_err(|e| json_error("a stored create intent", e))
            })
            .collect()
    }

    /// The newest events of an object, oldest first.
    pub(super) async fn event_rows(&self, key: &ObjectRef) -> Result<Vec<Event>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            &format!(
                "SELECT body FROM {} \
                 WHERE grp = $1 AND kind = $2 AND namespace = $3 AND name = $4 ORDER BY id",
                self.table("events")
            ),
            &[&key.group, &key.kind, &key.namespace, &key.name],
        )
        .await
        .map_err(self.err("cannot read events"))?;
        rows.iter()
            .map(|r| serde_json::from_str(r.get(0)).map_err(|e| json_error("a stored event", e)))
            .collect()
    }

    /// Changes after a sequence number, oldest first, at most `limit`.
    pub(super) async fn change_rows(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Change>, StoreError> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let client = self.client().await?;
        let rows = query(
            &client,
            &format!(
                "SELECT seq, change, grp, kind, namespace, name, resource_version FROM {} \
                 WHERE seq > $1 ORDER BY seq LIMIT $2",
                self.table("changes")
            ),
            &[&after, &limit],
        )
        .await
        .map_err(self.err("cannot read the change feed"))?;
        Ok(rows
            .iter()
            .map(|r| Change {
                seq: r.get::<_, i64>(0) as u64,
                kind: if r.get::<_, &str>(1) == "delete" {
                    ChangeKind::Delete
                } else {
                    ChangeKind::Put
                },
                key: ObjectRef::new(
                    r.get::<_, String>(3),
                    r.get::<_, String>(4),
                    r.get::<_, String>(5),
                )
                .in_group(r.get::<_, String>(2)),
                resource_version: r.get(6),
            })
            .collect())
    }

    /// Journal entries matching a query, oldest first: a range read on the time index.
    pub(super) async fn journal_rows(
        &self,
        query_: &JournalQuery,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let since = query_.since_ms.unwrap_or(i64::MIN);
        let until = query_.until_ms.unwrap_or(i64::MAX);
        let client = self.client().await?;
        let rows = query(
            &client,
            &format!(
                "SELECT kind, id, time_ms, service, env, \
                 CASE WHEN kind = ANY($6) THEN NULL ELSE body END FROM {} \
                 WHERE time_ms >= $1 AND time_ms < $2 \
                 AND (cardinality($3::text[]) = 0 OR kind = ANY($3)) \
                 AND ($4::text IS NULL OR service = $4) AND ($5::text IS NULL OR env = $5) \
                 ORDER BY time_ms, kind, id",
                self.table("journal")
            ),
            &[
                &since,
                &until,
                &query_.kinds,
                &query_.service,
                &query_.env,
                &query_.without_bodies,
            ],
        )
        .await
        .map_err(self.err("cannot read the journal"))?;
        rows.into_iter()
            .map(|r| {
                Ok(JournalEntry {
                    kind: r.get(0),
                    id: r.get(1),
                    time_ms: r.get(2),
                    service: r.get(3),
                    env: r.get(4),
                    body: match r.get::<_, Option<String>>(5) {
                        Some(body) => serde_json::value::RawValue::from_string(body)
                            .map_err(|e| json_error("a journal entry", e))?,
                        None => serde_json::value::RawValue::NULL.to_owned(),
                    },
                })
            })
            .collect()
    }
}

/// Appends a clause whose `?`s become the next numbered placeholders (`$n`), in the order
/// the values are pushed. The statement holds no other `$` (schema names have none).
fn push_clause(sql: &mut String, clause: &str) {
    let mut n = sql.matches('$').count();
    for part in clause.split_inclusive('?') {
        match part.strip_suffix('?') {
            Some(text) => {
                n += 1;
                sql.push_str(text);
                sql.push_str(&format!("${n}"));
            }
            None => sql.push_str(part),
        }
    }
}
