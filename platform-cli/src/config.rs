//! `platform.yaml`: the settings of a platform. Unknown keys are errors with their location.
//!
//! ```yaml
//! apiGroup: platform.company.io     # group of the built-in claim kinds
//! state: .platform/state.db         # the SQLite state file
//! defaultEnvironment: local
//! defaultNamespace: default         # the namespace of commands without -n
//! environments:
//!   local:
//!     providers:
//!       local: {root: .platform/local}
//!     compositions: {DatabaseClaim: local-database}   # default composition per kind
//!     config: {region: home}                          # the environment's data
//!     production: false             # true: applies changing an Application are deployments
//! compositions: [compositions/]     # added to the bundled compositions
//! kinds: [kinds/]
//! policies: [policies/]             # Policy, PriceList and Budget documents
//! guardrails: {requireOwner: {}}    # ready guardrails
//! controller: {pollInterval: 30s, concurrency: 16}   # `platformctl run`; its flags win
//! offerings: [offerings/]          # Offering documents that claims' spec.intent chooses from
//! metrics:                          # the journal and `metrics platform`
//!   retention: 400d                 # journal entries older than this are pruned; `forever`
//!   platform: {highAdoption: 0.7, repairMinutes: 30}   # thresholds and toil minutes
//! portal:                           # `platformctl serve`
//!   publicRead: false               # true: read-only pages need no token
//!   scaffoldDir: services/          # where "Create" writes new repositories
//! scoreTypes:                       # Score resource types served by a team's claim kinds
//!   mongodb: {kind: DocumentDbClaim, outputs: {host: outputs.host, password: secrets.password}}
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use platform_core::admit::{GuardrailError, GuardrailSettings, Guardrails};
use platform_core::kinds::score::{OutputSource, ScoreType, ScoreTypes};
use platform_core::kinds::{KindRegistry, kinds_from_document};
use platform_core::load::{
    Diagnostic, Document, Field, FieldReader, Key, Loader, Location, field_path,
};
use platform_core::model::DEFAULT_GROUP;

use crate::error::CliError;

/// The config file used when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG: &str = "platform.yaml";

/// The state file used when the config names none.
pub const DEFAULT_STATE: &str = ".platform/state.db";

/// The key file of a `postgres://` state, beside the config, when `PLATFORM_SECRET_KEY` is
/// unset.
pub const DEFAULT_STATE_KEY_FILE: &str = ".platform/state.key";

/// The environment used when the config names none.
pub const DEFAULT_ENVIRONMENT: &str = "local";

/// The namespace commands use without `-n` when the config names none (kubectl's default).
pub const DEFAULT_NAMESPACE: &str = "default";

/// The adapters this build of platformctl has (cargo features of platform-providers).
pub use platform_providers::connect::{ADAPTERS, ALL_ADAPTERS};

const KNOWN_KEYS: &[&str] = &[
    "apiGroup",
    "state",
    "defaultEnvironment",
    "defaultNamespace",
    "environments",
    "compositions",
    "kinds",
    "policies",
    "guardrails",
    "controller",
    "scoreTypes",
    "offerings",
    "metrics",
    "portal",
];
const PORTAL_KEYS: &[&str] = &["publicRead", "scaffoldDir"];
const METRICS_KEYS: &[&str] = &["retention", "platform"];
const SCORE_TYPE_KEYS: &[&str] = &["kind", "spec", "outputs"];
const CONTROLLER_KEYS: &[&str] = &["pollInterval", "concurrency"];
const ENVIRONMENT_KEYS: &[&str] = &["providers", "compositions", "config", "production"];

/// Settings read from `platform.yaml`, or the defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// API group of the built-in claim kinds.
    pub api_group: String,
    /// Files or folders of extra kind definitions, relative to the config's folder.
    pub kinds: Vec<PathBuf>,
    /// The state: a SQLite file path (resolved) or a URL.
    pub state: String,
    /// The key file that encrypts secrets of a `postgres://` state when `PLATFORM_SECRET_KEY`
    /// is unset: `.platform/state.key` beside the config.
    pub state_key_file: PathBuf,
    /// The environment used without `--env`.
    pub default_environment: String,
    /// The namespace `get`, `describe`, `outputs` and `delete` use without `-n`.
    pub default_namespace: String,
    /// Settings per environment.
    pub environments: BTreeMap<String, EnvironmentSettings>,
    /// Composition files or folders added to the bundled ones.
    pub compositions: Vec<PathBuf>,
    /// Files or folders of Policy, PriceList and Budget documents.
    pub policies: Vec<PathBuf>,
    /// The ready guardrails switched on.
    pub guardrails: Option<GuardrailSettings>,
    /// Settings of `platformctl run`.
    pub controller: ControllerSettings,
    /// The Score resource types served: the built-in ones plus the config's `scoreTypes`.
    pub score_types: ScoreTypes,
    /// Files or folders of Offering documents; the example offerings when empty.
    pub offerings: Vec<PathBuf>,
    /// The journal's retention and the settings of `metrics platform`.
    pub metrics: MetricsSettings,
    /// Settings of the portal (`platformctl serve`).
    pub portal: PortalSettings,
}

