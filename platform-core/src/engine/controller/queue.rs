//! The controller's work queue: one entry per object (duplicates merged), never an object
//! twice at once, new and changed objects ahead of drift polls.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use tokio::time::Instant;

use crate::model::ObjectRef;

/// Why an object is queued; lower goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Priority {
    /// New or changed desired state.
    Changed = 0,
    /// A retry after a failure.
    Retry = 1,
    /// A periodic drift poll.
    Poll = 2,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    priority: Priority,
    due: Instant,
    seq: u64,
}

/// Queued objects by priority and due time.
#[derive(Debug, Default)]
pub(crate) struct WorkQueue {
    entries: HashMap<ObjectRef, Entry>,
    heap: BinaryHeap<Reverse<(Priority, Instant, u64, ObjectRef)>>,
    in_flight: HashSet<ObjectRef>,
    seq: u64,
}

impl WorkQueue {
    /// Queues an object; an object already queued keeps the earlier time and the higher priority.
    pub(crate) fn push(&mut self, key: ObjectRef, priority: Priority, due: Instant) {
        let (priority, due) = match self.entries.get(&key) {
            Some(e) => (e.priority.min(priority), e.due.min(due)),
            None => (priority, due),
        };
        if let Some(e) = self.entries.get(&key)
            && e.priority == priority
            && e.due == due
        {
            return;
        }
        self.seq += 1;
        self.entries.insert(
            key.clone(),
            Entry {
                priority,
                due,
                seq: self.seq,
            },
        );
        self.heap.push(Reverse((priority, due, self.seq, key)));
    }

    /// The next object due by `now` that is not in flight; it is then in flight until `done`.
    pub(crate) fn pop(&mut self, now: Instant) -> Option<ObjectRef> {
        let mut deferred = Vec::new();
        let mut found = None;
        while let Some(Reverse((priority, due, seq, key))) = self.heap.pop() {
            let current = self.entries.get(&key).is_some_and(|e| e.seq == seq);
            if !current {
                continue;
            }
            if self.in_flight.contains(&key) {
                deferred.push(Reverse((priority, due, seq, key)));
                continue;
            }
            if due > now {
                // Later entries of a higher priority class may be due already.
                deferred.push(Reverse((priority, due, seq, key)));
                continue;
            }
            self.entries.remove(&key);
            self.in_flight.insert(key.clone());
            found = Some(key);
            break;
        }
        self.heap.extend(deferred);
        found
    }

    /// Marks an object finished.
    pub(crate) fn done(&mut self, key: &ObjectRef) {
        self.in_flight.remove(key);
    }

    /// Removes an object (it was deleted).
    pub(crate) fn forget(&mut self, key: &ObjectRef) {
        self.entries.remove(key);
    }

    /// Whether an object is queued or in flight.
    pub(crate) fn contains(&self, key: &ObjectRef) -> bool {
        self.entries.contains_key(key) || self.in_flight.contains(key)
    }

    /// The earliest due time of a queued object.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.entries.values().map(|e| e.due).min()
    }

    /// Queued objects (not counting those in flight).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn key(name: &str) -> ObjectRef {
        ObjectRef::new("DatabaseClaim", "default", name)
    }

    #[test]
    fn duplicates_merge_and_changes_go_first() {
        let now = Instant::now();
        let mut q = WorkQueue::default();
        q.push(key("polled"), Priority::Poll, now);
        q.push(key("changed"), Priority::Changed, now);
        q.push(key("polled"), Priority::Poll, now);
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop(now), Some(key("changed")));
        assert_eq!(q.pop(now), Some(key("polled")));
        assert_eq!(q.pop(now), None);
    }

    #[test]
    fn an_object_in_flight_is_not_handed_out_again() {
        let now = Instant::now();
        let mut q = WorkQueue::default();
        q.push(key("a"), Priority::Changed, now);
        assert_eq!(q.pop(now), Some(key("a")));
        q.push(key("a"), Priority::Changed, now);
        assert_eq!(q.pop(now), None, "still in flight");
        q.done(&key("a"));
        assert_eq!(q.pop(now), Some(key("a")));
    }

    #[test]
    fn retries_wait_for_their_time() {
        let now = Instant::now();
        let mut q = WorkQueue::default();
        q.push(key("later"), Priority::Retry, now + Duration::from_secs(5));
        q.push(key("poll"), Priority::Poll, now);
        assert_eq!(q.pop(now), Some(key("poll")));
        assert_eq!(q.pop(now), None);
        assert_eq!(q.next_due(), Some(now + Duration::from_secs(5)));
        assert_eq!(q.pop(now + Duration::from_secs(5)), Some(key("later")));
    }
}
