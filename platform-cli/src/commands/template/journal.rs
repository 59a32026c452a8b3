//! Scaffolds and template upgrades recorded in the state store's journal, where the platform's
//! metrics count them. The kinds (`scaffold`, `template-upgrade`) and body keys are read by
//! `metrics platform`: keep them as they are.

use std::path::Path;

use platform_catalog::entity::EntityRef;
use platform_catalog::validate::{Options, validate_paths};
use platform_core::store::{JournalEntry, StateStore};
use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::error::CliError;
use crate::workspace::Workspace;

/// The journal kind of a scaffold (`platformctl new`).
pub const SCAFFOLD: &str = "scaffold";
/// The journal kind of a template upgrade that changed a repository.
pub const TEMPLATE_UPGRADE: &str = "template-upgrade";

/// Who a scaffolded repository is: its catalog component (when its `catalog-info.yaml` declares
/// one) and its owning team.
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
        let file = dest.join("catalog-info.yaml");
        if !file.exists() {
            return owner;
        }
        let entities = validate_paths(&[&file], &Options::default()).valid_entities();
        let chosen = entities
            .iter()
            .find(|e| e.kind.eq_ignore_ascii_case("component"))
            .or(entities.first());
        if let Some(entity) = chosen {
            owner.service = Some(entity.entity_ref());
            if owner.team.is_none() {
                owner.team = entity
                    .spec
                    .get("owner")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
            }
        }
        owner
    }

    /// The journal id: the component's reference (or `fallback`, the destination) at `time_ms`.
    fn id(&self, fallback: &Path, time_ms: i64) -> String {
        match &self.service {
            Some(service) => format!("{service}@{time_ms}"),
            None => format!("{}@{time_ms}", fallback.display()),
        }
    }
}

/// The `scaffold` entry of `platformctl new TEMPLATE DEST`: `recorded` is what the answers
/// file records (`_src_path`, `_commit`).
pub fn scaffold_entry(
    owner: &Owner,
    dest: &Path,
    recorded: &Map<String, Value>,
    time_ms: i64,
) -> JournalEntry {
    JournalEntry::new(
        SCAFFOLD,
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

/// The `template-upgrade` entry of an upgrade of `dest` that changed something.
pub fn upgrade_entry(
    owner: &Owner,
    dest: &Path,
    upgrade: &UpgradeRecord<'_>,
    time_ms: i64,
) -> JournalEntry {
    JournalEntry::new(
        TEMPLATE_UPGRADE,
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