/// The `portal` block: who may read the portal and where it scaffolds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalSettings {
    /// Read-only pages open to anyone who reaches the portal (default: the token is needed).
    pub public_read: bool,
    /// Where "Create" writes new repositories, relative to the config's folder; scaffolding
    /// is off without it.
    pub scaffold_dir: Option<PathBuf>,
}

/// The `metrics` block: how long the journal keeps entries, and the thresholds and toil
/// minutes of the platform metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsSettings {
    /// Entries older than this are pruned as new ones are recorded; `None` keeps all.
    pub retention: Option<std::time::Duration>,
    /// Thresholds of the anti-metrics, toil minutes, when a repository is behind.
    pub platform: platform_metrics::platform::Settings,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        MetricsSettings {
            retention: Some(platform_core::engine::DEFAULT_JOURNAL_RETENTION),
            platform: Default::default(),
        }
    }
}

/// Settings of the controller loop (`platformctl run`); its flags override them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ControllerSettings {
    /// How often every claim is observed for drift.
    pub poll_interval: Option<std::time::Duration>,
    /// How many provider calls run at once.
    pub concurrency: Option<usize>,
}

/// How one environment provisions.
#[derive(Debug, Clone, Default)]
pub struct EnvironmentSettings {
    /// Adapters by name with their settings; empty means the local adapter with defaults.
    pub providers: BTreeMap<String, ProviderSettings>,
    /// Default composition per claim kind.
    pub compositions: BTreeMap<String, String>,
    /// The environment's data (the root of environment field paths), if given.
    pub config: Option<serde_json::Value>,
    /// Whether applies here are production deployments (recorded in the journal for the
    /// DORA metrics).
    pub production: bool,
}

/// Settings of one adapter as written (`${env:NAME}` is expanded when the adapter is built),
/// with where they were written, so a problem found later still points at the file.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// The settings mapping, such as `{url: postgres://...}`.
    pub settings: serde_json::Value,
    /// The folder relative paths in the settings are taken from (the config's folder).
    pub base: PathBuf,
    /// Where the settings are: file, line and column of the adapter's key, and its field path.
    pub at: (std::sync::Arc<str>, Location, String),
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api_group: DEFAULT_GROUP.to_owned(),
            kinds: Vec::new(),
            state: DEFAULT_STATE.to_owned(),
            state_key_file: PathBuf::from(DEFAULT_STATE_KEY_FILE),
            default_environment: DEFAULT_ENVIRONMENT.to_owned(),
            default_namespace: DEFAULT_NAMESPACE.to_owned(),
            environments: BTreeMap::new(),
            compositions: Vec::new(),
            policies: Vec::new(),
            guardrails: None,
            controller: ControllerSettings::default(),
            metrics: MetricsSettings::default(),
            portal: PortalSettings::default(),
            score_types: ScoreTypes::builtin(),
            offerings: Vec::new(),
        }
    }
}

/// The entries of a mapping of settings; an empty value (`environments:`) has none.
fn setting_entries<'n>(r: &mut FieldReader, field: &Field<'n>) -> Vec<(&'n Key, Field<'n>)> {
    if field.is_null() {
        return Vec::new();
    }
    r.entries(field).unwrap_or_default()
}

/// File or folder paths, relative to the config's folder.
fn paths(r: &mut FieldReader, field: &Field<'_>, base: &Path) -> Vec<PathBuf> {
    let Some(items) = field.items() else {
        r.expected(field, "a list of files or folders");
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match item.as_str() {
            Some(p) => out.push(base.join(p)),
            None => r.expected(&item, "a file or folder path"),
        }
    }
    out
}

/// Reports a key the config does not know, with the keys it does.
fn unknown(r: &mut FieldReader, key: &Key, field: &Field<'_>, known: &[&str]) {
    r.report(
        key.location,
        field.path(),
        format!(
            "unknown config key {:?}; expected one of: {}",
            key.name,
            known.join(", ")
        ),
    );
}

