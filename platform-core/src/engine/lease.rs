//! Claim leases: while the engine works on a claim (reconcile, delete, crash recovery), it
//! holds the claim's lease in the store, so another process sharing the store waits instead
//! of interleaving its work with ours.
//!
//! A lease lasts [`LEASE_TTL`] (or the engine's setting) and is renewed while held. A process killed while holding one
//! does not make others wait for the expiry: holders are named
//! `host:pid:start-time:nonce`, and a holder on this host whose process is gone (or whose pid
//! now belongs to a younger process) is taken over at once. Holders on other hosts are taken
//! over when their lease expires.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::{Engine, EngineError};
use crate::model::ObjectRef;
use crate::store::{Lease, LeaseOutcome, StateStore};

/// How long a lease lasts unless renewed, by default
/// ([`EngineBuilder::lease_duration`](super::EngineBuilder::lease_duration)).
pub const LEASE_TTL: Duration = Duration::from_secs(15);

/// How often a held lease is renewed, by default
/// ([`EngineBuilder::lease_renewal`](super::EngineBuilder::lease_renewal)).
pub const RENEW_EVERY: Duration = Duration::from_secs(5);

/// The longest the engine waits for another live holder before giving up.
const WAIT_AT_MOST: Duration = Duration::from_secs(600);

tokio::task_local! {
    /// The lease of the claim the current task works on, set by [`Engine::with_lease`].
    static WORKING_UNDER: Lease;
}

/// Adds the current task's claim lease, if any, as a fence: the writes land only while the
/// lease is still this engine's (not taken over after a pause longer than its expiry).
fn fence(writes: &mut Vec<crate::store::Write>) {
    if let Ok(lease) = WORKING_UNDER.try_with(Lease::clone) {
        // First: a writer that lost its lease is told so, not that an object it read changed
        // meanwhile (its successor's writes make both true).
        writes.insert(0, crate::store::Write::Fence(lease));
    }
}

impl Engine {
    /// Commits `writes` fenced by the current task's claim lease, if any (see [`fence`]). A
    /// batch refused because that lease changed hands (this engine paused or was cut off past
    /// its expiry, and another took the claim over) is logged as a refused stale write, so
    /// operators and tests see fencing at work.
    pub(crate) async fn commit_fenced(
        &self,
        mut writes: Vec<crate::store::Write>,
    ) -> Result<Vec<crate::model::DynamicObject>, crate::store::StoreError> {
        fence(&mut writes);
        let result = self.inner.store.commit(writes).await;
        if let Err(e @ crate::store::StoreError::Conflict { key, expected, .. }) = &result
            && expected.starts_with("lease of ")
        {
            tracing::warn!(
                target: "platform::engine", claim = %key,
                "stale write refused, its lease changed hands: {e}"
            );
        }
        result
    }
}

/// Runs `work` with `lease` as the current task's fence (see [`fence`]).
pub(crate) async fn with_lease<F: std::future::Future>(
    lease: Option<&Lease>,
    work: F,
) -> F::Output {
    match lease {
        Some(lease) => WORKING_UNDER.scope(lease.clone(), work).await,
        None => work.await,
    }
}

/// The name this process's engines hold leases under, with a nonce per engine and the
/// engine's worker id, if any, last (where [`holder_is_dead`] does not look).
pub(crate) fn holder_name(worker_id: Option<&str>) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut nonce = std::collections::hash_map::RandomState::new().build_hasher();
    nonce.write_u64(std::process::id().into());
    let (host, pid, start) = this_process();
    match worker_id {
        Some(id) => format!("{host}:{pid}:{start}:{:016x}:{id}", nonce.finish()),
        None => format!("{host}:{pid}:{start}:{:016x}", nonce.finish()),
    }
}

/// The host and process id this engine reports in its heartbeats.
pub(crate) fn host_and_pid() -> (String, u32) {
    let (host, pid, _) = this_process();
    (host.clone(), *pid)
}

/// (host, pid, start time in clock ticks since boot) of this process.
fn this_process() -> &'static (String, u32, u64) {
    static THIS: OnceLock<(String, u32, u64)> = OnceLock::new();
    THIS.get_or_init(|| {
        let pid = std::process::id();
        (host(), pid, start_time(pid).unwrap_or(0))
    })
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().replace(':', "_"))
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_owned())
}

/// A running process's start time (field 22 of `/proc/<pid>/stat`), where the system has
/// one; `None` for a process that is gone or a zombie (killed, not yet reaped).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    if matches!(fields.next(), Some("Z" | "X" | "x")) {
        return None;
    }
    fields.nth(18)?.parse().ok()
}

