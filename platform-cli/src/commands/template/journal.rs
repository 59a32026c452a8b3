//! Scaffolds and template upgrades recorded in the state store's journal, where the platform's
//! metrics count them. The kinds (`scaffold`, `template-upgrade`) and body keys are read by
//! `metrics platform`: keep them as they are.

use platform_core::store::{JournalEntry, StateStore};

use crate::config::Config;
use crate::error::CliError;
use crate::workspace::Workspace;

pub use platform_catalog::platform::scaffolded::{
    Owner, UpgradeRecord, scaffold_entry, upgrade_entry,
};

/// Appends `entry` to the journal of the workspace's state store (of environment `env`).
pub async fn append(
    config: &Config,
    env: Option<&str>,
    entry: JournalEntry,
) -> Result<(), CliError> {
    let workspace = Workspace::open(config, env)?;
    workspace.catalog.journal_append(vec![entry]).await?;
    Ok(())
}

/// Now, in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