/// One `scoreTypes` entry: `{kind: MongoClaim, spec: {...}, outputs: {host: outputs.host,
/// password: secrets.password}}`.
fn score_type(r: &mut FieldReader, field: &Field<'_>) -> Option<ScoreType> {
    let mut kind = None;
    let mut spec = serde_json::Map::new();
    let mut outputs = BTreeMap::new();
    for (key, setting) in setting_entries(r, field) {
        match key.name.as_str() {
            "kind" => kind = r.non_empty_string(&setting),
            "spec" => match setting.to_json() {
                serde_json::Value::Object(fields) => spec = fields,
                _ => r.expected(&setting, "a mapping of the claim's spec fields"),
            },
            "outputs" => {
                for (name, source) in setting_entries(r, &setting) {
                    let Some(text) = r.string(&source) else {
                        continue;
                    };
                    match text.split_once('.') {
                        Some(("outputs", k)) if !k.is_empty() => {
                            outputs.insert(name.name.clone(), OutputSource::output(k));
                        }
                        Some(("secrets", k)) if !k.is_empty() => {
                            outputs.insert(name.name.clone(), OutputSource::secret(k));
                        }
                        _ => r.fail(
                            &source,
                            format!("expected outputs.<key> or secrets.<key>, found {text:?}"),
                        ),
                    }
                }
            }
            _ => unknown(r, key, &setting, SCORE_TYPE_KEYS),
        }
    }
    let Some(kind) = kind else {
        r.fail(
            field,
            "required key \"kind\" (the claim kind serving the type) is missing",
        );
        return None;
    };
    let mut served = ScoreType::new(&kind);
    served.spec = spec;
    served.outputs = outputs;
    Some(served)
}

impl Config {
    /// Reads the config named by `--config`, else `./platform.yaml` when present, else defaults.
    ///
    /// A `platform.yaml` that exists but is not a regular file (a folder, a FIFO) is an error
    /// saying what it is, never silently skipped nor waited on.
    pub fn discover(explicit: Option<&Path>) -> Result<Config, CliError> {
        match explicit {
            Some(path) if !path.exists() => Err(CliError::Usage {
                message: format!("config file {} does not exist", path.display()),
                hint: Some("run `platformctl init` to write a starter platform.yaml".into()),
            }),
            Some(path) => Config::read(path),
            None if Path::new(DEFAULT_CONFIG).exists() => Config::read(Path::new(DEFAULT_CONFIG)),
            None => Ok(Config::default()),
        }
    }

    /// Reads a config file.
    pub fn read(path: &Path) -> Result<Config, CliError> {
        let loaded = Loader::new().load_file(path);
        if !loaded.diagnostics.is_empty() {
            return Err(CliError::Config(loaded.diagnostics));
        }
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        match loaded.documents.as_slice() {
            [] => Ok(Config::default()),
            [doc] => Config::from_document(doc, &base),
            [_, second, ..] => Err(CliError::Config(vec![Diagnostic::new(
                second.file.clone(),
                second.root.location,
                "",
                "expected one document in the config file, found several",
            )])),
        }
    }

