//! "Create": a golden path rendered into a new folder under the portal's scaffold root, its
//! component registered in the catalog and the scaffold recorded in the journal, as
//! `platformctl new` does.

use std::path::{Path, PathBuf};

use platform_catalog::EntityRef;
use platform_catalog::platform::{IMPORTED_KIND, stored_key};
use platform_catalog::validate::{Options, validate_paths};
use platform_core::model::time::now_rfc3339;
use platform_core::store::{Event, EventType, JournalEntry, StateStore, Write, kinds};
use platform_template::answers::ResolveOptions;
use platform_template::scaffold::{generate, write_generation};
use serde_json::{Map, Value, json};

use super::fleet::{SOURCE_TEMPLATE, TEMPLATE_VERSION};
use crate::error::PortalError;
use crate::handles::{GoldenPath, Handles};

/// Our annotation: the recorded answers, as JSON.
const TEMPLATE_ANSWERS: &str = "platform.dev/template-answers";

/// What a scaffold did.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    /// The folder written.
    pub dest: PathBuf,
    /// How many files were written.
    pub written: usize,
    /// The entities registered in the catalog.
    pub registered: Vec<EntityRef>,
}

/// Why a scaffold did not happen.
#[derive(Debug)]
pub enum ScaffoldError {
    /// The answers were not accepted: each message says which and why.
    Invalid(Vec<String>),
    /// Something else failed.
    Failed(PortalError),
}

impl From<PortalError> for ScaffoldError {
    fn from(e: PortalError) -> Self {
        ScaffoldError::Failed(e)
    }
}

/// A folder name a form may choose: a DNS label.
fn safe_folder(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// Renders `template` with `given` answers (defaults for the rest, no prompt, no `_tasks`)
/// into `root/NAME`, registers what its `catalog-info.yaml` declares and records the scaffold.
pub async fn scaffold(
    handles: &Handles,
    template: &GoldenPath,
    root: &Path,
    given: &Map<String, Value>,
) -> Result<Created, ScaffoldError> {
    let name = given
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !safe_folder(name) {
        return Err(ScaffoldError::Invalid(vec![format!(
            "name: expected a DNS label (lowercase letters, digits and dashes, at most 63), found {name:?}"
        )]));
    }
    let dest = root.join(name);
    let options = ResolveOptions {
        use_defaults: true,
        prompt: None,
    };
    let generation = generate(&template.files, &dest, given, options, false)
        .map_err(|e| ScaffoldError::Invalid(vec![e.to_string()]))?;
    let report = write_generation(&generation, &dest, false, false)
        .map_err(|e| ScaffoldError::Invalid(vec![e.to_string()]))?;
    let registered = register(handles, &template.name, &dest, &generation.recorded).await?;
    Ok(Created {
        dest,
        written: report.written.len(),
        registered,
    })
}

async fn register(
    handles: &Handles,
    template_name: &str,
    dest: &Path,
    recorded: &Map<String, Value>,
) -> Result<Vec<EntityRef>, ScaffoldError> {
    let file = dest.join("catalog-info.yaml");
    if !file.exists() {
        return Ok(Vec::new());
    }
    let validated = validate_paths(&[&file], &Options::default());
    let diagnostics = validated.diagnostics();
    if !diagnostics.is_empty() {
        return Err(ScaffoldError::Invalid(
            diagnostics.iter().map(ToString::to_string).collect(),
        ));
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
        .map(|(k, v)| (k.clone(), v.clone()))
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
    let store = &handles.store;
    store.import(&entities).await.map_err(PortalError::from)?;
    let refs: Vec<EntityRef> = entities.iter().map(|e| e.entity_ref()).collect();
    let events = refs
        .iter()
        .map(|r| {
            Write::Event(Event {
                object: stored_key(IMPORTED_KIND, r),
                type_: EventType::Normal,
                reason: "Scaffolded".into(),
                message: format!("from {template_name} {version} (portal)"),
                time: now_rfc3339(),
            })
        })
        .collect();
    store.commit(events).await.map_err(PortalError::from)?;
    let component = entities
        .iter()
        .find(|e| e.kind.eq_ignore_ascii_case("component"))
        .or(entities.first());
    let service = component.map(|e| e.entity_ref().to_string());
    let team = answers
        .get("owner")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| component.and_then(|e| e.spec_str("owner").map(str::to_owned)));
    let now = jiff::Timestamp::now().as_millisecond();
    let id = format!(
        "{}@{now}",
        service
            .clone()
            .unwrap_or_else(|| dest.display().to_string())
    );
    let entry = JournalEntry::new(
        kinds::SCAFFOLD,
        id,
        now,
        service,
        None,
        &json!({
            "template": recorded.get("_src_path"),
            "version": recorded.get("_commit"),
            "team": team,
            "dest": dest.display().to_string(),
        }),
    );
    store
        .journal_append(vec![entry])
        .await
        .map_err(PortalError::from)?;
    Ok(refs)
}
