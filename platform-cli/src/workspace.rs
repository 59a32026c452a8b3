//! The engine a command works with: config, environment, state file, adapters and compositions.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use platform_core::admit::intent::OFFERING_KIND;
use platform_core::compose::{CompositionLibrary, LibraryError};
use platform_core::engine::{Engine, EngineBuilder, EngineError, ProgressListener};
use platform_core::kinds::KindRegistry;
use platform_core::kinds::score::{ScoreExpansion, ScoreTypes, expand_score};
use platform_core::load::{Diagnostic, Document};
use platform_core::load::{Format, Loader};
use platform_core::model::{DynamicObject, ObjectRef, Resource};
use platform_core::provider::Provider;
use platform_core::store::{StateStore, StoreError};
use platform_core::validate::{Checked, Validator};
use platform_providers::connect::provider_from_settings;
use platform_providers::local::LocalProvider;
use platform_providers::store::sqlite::{SqliteOptions, SqliteStore};

use platform_catalog::platform::{CatalogStore, PlatformSettings};

use crate::bundled;
use crate::config::{Config, EnvironmentSettings};
use crate::error::CliError;

/// Everything a stateful command needs.
pub struct Workspace {
    /// The engine of the chosen environment.
    pub engine: Engine,
    /// The kind registry.
    pub registry: KindRegistry,
    /// The state store under the engine, with the catalog kept in step with its claims.
    pub catalog: Arc<CatalogStore>,
    /// The Score resource types served (built-in and the config's `scoreTypes`).
    pub score_types: ScoreTypes,
}

impl Workspace {
    /// The stored versions of these objects (those that exist), for before/after comparisons.
    pub async fn stored_versions(
        &self,
        objects: &[platform_core::model::DynamicObject],
    ) -> Result<Vec<platform_core::model::DynamicObject>, CliError> {
        let mut stored = Vec::new();
        for object in objects {
            if let Some(found) = self
                .engine
                .store()
                .get(&object.object_ref())
                .await
                .map_err(|e| CliError::Engine(e.into()))?
            {
                stored.push(found);
            }
        }
        Ok(stored)
    }
}

/// The bundled compositions, serving the built-in kinds in `registry`'s group (the config's
/// `apiGroup`), plus the config's own as written.
pub fn composition_library(
    config: &Config,
    registry: &KindRegistry,
) -> Result<CompositionLibrary, CliError> {
    let mut library = CompositionLibrary::new();
    let loader = Loader::new();
    for (name, text) in bundled::COMPOSITIONS {
        let loaded = loader.load_str(Arc::from(format!("(bundled) {name}")), text, Format::Yaml);
        library
            .add_documents(&loaded.documents)
            .map_err(library_error)?;
    }
    library.follow_claim_group(registry);
    if !config.compositions.is_empty() {
        library
            .load_paths(&config.compositions)
            .map_err(library_error)?;
    }
    Ok(library)
}

fn library_error(e: LibraryError) -> CliError {
    match e {
        LibraryError::Invalid(problems)
            if problems
                .iter()
                .any(|p| p.message.ends_with("is defined twice")) =>
        {
            CliError::Usage {
                message: format!(
                    "invalid config:\n{}",
                    problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
                hint: Some(
                    "config `compositions` add to the bundled ones; give yours another name".into(),
                ),
            }
        }
        LibraryError::Invalid(problems) => CliError::Config(problems),
        other => CliError::Usage {
            message: other.to_string(),
            hint: Some(
                "config `compositions` add to the bundled ones; give yours another name".into(),
            ),
        },
    }
}

/// Whether a command may write the state.
///
/// Commands that only read open the state read-only (`SQLITE_OPEN_READ_ONLY`), so they work
/// where `.platform` cannot be written and never create it: `get`, `describe`, `outputs`,
/// `plan`, `graph`, `drift` without `--fix` and `policy exceptions`. `apply`, `delete`,
/// `run` and `drift --fix` write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The command only reads the state.
    ReadOnly,
    /// The command writes the state.
    ReadWrite,
}