/// True when `holder` is a process of this host that no longer runs: its pid is gone or now
/// belongs to a process started at another time. Unknown (other hosts, no `/proc`): false.
pub(crate) fn holder_is_dead(holder: &str) -> bool {
    let mut parts = holder.split(':');
    let (Some(host), Some(pid), Some(start)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (this_host, _, this_start) = this_process();
    if host != this_host || *this_start == 0 {
        return false;
    }
    let (Ok(pid), Ok(start)) = (pid.parse::<u32>(), start.parse::<u64>()) else {
        return false;
    };
    start_time(pid) != Some(start)
}

/// A held claim lease, renewed in the background until released or dropped.
pub(crate) struct HeldLease {
    store: Arc<dyn StateStore>,
    lease: Lease,
    renewal: tokio::task::JoinHandle<()>,
}

impl HeldLease {
    /// The lease as last granted (its token fences writes).
    pub(crate) fn lease(&self) -> &Lease {
        &self.lease
    }
}

impl Drop for HeldLease {
    fn drop(&mut self) {
        self.renewal.abort();
        // Released in the background: a process that exits first leaves a lease of a dead
        // holder, which the next process takes over at once.
        let store = self.store.clone();
        let lease = self.lease.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = store.release_lease(&lease).await;
            });
        }
    }
}

impl Engine {
    /// Takes the store lease on `key` if it is free or its holder is dead; `None` while a
    /// live holder has it.
    pub(crate) async fn try_lease(
        &self,
        key: &ObjectRef,
    ) -> Result<Option<HeldLease>, EngineError> {
        Ok(self.lease_unless_held(key).await?.ok())
    }

    /// Takes the store lease on `key` if it is free or its holder is dead; else the live
    /// holder's lease (whose expiry says when to ask again).
    pub(crate) async fn lease_unless_held(
        &self,
        key: &ObjectRef,
    ) -> Result<Result<HeldLease, Lease>, EngineError> {
        let store = &self.inner.store;
        let holder = &self.inner.holder;
        let mut take_over = None;
        loop {
            match store
                .acquire_lease(key, holder, self.inner.lease_ttl, take_over.as_deref())
                .await?
            {
                LeaseOutcome::Acquired(lease) => return Ok(Ok(self.hold(key, lease))),
                LeaseOutcome::Held(other)
                    if take_over.is_none() && holder_is_dead(&other.holder) =>
                {
                    take_over = Some(other.holder);
                }
                LeaseOutcome::Held(other) => return Ok(Err(other)),
            }
        }
    }

    /// Takes the store lease on `key`, waiting while another live holder has it.
    pub(crate) async fn lease(&self, key: &ObjectRef) -> Result<HeldLease, EngineError> {
        let store = self.inner.store.clone();
        let holder = &self.inner.holder;
        let started = std::time::Instant::now();
        let mut pause = Duration::from_millis(20);
        let mut take_over: Option<String> = None;
        let lease = loop {
            match store
                .acquire_lease(key, holder, self.inner.lease_ttl, take_over.as_deref())
                .await?
            {
                LeaseOutcome::Acquired(lease) => break lease,
                LeaseOutcome::Held(other) => {
                    if holder_is_dead(&other.holder) {
                        take_over = Some(other.holder);
                        continue;
                    }
                    if started.elapsed() > WAIT_AT_MOST {
                        return Err(EngineError::Busy {
                            object: Box::new(key.clone()),
                            holder: other.holder,
                            waited: started.elapsed(),
                        });
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
            }
        };
        Ok(self.hold(key, lease))
    }

    /// A granted lease, renewed in the background until dropped.
    fn hold(&self, key: &ObjectRef, lease: Lease) -> HeldLease {
        let store = self.inner.store.clone();
        let renewal = {
            let store = store.clone();
            let key = key.clone();
            let holder = self.inner.holder.clone();
            let (ttl, every) = (self.inner.lease_ttl, self.inner.renew_every);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    if !matches!(
                        store.acquire_lease(&key, &holder, ttl, None).await,
                        Ok(LeaseOutcome::Acquired(_))
                    ) {
                        // Lost: fenced writes under it now fail, and the work reports that.
                        return;
                    }
                }
            })
        };
        HeldLease {
            store,
            lease,
            renewal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_finished_one_is_dead() {
        let me = holder_name(Some("worker-a"));
        assert!(me.ends_with(":worker-a"), "{me}");
        assert!(!holder_is_dead(&me), "{me}");
        let (host, _, start) = this_process();
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let pid = child.id();
        let child_start = start_time(pid).expect("a running child has a start time");
        assert!(!holder_is_dead(&format!("{host}:{pid}:{child_start}:00")));
        // Killed and not yet reaped (a zombie): dead, though its /proc entry is still there.
        child.kill().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(holder_is_dead(&format!("{host}:{pid}:{child_start}:00")));
        child.wait().unwrap();
        assert!(holder_is_dead(&format!("{host}:{pid}:{start}:00")));
        // Another host, or a name not made by us: never taken for dead.
        assert!(!holder_is_dead(&format!("elsewhere:{pid}:{start}:00")));
        assert!(!holder_is_dead("not a holder"));
    }
}
