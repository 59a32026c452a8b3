//! A repository scaffolded from a golden path, in the catalog and the journal: the entities
//! its `catalog-info.yaml` declares, annotated with the template, its version and the answers,
//! imported with a `Scaffolded` event on each; and the `scaffold` and `template-upgrade`
//! journal entries the platform metrics count. `platformctl new`, `template upgrade` and the
//! portal's "Create" all register through here.

use std::path::Path;

use platform_core::model::time::now_rfc3339;
use platform_core::store::{Event, EventType, JournalEntry, StateStore, StoreError, Write, kinds};
use serde_json::{Map, Value, json};

use super::{CatalogStore, IMPORTED_KIND, stored_key};
use crate::entity::{Entity, EntityRef};
use crate::validate::{Options, validate_paths};
use platform_core::load::Diagnostic;

/// Backstage's annotation naming the template an entity was made from.
pub const SOURCE_TEMPLATE: &str = "backstage.io/source-template";
/// Our annotation: the template version the component was rendered from.
pub const TEMPLATE_VERSION: &str = "platform.dev/template-version";
/// Our annotation: the recorded answers, as JSON.
pub const TEMPLATE_ANSWERS: &str = "platform.dev/template-answers";

/// Why a scaffolded repository was not registered.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// Its `catalog-info.yaml` is not a valid catalog file.
    #[error("{} problem(s) in catalog-info.yaml", .0.len())]
    Invalid(Vec<Diagnostic>),
    /// The store refused the entities or their events.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The entities of `dest/catalog-info.yaml` (none when there is no such file), or what is
/// wrong with it.
fn entities(dest: &Path) -> Result<Vec<Entity>, Vec<Diagnostic>> {
    let file = dest.join("catalog-info.yaml");
    if !file.exists() {
        return Ok(Vec::new());
    }
    let validated = validate_paths(&[&file], &Options::default());
    let diagnostics = validated.diagnostics();
    if diagnostics.is_empty() {
        Ok(validated.valid_entities())
    } else {
        Err(diagnostics)
    }
}

/// The catalog entities of the repository `dest` (those its `catalog-info.yaml` declares).
pub fn catalog_refs(dest: &Path) -> Vec<EntityRef> {
    entities(dest)
        .unwrap_or_default()
        .iter()
        .map(Entity::entity_ref)
        .collect()
}

/// Imports the entities of `dest/catalog-info.yaml`, annotated with the template, its version
/// (`_commit` of `recorded`, what the answers file records) and the answers, and records a
/// `Scaffolded` event on each, its message ending in `via` (who scaffolded: `""` or
/// `" (portal)"`). Returns the references registered (none without a catalog file).
pub async fn register(
    store: &CatalogStore,
    dest: &Path,
    template_name: &str,
    recorded: &Map<String, Value>,
    via: &str,
) -> Result<Vec<EntityRef>, RegisterError> {
    let mut entities = entities(dest).map_err(RegisterError::Invalid)?;
    if entities.is_empty() {
        return Ok(Vec::new());
    }
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
    store.import(&entities).await?;
    let refs: Vec<EntityRef> = entities.iter().map(Entity::entity_ref).collect();
    record_event(
        store,
        &refs,
        "Scaffolded",
        &format!("from {template_name} {version}{via}"),
    )
    .await?;
    Ok(refs)
}

/// Records an event with `reason` on each of `refs` (nothing when there are none).
pub async fn record_event(
    store: &dyn StateStore,
    refs: &[EntityRef],
    reason: &str,
    message: &str,
) -> Result<(), StoreError> {
    if refs.is_empty() {
        return Ok(());
    }
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
    store.commit(writes).await.map(|_| ())
}

/// Who a scaffolded repository is: its catalog component (when its `catalog-info.yaml`
/// declares one) and its owning team.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owner {
    /// The component's reference (`component:default/NAME`), else the first entity's.
    pub service: Option<EntityRef>,
    /// The `owner` answer, else the entity's `spec.owner`.
    pub team: Option<String>,
}

impl Owner {
    /// Reads `dest/catalog-info.yaml` (when there is one) and the recorded answers.
    pub fn of(dest: &Path, answers: &Map<String, Value>) -> Owner {
        let mut owner = Owner {
            service: None,
            team: answers
                .get("owner")
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        let entities = entities(dest).unwrap_or_default();
        let chosen = entities
            .iter()
            .find(|e| e.kind.eq_ignore_ascii_case("component"))
            .or(entities.first());
        if let Some(entity) = chosen {
            owner.service = Some(entity.entity_ref());
            if owner.team.is_none() {
                owner.team = entity.spec_str("owner").map(str::to_owned);
            }
        }
        owner
    }

    /// The journal id: the component's reference (or `fallback`, the destination) at
    /// `time_ms`.
    fn id(&self, fallback: &Path, time_ms: i64) -> String {
        match &self.service {
            Some(service) => format!("{service}@{time_ms}"),
            None => format!("{}@{time_ms}", fallback.display()),
        }
    }
}

/// The `scaffold` journal entry of a repository rendered into `dest`: `recorded` is what the
/// answers file records (`_src_path`, `_commit`).
pub fn scaffold_entry(
    owner: &Owner,
    dest: &Path,
    recorded: &Map<String, Value>,
    time_ms: i64,
) -> JournalEntry {
    JournalEntry::new(
        kinds::SCAFFOLD,
        owner.id(dest, time_ms),
        time_ms,
        owner.service.as_ref().map(ToString::to_string),
        None,
        &json!({
            "template": recorded.get("_src_path"),
            "version": recorded.get("_commit"),
            "team": owner.team,
            "dest": dest.display().to_string(),
        }),
    )
}

/// What one upgrade did, for its journal entry.
#[derive(Debug, Clone)]
pub struct UpgradeRecord<'a> {
    /// The template's `_src_path`.
    pub template: &'a str,
    /// The version upgraded from.
    pub from: Option<&'a str>,
    /// The version upgraded to.
    pub to: Option<&'a str>,
    /// How many files were left with conflicts.
    pub conflicts: usize,
}

/// The `template-upgrade` journal entry of an upgrade of `dest` that changed something.
pub fn upgrade_entry(
    owner: &Owner,
    dest: &Path,
    upgrade: &UpgradeRecord<'_>,
    time_ms: i64,
) -> JournalEntry {
    JournalEntry::new(
        kinds::TEMPLATE_UPGRADE,
        owner.id(dest, time_ms),
        time_ms,
        owner.service.as_ref().map(ToString::to_string),
        None,
        &json!({
            "template": upgrade.template,
            "from": upgrade.from,
            "to": upgrade.to,
            "conflicts": upgrade.conflicts,
            "team": owner.team,
            "dest": dest.display().to_string(),
        }),
    )
}