impl Workspace {
    /// Opens the state for writing and builds the engine of an environment (`--env`, else
    /// the default).
    pub fn open(config: &Config, environment: Option<&str>) -> Result<Workspace, CliError> {
        Workspace::open_for(config, environment, None, Access::ReadWrite)
    }

    /// [`Workspace::open`] for a command that only reads the state.
    pub fn open_read_only(
        config: &Config,
        environment: Option<&str>,
    ) -> Result<Workspace, CliError> {
        Workspace::open_for(config, environment, None, Access::ReadOnly)
    }

    /// [`Workspace::open`] with a listener told about each resource as the engine finishes it.
    pub fn open_with(
        config: &Config,
        environment: Option<&str>,
        progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<Workspace, CliError> {
        Workspace::open_for(config, environment, progress, Access::ReadWrite)
    }

    /// Opens the state as `access` allows and builds the engine, with an optional listener.
    pub fn open_for(
        config: &Config,
        environment: Option<&str>,
        progress: Option<Arc<dyn ProgressListener>>,
        access: Access,
    ) -> Result<Workspace, CliError> {
        Workspace::open_tuned(config, environment, progress, access, |b| b)
    }

    /// [`Workspace::open_for`] with engine settings a command chooses (the controller's poll
    /// interval and concurrency), applied last.
    pub fn open_tuned(
        config: &Config,
        environment: Option<&str>,
        progress: Option<Arc<dyn ProgressListener>>,
        access: Access,
        tune: impl FnOnce(EngineBuilder) -> EngineBuilder,
    ) -> Result<Workspace, CliError> {
        let registry = config.registry()?;
        let (name, settings) = config.environment(environment)?;
        let (store, default_root) = open_state(config, &settings, access)?;
        // Every commit that writes or deletes claims writes or deletes their catalog
        // entities in the same transaction.
        let catalog = Arc::new(CatalogStore::new(
            store,
            PlatformSettings {
                environment: name.clone(),
                claim_kinds: registry
                    .kinds()
                    .map(|d| (d.gvk.group.clone(), d.gvk.kind.clone()))
                    .collect(),
            },
        ));
        let mut builder = Engine::builder()
            .registry(registry.clone())
            .compositions(composition_library(config, &registry)?)
            .environment(name)
            .store(catalog.clone())
            .production(settings.production)
            .actor(actor())
            .journal_retention(config.metrics.retention);
        if let Some(listener) = progress {
            builder = builder.progress(listener);
        }
        for provider in providers(&settings, &default_root)? {
            builder = builder.provider(provider);
        }
        if let Some(policies) = config.policy_engine()? {
            builder = builder.admission(Arc::new(policies));
        }
        if let Some(data) = settings.config {
            builder = builder.environment_data(data);
        }
        for (kind, composition) in settings.compositions {
            builder = builder.default_composition(kind, composition);
        }
        Ok(Workspace {
            engine: tune(builder).build(),
            registry,
            catalog,
            score_types: config.score_types.clone(),
        })
    }

    /// An engine error; "not found" names the namespaces that hold the kind and name.
    pub async fn explain(&self, err: EngineError) -> CliError {
        match err {
            EngineError::NotFound(key) => match self.engine.claims().await {
                Ok(stored) => not_found(*key, &stored),
                Err(_) => EngineError::NotFound(key).into(),
            },
            other => other.into(),
        }
    }

    /// A reference to a stored object from a kind name as typed by a user.
    pub fn reference(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<ObjectRef, CliError> {
        let def = self.registry.find_kind(kind)?;
        Ok(ObjectRef::new(def.gvk.kind.clone(), namespace, name).in_group(def.gvk.group.clone()))
    }
}

/// Who runs this command, as drift repairs record it: the login name, else `person`.
fn actor() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .map_or_else(|| "person".to_owned(), |v| v.trim().to_owned())
}

/// Opens the config's state: a SQLite file, or with `state: postgres://...` a schema of a
/// PostgreSQL database (`${env:NAME}` expanded in the URL; `?schema=` and `?pool_size=` are
/// the platform's own settings). Returns the store and the local adapter's default folder.
fn open_state(
    config: &Config,
    settings: &EnvironmentSettings,
    access: Access,
) -> Result<(Arc<dyn StateStore>, PathBuf), CliError> {
    if config.state.contains("://") {
        let default_root = config
            .state_key_file
            .parent()
            .unwrap_or(Path::new("."))
            .join("local");
        return Ok((open_url_state(config)?, default_root));
    }
    let state = PathBuf::from(&config.state);
    let default_root = state.parent().unwrap_or(Path::new(".")).join("local");
    // The local adapter's folder exists only once state was kept: an empty state file
    // beside it is damaged, not new.
    let mut state_traces = vec![default_root.clone()];
    if let Some(root) = settings.providers.get("local").and_then(|p| {
        p.settings
            .get("root")
            .and_then(|r| r.as_str())
            .map(|r| p.base.join(r))
    }) {
        state_traces.push(root);
    }
    let options = SqliteOptions {
        read_only: access == Access::ReadOnly,
        state_traces,
        ..SqliteOptions::default()
    };
    let store = SqliteStore::open_with(&state, options).map_err(|e| CliError::State {
        path: state.clone(),
        source: Box::new(e),
    })?;
    Ok((Arc::new(store), default_root))
}

/// The state at a URL: only `postgres://` (and `postgresql://`), in builds with the
/// `postgres-store` feature.
fn open_url_state(config: &Config) -> Result<Arc<dyn StateStore>, CliError> {
    let scheme = config.state.split("://").next().unwrap_or_default();
    if !matches!(scheme, "postgres" | "postgresql") {
        return Err(CliError::Usage {
            message: format!(
                "state is a {scheme}:// URL; state is kept in a SQLite file or, with postgres://, in PostgreSQL"
            ),
            hint: Some("set `state` to a file path such as .platform/state.db".into()),
        });
    }
    open_postgres_state(config)
}

#[cfg(feature = "postgres-store")]
fn open_postgres_state(config: &Config) -> Result<Arc<dyn StateStore>, CliError> {
    use platform_providers::store::postgres::{PostgresOptions, PostgresStore, split_state_url};
    let bad = |source: StoreError| CliError::State {
        path: PathBuf::from("state (postgres://)"),
        source: Box::new(source),
    };
    let url = platform_providers::support::settings::expand_string(&config.state)
        .map_err(|e| bad(StoreError::Unavailable(format!("state URL: {e}"))))?;
    let mut options = PostgresOptions {
        key_file: config.state_key_file.clone(),
        ..PostgresOptions::default()
    };
    let url = split_state_url(&url, &mut options).map_err(bad)?;
    let store = PostgresStore::new(&url, options).map_err(bad)?;
    Ok(Arc::new(store))
}

#[cfg(not(feature = "postgres-store"))]
fn open_postgres_state(_config: &Config) -> Result<Arc<dyn StateStore>, CliError> {
    Err(CliError::Usage {
        message: "state is a postgres:// URL, and this build of platformctl has no PostgreSQL state store"
            .into(),
        hint: Some(
            "build with `--features postgres-store` (or `full`), or set `state` to a file path such as .platform/state.db"
                .into(),
        ),
    })
}

/// An engine of an environment with no state and no adapters: what validation needs to know
/// which composition serves each claim, and what it provides.
pub fn offline_engine(config: &Config, environment: Option<&str>) -> Result<Engine, CliError> {
    let (name, settings) = config.environment(environment)?;
    let registry = config.registry()?;
    let mut builder = Engine::builder()
        .registry(registry.clone())
        .compositions(composition_library(config, &registry)?)
        .environment(name);
    if let Some(data) = settings.config {
        builder = builder.environment_data(data);
    }
    for (kind, composition) in settings.compositions {
        builder = builder.default_composition(kind, composition);
    }
    Ok(builder.build())
}

/// "Not found" for `key`, naming the namespaces of `stored` that hold its kind and name.
pub fn not_found(key: ObjectRef, stored: &[DynamicObject]) -> CliError {
    let elsewhere = stored
        .iter()
        .filter(|c| c.kind == key.kind && c.metadata.name == key.name)
        .map(|c| c.namespace().to_owned())
        .filter(|namespace| *namespace != key.namespace)
        .collect();
    CliError::NotFound {
        object: Box::new(key),
        elsewhere,
    }
}

/// The adapters of an environment; without any, the local adapter beside the state file.
/// Settings problems (an unset `${env:NAME}`, an unknown key) point at the adapter's key.
fn providers(
    settings: &EnvironmentSettings,
    default_root: &Path,
) -> Result<Vec<Arc<dyn Provider>>, CliError> {
    // Outputs name files under the local root: absolute, they stay right from any folder.
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    if settings.providers.is_empty() {
        return Ok(vec![Arc::new(LocalProvider::new(absolute(default_root)))]);
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (name, provider) in &settings.providers {
        let mut values = provider.settings.clone();
        if name == "local" {
            if values.is_null() {
                values = serde_json::json!({});
            }
            if let Some(map) = values.as_object_mut() {
                let root = match map.get("root").and_then(|r| r.as_str()) {
                    Some(r) => provider.base.join(r),
                    None => default_root.to_path_buf(),
                };
                map.insert(
                    "root".into(),
                    absolute(&root).to_string_lossy().into_owned().into(),
                );
            }
        }
        match provider_from_settings(name, &values, &provider.base) {
            Ok(p) => out.push(p),
            Err(e) => {
                let (file, location, field) = provider.at.clone();
                problems.push(Diagnostic::new(file, location, field, e.message));
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(CliError::Config(problems))
    }
}

/// Loads and validates files and folders into objects; every problem is reported, located.
pub fn load_objects(
    registry: &KindRegistry,
    types: &ScoreTypes,
    paths: &[PathBuf],
) -> Result<Vec<DynamicObject>, CliError> {
    Ok(load_checked(registry, types, paths)?
        .into_iter()
        .map(Checked::into_object)
        .collect())
}

/// What files and folders hold, with every Score workload turned into its Application.
pub struct Inputs {
    /// Problems reading or parsing the inputs.
    pub problems: Vec<Diagnostic>,
    /// The documents and what converting Score workloads found.
    pub expansion: ScoreExpansion,
    /// The Offering documents among the inputs, set apart from the claims.
    pub offerings: Vec<Document>,
}

/// Reads files and folders; Score workloads become Applications (one reader for both), and
/// Offering documents are set apart for the intents of the claims beside them.
pub fn load_inputs(registry: &KindRegistry, types: &ScoreTypes, paths: &[PathBuf]) -> Inputs {
    let loaded = Loader::new().load_paths(paths);
    let (offerings, documents): (Vec<Document>, Vec<Document>) = loaded
        .documents
        .into_iter()
        .partition(|d| d.top_str("kind") == Some(OFFERING_KIND));
    Inputs {
        problems: loaded.diagnostics,
        expansion: expand_score(documents, registry, types),
        offerings,
    }
}

/// Loads and validates claim files into checked objects that know the file and line they came
/// from (a denial names them); every problem of every file at once. What a Score workload
/// asks that this platform cannot serve is an error here; deprecated forms are warnings.
pub fn load_checked(
    registry: &KindRegistry,
    types: &ScoreTypes,
    paths: &[PathBuf],
) -> Result<Vec<Checked>, CliError> {
    Ok(load_claims(registry, types, paths)?.0)
}

/// [`load_checked`], also returning the Offering documents among the inputs.
pub fn load_claims(
    registry: &KindRegistry,
    types: &ScoreTypes,
    paths: &[PathBuf],
) -> Result<(Vec<Checked>, Vec<Document>), CliError> {
    let inputs = load_inputs(registry, types, paths);
    let expansion = inputs.expansion;
    for warning in &expansion.warnings {
        eprintln!("warning: {warning}");
    }
    let mut problems = inputs.problems;
    problems.extend(expansion.errors);
    problems.extend(expansion.unserved);
    let objects = match Validator::new(registry).checked(&expansion.documents) {
        Ok(objects) => objects,
        Err(report) => {
            problems.extend(report.diagnostics);
            Vec::new()
        }
    };
    // Files in input order, problems in line order within a file.
    problems.sort_by(|a, b| a.file.cmp(&b.file).then(a.location.cmp(&b.location)));
    if problems.is_empty() {
        Ok((objects, inputs.offerings))
    } else {
        Err(CliError::Input(problems))
    }
}
