//! Live progress: the engine tells a listener about each managed resource as it finishes with
//! it, so a tool can print a line per resource while an apply, delete or drift sweep runs.

use super::report::ResourceReport;
use crate::model::ObjectRef;
use crate::provider::FieldDiff;

/// One managed resource the engine has just finished with.
#[derive(Debug, Clone, Copy)]
pub enum ProgressEvent<'a> {
    /// Reconciled (created, updated, or seen unchanged), with what happened.
    Reconciled(&'a ResourceReport),
    /// Deleted, or kept by its deletion policy (`kept`), and its record removed.
    Deleted {
        /// The managed resource.
        resource: &'a ObjectRef,
        /// The real resource's name.
        external_name: &'a str,
        /// The real resource was kept (deletion policy Orphan, or not fully managed).
        kept: bool,
    },
    /// Observed in a drift sweep.
    Observed {
        /// The managed resource.
        resource: &'a ObjectRef,
        /// The real resource's name.
        external_name: &'a str,
        /// Whether it exists.
        exists: bool,
        /// Fields that differ from the desired spec (empty when up to date).
        diff: &'a [FieldDiff],
        /// The observe failed with this message.
        error: Option<&'a str>,
    },
}

/// Receives progress events; called from the engine's tasks, so it must be quick and thread-safe.
pub trait ProgressListener: Send + Sync {
    /// One resource is done.
    fn on_progress(&self, event: ProgressEvent<'_>);
}

impl<F> ProgressListener for F
where
    F: Fn(ProgressEvent<'_>) + Send + Sync,
{
    fn on_progress(&self, event: ProgressEvent<'_>) {
        self(event)
    }
}
