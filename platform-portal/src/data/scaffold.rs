//! "Create": a golden path rendered into a new folder under the portal's scaffold root, its
//! component registered in the catalog and the scaffold recorded in the journal, as
//! `platformctl new` does.

use std::path::{Path, PathBuf};

use platform_catalog::EntityRef;
use platform_catalog::platform::scaffolded::{self, Owner, RegisterError, scaffold_entry};
use platform_core::store::StateStore;
use platform_template::answers::ResolveOptions;
use platform_template::scaffold::{generate, write_generation};
use serde_json::{Map, Value};

use crate::error::PortalError;
use crate::handles::{GoldenPath, Handles};

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
    let store = &handles.store;
    let refs = scaffolded::register(store, dest, template_name, recorded, " (portal)")
        .await
        .map_err(|e| match e {
            RegisterError::Invalid(diagnostics) => {
                ScaffoldError::Invalid(diagnostics.iter().map(ToString::to_string).collect())
            }
            RegisterError::Store(e) => ScaffoldError::Failed(e.into()),
        })?;
    let owner = Owner::of(dest, recorded);
    let now = jiff::Timestamp::now().as_millisecond();
    store
        .journal_append(vec![scaffold_entry(&owner, dest, recorded, now)])
        .await
        .map_err(PortalError::from)?;
    Ok(refs)
}
