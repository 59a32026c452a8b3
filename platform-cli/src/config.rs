//! `platform.yaml`: the settings of a platform. Unknown keys are errors with their location.

use std::path::{Path, PathBuf};

use platform_core::kinds::{KindRegistry, kinds_from_document};
use platform_core::load::{Diagnostic, Document, Loader, NodeValue, PathSegment, field_path};
use platform_core::model::DEFAULT_GROUP;

use crate::error::CliError;

/// The config file used when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG: &str = "platform.yaml";

const KNOWN_KEYS: &[&str] = &["apiGroup", "kinds"];

/// Settings read from `platform.yaml`, or the defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// API group of the built-in claim kinds.
    pub api_group: String,
    /// Files or folders of extra kind definitions, relative to the config's folder.
    pub kinds: Vec<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api_group: DEFAULT_GROUP.to_owned(),
            kinds: Vec::new(),
        }
    }
}

impl Config {
    /// Reads the config named by `--config`, else `./platform.yaml` when present, else defaults.
    pub fn discover(explicit: Option<&Path>) -> Result<Config, CliError> {
        match explicit {
            Some(path) => Config::read(path),
            None if Path::new(DEFAULT_CONFIG).is_file() => Config::read(Path::new(DEFAULT_CONFIG)),
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
        let mut config = Config::default();
        let mut problems = Vec::new();
        let mut problem =
            |path: &[PathSegment], at: platform_core::load::Location, message: String| {
                problems.push(Diagnostic::new(
                    doc.file.clone(),
                    at,
                    field_path(path),
                    message,
                ));
            };
        let NodeValue::Map(entries) = &doc.root.value else {
            problem(
                &[],
                doc.root.location,
                format!(
                    "expected a mapping of settings, found {}",
                    doc.root.type_name()
                ),
            );
            return Err(CliError::Config(problems));
        };
        for (key, value) in entries {
            let path = [PathSegment::Key(key.name.clone())];
            match key.name.as_str() {
                "apiGroup" => match value.as_str() {
                    Some(group) => {
                        match platform_core::model::names::check_dns1123_subdomain(group) {
                            Ok(()) => config.api_group = group.to_owned(),
                            Err(message) => problem(&path, value.location, message),
                        }
                    }
                    None => problem(
                        &path,
                        value.location,
                        format!("expected a string, found {}", value.type_name()),
                    ),
                },
                "kinds" => match &value.value {
                    NodeValue::Seq(items) => {
                        for (i, item) in items.iter().enumerate() {
                            match item.as_str() {
                                Some(p) => config.kinds.push(base.join(p)),
                                None => problem(
                                    &[path[0].clone(), PathSegment::Index(i)],
                                    item.location,
                                    format!(
                                        "expected a file or folder path, found {}",
                                        item.type_name()
                                    ),
                                ),
                            }
                        }
                    }
                    _ => problem(
                        &path,
                        value.location,
                        format!(
                            "expected a list of files or folders, found {}",
                            value.type_name()
                        ),
                    ),
                },
                other => problem(
                    &path,
                    key.location,
                    format!(
                        "unknown config key {other:?}; expected one of: {}",
                        KNOWN_KEYS.join(", ")
                    ),
                ),
            }
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(CliError::Config(problems))
        }
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
