//! Registering a scaffolded component in the catalog, through the same store path as
//! `platformctl catalog import`, and recording scaffolds and upgrades as events.

use std::path::Path;

use platform_catalog::entity::EntityRef;
use platform_catalog::platform::{IMPORTED_KIND, stored_key};
use platform_catalog::validate::{Options, validate_paths};
use platform_core::model::time::now_rfc3339;
use platform_core::store::{Event, EventType, StateStore, Write};
use serde_json::{Map, Value};

use crate::config::Config;
use crate::error::CliError;
use crate::workspace::Workspace;

/// Backstage's annotation naming the template an entity was made from.
pub const SOURCE_TEMPLATE: &str = "backstage.io/source-template";
/// Our annotation: the template version the component was rendered from.
pub const TEMPLATE_VERSION: &str = "platform.dev/template-version";
/// Our annotation: the recorded answers, as JSON.
pub const TEMPLATE_ANSWERS: &str = "platform.dev/template-answers";

/// Imports the entities of `dest/catalog-info.yaml` annotated with the template, its version
/// and answers, and records a `Scaffolded` event on each. Returns the references registered
/// (none when the template writes no catalog file).
pub async fn register(
    config: &Config,
    env: Option<&str>,
    dest: &Path,
    template_name: &str,
    recorded: &Map<String, Value>,
) -> Result<Vec<EntityRef>, CliError> {
    let file = dest.join("catalog-info.yaml");
    if !file.exists() {
        return Ok(Vec::new());
    }
    let validated = validate_paths(&[&file], &Options::default());
    let diagnostics = validated.diagnostics();
    if !diagnostics.is_empty() {
        return Err(CliError::Input(diagnostics));
    }
    let mut entities = validated.valid_entities();
    let version = recorded
        .get("_commit")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let answers: Map<String, Value> = recorded
        .iter()
        .filter(|(key, _)| !key.starts_with('_'))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    for entity in &mut entities {
        let annotations = &mut entity.metadata.annotations;
        annotations.insert(
            SOURCE_TEMPLATE.into(),
            format!("template:default/{template_name}"),
        );
        annotations.insert(TEMPLATE_VERSION.into(), version.clone());
        annotations.insert(
            TEMPLATE_ANSWERS.into(),
            Value::Object(answers.clone()).to_string(),
        );
    }
    let workspace = Workspace::open(config, env)?;
    workspace.catalog.import(&entities).await?;
    let refs: Vec<EntityRef> = entities.iter().map(|e| e.entity_ref()).collect();
    record(
        &workspace,
        &refs,
        "Scaffolded",
        &format!("from {template_name} {version}"),
    )
    .await?;
    Ok(refs)
}

/// The catalog entities of the repository `dest` (those its `catalog-info.yaml` declares).
pub fn catalog_refs(dest: &Path) -> Vec<EntityRef> {
    let file = dest.join("catalog-info.yaml");
    if !file.exists() {
        return Vec::new();
    }
    validate_paths(&[&file], &Options::default())
        .valid_entities()
        .iter()
        .map(|e| e.entity_ref())
        .collect()
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
    record(&workspace, refs, reason, message).await
}

async fn record(
    workspace: &Workspace,
    refs: &[EntityRef],
    reason: &str,
    message: &str,
) -> Result<(), CliError> {
    let writes = refs
        .iter()
        .map(|entity| {
            Write::Event(Event {
                object: stored_key(IMPORTED_KIND, entity),
                type_: EventType::Normal,
                reason: reason.into(),
                message: message.into(),
                time: now_rfc3339(),
            })
        })
        .collect();
    workspace.catalog.commit(writes).await?;
    Ok(())
}
