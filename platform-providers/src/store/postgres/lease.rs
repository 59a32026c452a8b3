//! Leases decided in the database: the lease's row is locked while the shared rule
//! ([`decide_lease`]) is applied, against the database's clock.

use platform_core::model::ObjectRef;
use platform_core::store::{Lease, LeaseOutcome, StoreError, decide_lease};
use std::time::Duration;

use super::{PostgresStore, execute, query};

impl PostgresStore {
    /// Decides a request for the lease on `key` in one transaction holding the lease's row.
    pub(super) async fn lease_request(
        &self,
        key: &ObjectRef,
        holder: &str,
        ttl: Duration,
        take_over: Option<&str>,
    ) -> Result<LeaseOutcome, StoreError> {
        let mut client = self.client().await?;
        let err = self.err(&format!("cannot decide the lease on {key}"));
        let tx = client.transaction().await.map_err(&err)?;
        let leases = self.table("leases");
        // A first request inserts the row; when another process inserted it meanwhile, the
        // row is read again, locked.
        for _ in 0..3 {
            let rows = query(
                &tx,
                &format!(
                    "SELECT holder, token, expires_at_ms, \
                     (extract(epoch FROM clock_timestamp()) * 1000)::bigint \
                     FROM {leases} \
                     WHERE grp = $1 AND kind = $2 AND namespace = $3 AND name = $4 FOR UPDATE"
                ),
                &[&key.group, &key.kind, &key.namespace, &key.name],
            )
            .await
            .map_err(&err)?;
            let (current, now) = match rows.first() {
                Some(r) => (
                    Some(Lease {
                        key: key.clone(),
                        holder: r.get(0),
                        token: r.get::<_, i64>(1) as u64,
                        expires_at_ms: r.get::<_, i64>(2) as u64,
                    }),
                    r.get::<_, i64>(3) as u64,
                ),
                None => (None, self.database_now(&tx).await?),
            };
            let outcome = decide_lease(current.as_ref(), key, holder, ttl, take_over, now);
            let LeaseOutcome::Acquired(lease) = &outcome else {
                tx.commit().await.map_err(&err)?;
                return Ok(outcome);
            };
            // The row changes hands in place, or is made; a row made by a racing asker
            // meanwhile changes nothing here, and the request is decided again.
            let statement = if current.is_some() {
                format!(
                    "UPDATE {leases} SET holder = $5, token = $6, expires_at_ms = $7 \
                     WHERE grp = $1 AND kind = $2 AND namespace = $3 AND name = $4"
                )
            } else {
                format!(
                    "INSERT INTO {leases} (grp, kind, namespace, name, holder, token, \
                     expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING"
                )
            };
            let changed = execute(
                &tx,
                &statement,
                &[
                    &key.group,
                    &key.kind,
                    &key.namespace,
                    &key.name,
                    &lease.holder,
                    &(lease.token as i64),
                    &(lease.expires_at_ms as i64),
                ],
            )
            .await
            .map_err(&err)?;
            if changed == 1 {
                tx.commit().await.map_err(&err)?;
                return Ok(outcome);
            }
        }
        Err(StoreError::Unavailable(format!(
            "{}: the lease on {key} kept changing while it was decided; retry",
            self.place
        )))
    }

    /// Gives a lease up by expiring it (the row stays, so the token keeps growing for the
    /// key); nothing happens when it already changed hands.
    pub(super) async fn lease_release(&self, lease: &Lease) -> Result<(), StoreError> {
        let key = &lease.key;
        let client = self.client().await?;
        execute(
            &client,
            &format!(
                "UPDATE {} SET expires_at_ms = 0 \
                 WHERE grp = $1 AND kind = $2 AND namespace = $3 AND name = $4 \
                 AND holder = $5 AND token = $6",
                self.table("leases")
            ),
            &[
                &key.group,
                &key.kind,
                &key.namespace,
                &key.name,
                &lease.holder,
                &(lease.token as i64),
            ],
        )
        .await
        .map(drop)
        .map_err(self.err(&format!("cannot release the lease on {key}")))
    }

    /// The database's clock in milliseconds since the epoch: every process judges expiry by
    /// one clock, whatever its own.
    async fn database_now<C: deadpool_postgres::GenericClient>(
        &self,
        client: &C,
    ) -> Result<u64, StoreError> {
        let rows = query(
            client,
            "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint",
            &[],
        )
        .await
        .map_err(self.err("cannot read the database's clock"))?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0) as u64))
    }
}