    fn from_document(doc: &Document, base: &Path) -> Result<Config, CliError> {
        let mut config = Config {
            state: base.join(DEFAULT_STATE).to_string_lossy().into_owned(),
            state_key_file: base.join(DEFAULT_STATE_KEY_FILE),
            ..Config::default()
        };
        let mut r = FieldReader::new(doc.file.clone());
        let root = Field::root(&doc.root);
        let Some(entries) = root.entries() else {
            r.expected(&root, "a mapping of settings");
            return Err(CliError::Config(r.into_problems()));
        };
        for (k, value) in entries {
            match k.name.as_str() {
                "apiGroup" => {
                    if let Some(group) = r.string(&value) {
                        match platform_core::model::names::check_dns1123_subdomain(&group) {
                            Ok(()) => config.api_group = group,
                            Err(message) => r.fail(&value, message),
                        }
                    }
                }
                "state" => {
                    if let Some(state) = r.string(&value) {
                        config.state = if state.contains("://") {
                            state
                        } else {
                            base.join(state).to_string_lossy().into_owned()
                        };
                    }
                }
                "defaultEnvironment" => {
                    if let Some(env) = r.string(&value) {
                        config.default_environment = env;
                    }
                }
                "defaultNamespace" => {
                    if let Some(namespace) = r.string(&value) {
                        match platform_core::model::names::check_dns1123_label(&namespace) {
                            Ok(()) => config.default_namespace = namespace,
                            Err(message) => r.fail(&value, message),
                        }
                    }
                }
                "kinds" => config.kinds = paths(&mut r, &value, base),
                "compositions" => config.compositions = paths(&mut r, &value, base),
                "policies" => config.policies = paths(&mut r, &value, base),
                "offerings" => config.offerings = paths(&mut r, &value, base),
                "guardrails" => match serde_json::from_value(value.to_json()) {
                    Ok(settings) => config.guardrails = Some(settings),
                    Err(e) => r.fail(&value, e.to_string()),
                },
                "environments" => {
                    for (name, settings) in setting_entries(&mut r, &value) {
                        let env = environment(&mut r, &settings, base);
                        config.environments.insert(name.name.clone(), env);
                    }
                }
                "metrics" => {
                    for (key, setting) in setting_entries(&mut r, &value) {
                        match key.name.as_str() {
                            "retention" => match r.string(&setting).as_deref() {
                                Some("forever") => config.metrics.retention = None,
                                Some(text) => match crate::commands::apply::parse_duration(text) {
                                    Ok(d) if !d.is_zero() => config.metrics.retention = Some(d),
                                    Ok(_) => r.fail(
                                        &setting,
                                        "expected a duration above zero or `forever`, found 0",
                                    ),
                                    Err(message) => r.fail(&setting, message),
                                },
                                None => {}
                            },
                            "platform" => match serde_json::from_value(setting.to_json()) {
                                Ok(settings) => config.metrics.platform = settings,
                                Err(e) => r.fail(&setting, e.to_string()),
                            },
                            _ => unknown(&mut r, key, &setting, METRICS_KEYS),
                        }
                    }
                }
                "portal" => {
                    for (key, setting) in setting_entries(&mut r, &value) {
                        match key.name.as_str() {
                            "publicRead" => match setting.to_json().as_bool() {
                                Some(open) => config.portal.public_read = open,
                                None => r.expected_value(&setting, "true or false"),
                            },
                            "scaffoldDir" => {
                                if let Some(text) = r.string(&setting) {
                                    config.portal.scaffold_dir = Some(base.join(text));
                                }
                            }
                            _ => unknown(&mut r, key, &setting, PORTAL_KEYS),
                        }
                    }
                }
                "controller" => {
                    for (key, setting) in setting_entries(&mut r, &value) {
                        match key.name.as_str() {
                            "pollInterval" => {
                                if let Some(text) = r.string(&setting) {
                                    match crate::commands::apply::parse_duration(&text) {
                                        Ok(d) if !d.is_zero() => {
                                            config.controller.poll_interval = Some(d)
                                        }
                                        Ok(_) => r.fail(
                                            &setting,
                                            "expected a duration above zero, found 0",
                                        ),
                                        Err(message) => r.fail(&setting, message),
                                    }
                                }
                            }
                            "concurrency" => match setting.to_json().as_u64() {
                                Some(n @ 1..=1024) => {
                                    config.controller.concurrency = Some(n as usize)
                                }
                                _ => r.expected_value(&setting, "a whole number from 1 to 1024"),
                            },
                            _ => unknown(&mut r, key, &setting, CONTROLLER_KEYS),
                        }
                    }
                }
                "scoreTypes" => {
                    for (name, setting) in setting_entries(&mut r, &value) {
                        if let Some(served) = score_type(&mut r, &setting) {
                            config.score_types.insert(&name.name, served);
                        }
                    }
                }
                _ => unknown(&mut r, k, &value, KNOWN_KEYS),
            }
        }
        r.finish(config).map_err(CliError::Config)
    }

    /// The namespace a command works in: `-n` when given, else the config's default.
    pub fn namespace(&self, flag: Option<&str>) -> String {
        flag.unwrap_or(&self.default_namespace).to_owned()
    }

