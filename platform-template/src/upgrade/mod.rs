//! Upgrades: the recorded version re-rendered with the recorded answers, compared with the
//! new version, and that change merged into the repository as a three-way merge: local edits
//! kept, overlapping edits marked inline (never a `.rej` file, never a dropped hunk).

mod apply;
mod drift;
mod merge;
mod patch;
mod plan;

pub use apply::{UpgradeReport, apply_upgrade};
pub use drift::{Drift, local_drift, rerender_recorded};
pub use merge::{MergeOutcome, OURS_MARKER, SEPARATOR, THEIRS_MARKER, merge_file};
pub use patch::file_patch;
pub use plan::{FileAction, FilePlan, UpgradePlan, plan_upgrade};
