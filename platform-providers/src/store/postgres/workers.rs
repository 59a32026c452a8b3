//! Worker heartbeats: one row per reconciler, written at each heartbeat against the
//! database's clock, and read back with the claim leases each holds.

use platform_core::store::{StoreError, WorkerBeat, WorkerInfo};

use super::{PostgresStore, execute, query};

/// Rows of workers silent this long are removed at the next heartbeat of any worker.
const FORGET_AFTER_MS: i64 = 24 * 60 * 60 * 1000;

impl PostgresStore {
    /// Records `beat`, keeping the start time of the worker's first beat.
    pub(super) async fn worker_beat(&self, beat: &WorkerBeat) -> Result<(), StoreError> {
        let client = self.client().await?;
        let workers = self.table("workers");
        let now = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";
        execute(
            &client,
            &format!(
                "INSERT INTO {workers} (holder, id, host, pid, started_ms, heartbeat_ms, \
                 reconciled, per_second) VALUES ($1, $2, $3, $4, {now}, {now}, $5, $6) \
                 ON CONFLICT (holder) DO UPDATE SET heartbeat_ms = EXCLUDED.heartbeat_ms, \
                 reconciled = EXCLUDED.reconciled, per_second = EXCLUDED.per_second"
            ),
            &[
                &beat.holder,
                &beat.id,
                &beat.host,
                &i64::from(beat.pid),
                &(beat.reconciled as i64),
                &beat.per_second,
            ],
        )
        .await
        .map_err(self.err("cannot record the worker's heartbeat"))?;
        execute(
            &client,
            &format!("DELETE FROM {workers} WHERE heartbeat_ms < {now} - $1"),
            &[&FORGET_AFTER_MS],
        )
        .await
        .map(drop)
        .map_err(self.err("cannot forget silent workers"))
    }

    /// Workers heard from within `within_ms`, by id then holder, each with its live leases
    /// (one pass over the lease table for all workers).
    pub(super) async fn worker_rows(&self, within_ms: u64) -> Result<Vec<WorkerInfo>, StoreError> {
        let client = self.client().await?;
        let now = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";
        let rows = query(
            &client,
            &format!(
                "WITH held AS (SELECT holder, count(*) AS n FROM {leases} \
                 WHERE expires_at_ms > {now} GROUP BY holder) \
                 SELECT w.holder, w.id, w.host, w.pid, w.started_ms, w.heartbeat_ms, \
                 w.reconciled, w.per_second, coalesce(held.n, 0) \
                 FROM {workers} w LEFT JOIN held ON held.holder = w.holder \
                 WHERE w.heartbeat_ms >= {now} - $1 ORDER BY w.id, w.holder",
                leases = self.table("leases"),
                workers = self.table("workers"),
            ),
            &[&(within_ms.min(i64::MAX as u64) as i64)],
        )
        .await
        .map_err(self.err("cannot read the workers"))?;
        Ok(rows
            .iter()
            .map(|r| WorkerInfo {
                beat: WorkerBeat {
                    holder: r.get(0),
                    id: r.get(1),
                    host: r.get(2),
                    pid: u32::try_from(r.get::<_, i64>(3)).unwrap_or(0),
                    reconciled: r.get::<_, i64>(6) as u64,
                    per_second: r.get(7),
                },
                started_ms: r.get::<_, i64>(4) as u64,
                heartbeat_ms: r.get::<_, i64>(5) as u64,
                leases_held: r.get::<_, i64>(8) as u64,
            })
            .collect())
    }
}