    /// The settings of an environment: the named one, else the default environment.
    pub fn environment(
        &self,
        name: Option<&str>,
    ) -> Result<(String, EnvironmentSettings), CliError> {
        let name = name.unwrap_or(&self.default_environment);
        match self.environments.get(name) {
            Some(settings) => Ok((name.to_owned(), settings.clone())),
            None if self.environments.is_empty() && name == DEFAULT_ENVIRONMENT => {
                Ok((name.to_owned(), EnvironmentSettings::default()))
            }
            None => Err(CliError::Usage {
                message: format!("environment {name:?} is not configured"),
                hint: Some(if self.environments.is_empty() {
                    format!(
                        "without `environments` in the config only {DEFAULT_ENVIRONMENT:?} exists"
                    )
                } else {
                    format!(
                        "configured environments: {}",
                        self.environments
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
            }),
        }
    }

    /// The guardrails this config describes (`policies` and `guardrails`); `None` when it has none.
    pub fn policy_engine(&self) -> Result<Option<Guardrails>, CliError> {
        if self.policies.is_empty() && self.guardrails.is_none() {
            return Ok(None);
        }
        let mut engine = Guardrails::new();
        let fail = |e: GuardrailError| match e {
            GuardrailError::Invalid(problems) => CliError::Config(problems),
            other => CliError::Usage {
                message: other.to_string(),
                hint: None,
            },
        };
        if let Some(settings) = &self.guardrails {
            engine.add_guardrails(settings).map_err(fail)?;
        }
        if !self.policies.is_empty() {
            engine.load_paths(&self.policies).map_err(fail)?;
        }
        Ok(Some(engine))
    }

    /// The kind registry this config describes: built-in kinds in `apiGroup`, plus `kinds` files.
    pub fn registry(&self) -> Result<KindRegistry, CliError> {
        let mut registry = KindRegistry::with_claim_group(&self.api_group);
        if self.kinds.is_empty() {
            return Ok(registry);
        }
        let loaded = Loader::new().load_paths(&self.kinds);
        let mut problems = loaded.diagnostics;
        for doc in &loaded.documents {
            match kinds_from_document(doc) {
                Ok(defs) if defs.is_empty() => problems.push(Diagnostic::new(
                    doc.file.clone(),
                    doc.root.location,
                    "",
                    "expected a kind definition (a CustomResourceDefinition, a CompositeResourceDefinition, or a JSON Schema with x-platform-kind), found none",
                )),
                Ok(defs) => {
                    for def in defs {
                        if let Err(e) = registry.register(def) {
                            problems.push(Diagnostic::new(doc.file.clone(), doc.root.location, "", e.to_string()));
                        }
                    }
                }
                Err(e) => problems.extend(e.0),
            }
        }
        if problems.is_empty() {
            Ok(registry)
        } else {
            Err(CliError::Config(problems))
        }
    }
}

fn environment(r: &mut FieldReader, field: &Field<'_>, base: &Path) -> EnvironmentSettings {
    let mut env = EnvironmentSettings::default();
    for (k, value) in setting_entries(r, field) {
        match k.name.as_str() {
            "providers" => {
                for (adapter, settings) in setting_entries(r, &value) {
                    if let Some(message) = missing_adapter(&adapter.name, ADAPTERS) {
                        r.report(adapter.location, settings.path(), message);
                        continue;
                    }
                    let provider = ProviderSettings {
                        settings: settings.to_json(),
                        base: base.to_path_buf(),
                        at: (
                            r.file().clone(),
                            adapter.location,
                            field_path(settings.path()),
                        ),
                    };
                    env.providers.insert(adapter.name.clone(), provider);
                }
            }
            "compositions" => {
                for (kind, name) in setting_entries(r, &value) {
                    if let Some(name) = r.string(&name) {
                        env.compositions.insert(kind.name.clone(), name);
                    }
                }
            }
            "config" => env.config = Some(value.to_json()),
            "production" => env.production = r.boolean(&value).unwrap_or(false),
            _ => unknown(r, k, &value, ENVIRONMENT_KEYS),
        }
    }
    env
}

/// Why a config cannot use the adapter `name` in a build whose adapters are `built`; `None`
/// when it can. An adapter that exists but was left out of the build says how to get it.
fn missing_adapter(name: &str, built: &[&str]) -> Option<String> {
    if built.contains(&name) {
        None
    } else if ALL_ADAPTERS.contains(&name) {
        Some(format!(
            "the {name} adapter is not in this build of platformctl (adapters here: {}); build it with `--features full`",
            built.join(", ")
        ))
    } else {
        Some(format!(
            "no adapter named {name:?} exists; available adapters: {}",
            built.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adapter_left_out_of_the_build_says_how_to_get_it() {
        // The default build: tests run with `--all-features`, so the list is given here.
        let built = &["local"];
        assert_eq!(
            missing_adapter("nats", built).as_deref(),
            Some(
                "the nats adapter is not in this build of platformctl (adapters here: local); build it with `--features full`"
            )
        );
        assert_eq!(missing_adapter("local", built), None);
        assert_eq!(
            missing_adapter("natz", built).as_deref(),
            Some("no adapter named \"natz\" exists; available adapters: local")
        );
        assert_eq!(missing_adapter("nats", &["local", "nats"]), None);
    }
}
