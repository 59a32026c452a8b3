//! Registering a scaffolded component in the catalog and recording scaffolds and upgrades as
//! events: `platform_catalog::platform::scaffolded`, on the workspace's store.

use std::path::Path;

use platform_catalog::entity::EntityRef;
use platform_catalog::platform::scaffolded::{self, RegisterError};
use serde_json::{Map, Value};

use crate::config::Config;
use crate::error::CliError;
use crate::workspace::Workspace;

pub use scaffolded::catalog_refs;

/// Imports the entities of `dest/catalog-info.yaml` annotated with the template, its version
/// and answers, and records a `Scaffolded` event on each. Returns the references registered
/// (none when the template writes no catalog file; then the state is not opened).
pub async fn register(
    config: &Config,
    env: Option<&str>,
    dest: &Path,
    template_name: &str,
    recorded: &Map<String, Value>,
) -> Result<Vec<EntityRef>, CliError> {
    if !dest.join("catalog-info.yaml").exists() {
        return Ok(Vec::new());
    }
    let workspace = Workspace::open(config, env)?;
    scaffolded::register(&workspace.catalog, dest, template_name, recorded, "")
        .await
        .map_err(|e| match e {
            RegisterError::Invalid(diagnostics) => CliError::Input(diagnostics),
            RegisterError::Store(e) => e.into(),
        })
}

/// Records an event with `reason` on each of `refs` (nothing when there are none).
pub async fn record_event(
    config: &Config,
    env: Option<&str>,
    refs: &[EntityRef],
    reason: &str,
    message: &str,
) -> Result<(), CliError> {
    if refs.is_empty() {
        return Ok(());
    }
    let workspace = Workspace::open(config, env)?;
    scaffolded::record_event(&*workspace.catalog, refs, reason, message).await?;
    Ok(())
}
