//! Leases: one holder at a time works on an object, across every process sharing a store.
//!
//! A lease names its holder, lasts until `expires_at_ms` unless renewed, and carries a fencing
//! token that grows each time the lease changes hands. A write batch holding
//! [`Write::Fence`](super::Write::Fence) commits only while the lease it names is still held
//! with that token, so a holder that paused past its expiry and lost the lease to another
//! cannot overwrite the newer holder's work. Every store decides with [`decide`] and checks
//! fences with [`fence_holds`], so the rules are one code path whatever the store.

use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::StoreError;
use crate::model::ObjectRef;

/// The right of one holder to work on one object until a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lease {
    /// The object worked on (for the engine: a claim).
    pub key: ObjectRef,
    /// Who holds it: an engine instance, such as `host:pid:start:nonce`.
    pub holder: String,
    /// Grows each time the lease changes hands; never reused for one key.
    pub token: u64,
    /// Milliseconds since the Unix epoch after which the lease is free unless renewed.
    pub expires_at_ms: u64,
}

/// The answer to a request for a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseOutcome {
    /// The lease is the asker's until its expiry (new, renewed or taken over).
    Acquired(Lease),
    /// Another holder's live lease; try again later, or take it over if that holder is dead.
    Held(Lease),
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The rule every store applies to a request by `holder` for the lease on `key`, given the
/// lease the store holds now (`current`, live or expired) and the time: free, expired and
/// own leases are granted (an own lease is renewed with the same token); a live lease of
/// another holder is granted only when the asker names that holder in `take_over` (it found
/// that holder dead), else it is returned as [`LeaseOutcome::Held`].
pub fn decide(
    current: Option<&Lease>,
    key: &ObjectRef,
    holder: &str,
    ttl: Duration,
    take_over: Option<&str>,
    now_ms: u64,
) -> LeaseOutcome {
    let expires_at_ms = now_ms.saturating_add(ttl.as_millis() as u64);
    let token = match current {
        None => 1,
        Some(c) if c.holder == holder => c.token,
        Some(c) if c.expires_at_ms <= now_ms || take_over == Some(c.holder.as_str()) => c.token + 1,
        Some(c) => return LeaseOutcome::Held(c.clone()),
    };
    LeaseOutcome::Acquired(Lease {
        key: key.clone(),
        holder: holder.to_owned(),
        token,
        expires_at_ms,
    })
}

/// Checks a fence: `lease` must still be the store's lease on its key (same holder and
/// token). An expired lease nobody took over still holds: nothing newer can have been
/// written under it.
pub fn fence_holds(current: Option<&Lease>, lease: &Lease) -> Result<(), StoreError> {
    match current {
        Some(c) if c.holder == lease.holder && c.token == lease.token => Ok(()),
        other => Err(StoreError::Conflict {
            key: Box::new(lease.key.clone()),
            expected: format!("lease of {} with token {}", lease.holder, lease.token),
            found: match other {
                Some(c) => format!("lease of {} with token {}", c.holder, c.token),
                None => "no lease".to_owned(),
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(holder: &str, token: u64, expires_at_ms: u64) -> Lease {
        Lease {
            key: ObjectRef::new("DatabaseClaim", "team-a", "orders"),
            holder: holder.into(),
            token,
            expires_at_ms,
        }
    }

    #[test]
    fn free_expired_and_own_leases_are_granted_and_tokens_grow_on_each_hand_over() {
        let key = lease("a", 0, 0).key;
        let ttl = Duration::from_secs(30);
        let LeaseOutcome::Acquired(first) = decide(None, &key, "a", ttl, None, 1_000) else {
            panic!("a free lease is granted");
        };
        assert_eq!((first.token, first.expires_at_ms), (1, 31_000));
        assert_eq!(
            decide(Some(&first), &key, "b", ttl, None, 2_000),
            LeaseOutcome::Held(first.clone())
        );
        let LeaseOutcome::Acquired(renewed) = decide(Some(&first), &key, "a", ttl, None, 2_000)
        else {
            panic!("the holder renews");
        };
        assert_eq!((renewed.token, renewed.expires_at_ms), (1, 32_000));
        let LeaseOutcome::Acquired(taken) = decide(Some(&first), &key, "b", ttl, None, 31_000)
        else {
            panic!("an expired lease is free");
        };
        assert_eq!(taken.token, 2);
        let LeaseOutcome::Acquired(over) = decide(Some(&renewed), &key, "c", ttl, Some("a"), 3_000)
        else {
            panic!("a dead holder's lease is taken over");
        };
        assert_eq!(over.token, 2);
        assert!(matches!(
            decide(Some(&renewed), &key, "c", ttl, Some("x"), 3_000),
            LeaseOutcome::Held(_)
        ));
    }

    #[test]
    fn a_fence_holds_only_for_the_current_holder_and_token() {
        let mine = lease("a", 3, 10);
        fence_holds(Some(&mine), &mine).unwrap();
        let e = fence_holds(Some(&lease("b", 4, 10)), &mine).unwrap_err();
        assert!(
            e.to_string().contains("found lease of b with token 4"),
            "{e}"
        );
        assert!(fence_holds(None, &mine).is_err());
    }
}
