//! `_external_data`: YAML files of the destination a template reads, as copier exposes them:
//! `_external_data.NAME` is the file whose path (a template, relative to the destination) the
//! setting gives for NAME, read only when a template uses it; a missing file is an empty
//! mapping.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::{Environment, Error, ErrorKind, Value};

/// What `_external_data` names: each name's path template, and the destination they are under.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExternalDataSpec {
    /// The destination folder.
    pub dest: PathBuf,
    /// Each name's path, a template relative to the destination, in declaration order.
    pub paths: Vec<(String, String)>,
}

/// `_external_data` in one render: each file read on first use, with the render's context for
/// its path.
#[derive(Debug)]
pub(crate) struct ExternalData {
    spec: Arc<ExternalDataSpec>,
    env: Arc<Environment<'static>>,
    context: Value,
    loaded: Mutex<BTreeMap<String, Value>>,
}

impl ExternalData {
    /// The object templates see as `_external_data`.
    pub(crate) fn value(
        spec: Arc<ExternalDataSpec>,
        env: Arc<Environment<'static>>,
        context: Value,
    ) -> Value {
        Value::from_object(ExternalData {
            spec,
            env,
            context,
            loaded: Mutex::new(BTreeMap::new()),
        })
    }

    fn load(&self, name: &str, path: &str) -> Value {
        let file = format!("copier.yml (_external_data.{name})");
        let relative = match self.env.render_named_str(&file, path, self.context.clone()) {
            Ok(relative) => relative,
            Err(err) => return Value::from(err),
        };
        let full = self.spec.dest.join(relative.trim());
        let text = match std::fs::read_to_string(&full) {
            Ok(text) => text,
            // As copier: a file not there (or a folder, as an empty path gives) is no data.
            Err(_) => return Value::from(minijinja::value::Serde(serde_json::Map::new())),
        };
        if text.trim().is_empty() {
            return Value::from(minijinja::value::Serde(serde_json::Map::new()));
        }
        match serde_saphyr::from_str::<serde_json::Value>(&text) {
            Ok(data) => Value::from(minijinja::value::Serde(&data)),
            Err(err) => Value::from(Error::new(
                ErrorKind::InvalidOperation,
                format!("_external_data.{name}: {}: {err}", full.display()),
            )),
        }
    }
}

impl Object for ExternalData {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        let (_, path) = self.spec.paths.iter().find(|(n, _)| n == name)?;
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(value) = loaded.get(name) {
            return Some(value.clone());
        }
        let value = self.load(name, path);
        loaded.insert(name.to_owned(), value.clone());
        Some(value)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.spec
                .paths
                .iter()
                .map(|(name, _)| Value::from(name.as_str()))
                .collect(),
        )
    }
}
