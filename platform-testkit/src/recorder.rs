//! The call recorder: every provider call, in order, with assertion helpers for tests. The
//! fake provider keeps one; a [`Faults`](crate::layers::Faults) layer fills one for any provider.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::layers::{FaultEffect, Operation};

/// One recorded provider call; an [`Operation::Inventory`] call has empty `api_version`, `kind`
/// and `external_name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Which operation.
    pub operation: Operation,
    /// apiVersion of the managed resource.
    pub api_version: String,
    /// Kind of the managed resource.
    pub kind: String,
    /// External name of the managed resource.
    pub external_name: String,
    /// The fault injected into this call, if any.
    pub fault: Option<FaultEffect>,
}

/// Records calls in order; clones share the same record.
#[derive(Debug, Clone)]
pub struct CallRecorder {
    calls: Arc<Mutex<Vec<Call>>>,
    recording: Arc<AtomicBool>,
}

impl Default for CallRecorder {
    fn default() -> Self {
        CallRecorder {
            calls: Arc::default(),
            recording: Arc::new(AtomicBool::new(true)),
        }
    }
}

impl CallRecorder {
    /// An empty recorder.
    pub fn new() -> Self {
        CallRecorder::default()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Call>> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends a call, unless recording is off.
    pub fn record(&self, call: Call) {
        if self.recording.load(Ordering::Relaxed) {
            self.lock().push(call);
        }
    }

    /// Turns recording on (the default) or off for every clone. Runs of many thousands of
    /// calls that never look at them (benchmarks, the scale example) spare the memory.
    pub fn set_recording(&self, on: bool) {
        self.recording.store(on, Ordering::Relaxed);
    }

    /// Every call so far, oldest first.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().clone()
    }

    /// Forgets every call (faults' and latency's own counters are not reset).
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Number of calls of an operation.
    pub fn count(&self, operation: Operation) -> usize {
        self.lock()
            .iter()
            .filter(|c| c.operation == operation)
            .count()
    }

    /// Number of calls of an operation on one external name.
    pub fn count_for(&self, operation: Operation, external_name: &str) -> usize {
        self.lock()
            .iter()
            .filter(|c| c.operation == operation && c.external_name == external_name)
            .count()
    }

    /// Panics, listing the recorded calls, unless `operation` was called on `external_name`.
    #[track_caller]
    pub fn assert_called(&self, operation: Operation, external_name: &str) {
        if self.count_for(operation, external_name) == 0 {
            panic!(
                "expected a {operation} call on {external_name:?}, found none; calls were:\n{}",
                self.describe()
            );
        }
    }

    /// Panics, listing the recorded calls, if `operation` was called on `external_name`.
    #[track_caller]
    pub fn assert_not_called(&self, operation: Operation, external_name: &str) {
        let found = self.count_for(operation, external_name);
        if found > 0 {
            panic!(
                "expected no {operation} call on {external_name:?}, found {found}; calls were:\n{}",
                self.describe()
            );
        }
    }

    /// The recorded calls, one a line, for failure messages.
    pub fn describe(&self) -> String {
        let calls = self.lock();
        if calls.is_empty() {
            return "  (no calls)".to_owned();
        }
        let mut out = String::new();
        for (i, c) in calls.iter().enumerate() {
            let _ = write!(out, "  {}. {}", i + 1, c.operation);
            // An inventory call has no resource.
            if !c.kind.is_empty() {
                let _ = write!(out, " {} {}", c.kind, c.external_name);
            }
            if let Some(fault) = c.fault {
                let _ = write!(out, " (injected {fault})");
            }
            out.push('\n');
        }
        out.pop();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(operation: Operation, name: &str) -> Call {
        Call {
            operation,
            api_version: "fake.dev/v1".into(),
            kind: "FakeDatabase".into(),
            external_name: name.into(),
            fault: None,
        }
    }

    #[test]
    fn counts_and_assertions() {
        let recorder = CallRecorder::new();
        recorder.record(call(Operation::Observe, "a"));
        recorder.record(call(Operation::Create, "a"));
        recorder.record(call(Operation::Observe, "b"));
        assert_eq!(recorder.count(Operation::Observe), 2);
        assert_eq!(recorder.count_for(Operation::Create, "a"), 1);
        recorder.assert_called(Operation::Create, "a");
        recorder.assert_not_called(Operation::Delete, "a");
        recorder.assert_not_called(Operation::Create, "b");
    }

    #[test]
    fn recording_can_be_paused_for_every_clone() {
        let recorder = CallRecorder::new();
        let clone = recorder.clone();
        clone.set_recording(false);
        recorder.record(call(Operation::Observe, "a"));
        assert!(
            recorder.calls().is_empty(),
            "a paused recorder keeps nothing"
        );
        recorder.set_recording(true);
        clone.record(call(Operation::Create, "b"));
        assert_eq!(recorder.count_for(Operation::Create, "b"), 1);
        assert_eq!(recorder.calls().len(), 1);
    }

    #[test]
    fn failed_assertion_lists_the_calls() {
        let recorder = CallRecorder::new();
        recorder.record(Call {
            fault: Some(FaultEffect::Transient),
            ..call(Operation::Create, "a")
        });
        let panic = std::panic::catch_unwind(|| recorder.assert_not_called(Operation::Create, "a"))
            .unwrap_err();
        let message = panic.downcast_ref::<String>().unwrap();
        assert_eq!(
            message,
            "expected no create call on \"a\", found 1; calls were:\n  1. create FakeDatabase a (injected transient error)"
        );
        let panic =
            std::panic::catch_unwind(|| CallRecorder::new().assert_called(Operation::Delete, "a"))
                .unwrap_err();
        assert!(
            panic
                .downcast_ref::<String>()
                .unwrap()
                .contains("expected a delete call on \"a\", found none; calls were:\n  (no calls)")
        );
    }
}
