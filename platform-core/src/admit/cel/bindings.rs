//! The variables of one evaluation (`object`, `oldObject`, `environment`, `request`), converted to
//! CEL values once per request object and shared by every policy that looks at it.

use cel::common::value::{CowVal, Val};
use cel::objects::{Key, Map};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::Arc;

use crate::admit::Operation;
use crate::model::DynamicObject;

/// The CEL variables of one request object.
#[derive(Debug)]
pub struct CelBindings {
    object: Box<dyn Val>,
    old_object: Box<dyn Val>,
    environment: Box<dyn Val>,
    request: Box<dyn Val>,
}

impl CelBindings {
    /// Converts an object, its stored version, the environment and the operation to CEL values.
    ///
    /// `metadata.labels` and `metadata.annotations` are always maps (empty when absent) and
    /// `metadata.namespace` is always set, so rules need no `has()` guard for them.
    pub fn new(
        operation: Operation,
        object: &DynamicObject,
        old_object: Option<&DynamicObject>,
        environment: &str,
        environment_data: &Json,
    ) -> Self {
        let environment = map([
            ("name", cel::Value::from(environment)),
            ("data", json_to_cel(environment_data)),
        ]);
        let request = map([("operation", cel::Value::from(operation.to_string()))]);
        CelBindings {
            object: to_val(object_to_cel(object)),
            old_object: to_val(old_object.map_or(cel::Value::Null, object_to_cel)),
            environment: to_val(environment),
            request: to_val(request),
        }
    }
}

impl cel::context::VariableResolver for CelBindings {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        let value = match variable {
            "object" => &self.object,
            "oldObject" => &self.old_object,
            "environment" => &self.environment,
            "request" => &self.request,
            _ => return None,
        };
        Some(CowVal::Borrowed(value.as_ref()))
    }
}

fn to_val(value: cel::Value) -> Box<dyn Val> {
    // Every value built here converts (no opaque or struct values); null is the safe fallback.
    value
        .try_into()
        .unwrap_or_else(|_| Box::new(cel::common::types::CelNull) as Box<dyn Val>)
}

fn map<const N: usize>(entries: [(&str, cel::Value); N]) -> cel::Value {
    let map: HashMap<Key, cel::Value> = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k.to_owned())), v))
        .collect();
    cel::Value::Map(Map { map: Arc::new(map) })
}

fn string_map<'a>(entries: impl Iterator<Item = (&'a String, &'a String)>) -> cel::Value {
    let map: HashMap<Key, cel::Value> = entries
        .map(|(k, v)| {
            (
                Key::String(Arc::new(k.clone())),
                cel::Value::from(v.as_str()),
            )
        })
        .collect();
    cel::Value::Map(Map { map: Arc::new(map) })
}

/// An object as CEL sees it: its JSON form, with labels, annotations and namespace always present.
fn object_to_cel(object: &DynamicObject) -> cel::Value {
    let meta = &object.metadata;
    let mut metadata: HashMap<Key, cel::Value> = HashMap::new();
    let mut put = |k: &str, v: cel::Value| {
        metadata.insert(Key::String(Arc::new(k.to_owned())), v);
    };
    put("name", cel::Value::from(meta.name.as_str()));
    put("namespace", cel::Value::from(meta.namespace()));
    put("labels", string_map(meta.labels.iter()));
    put("annotations", string_map(meta.annotations.iter()));
    if let Some(uid) = &meta.uid {
        put("uid", cel::Value::from(uid.as_str()));
    }
    if let Some(generation) = meta.generation {
        put("generation", cel::Value::Int(generation));
    }
    if let Some(version) = &meta.resource_version {
        put("resourceVersion", cel::Value::from(version.as_str()));
    }
    if let Some(t) = &meta.creation_timestamp {
        put("creationTimestamp", cel::Value::from(t.as_str()));
    }
    if let Some(t) = &meta.deletion_timestamp {
        put("deletionTimestamp", cel::Value::from(t.as_str()));
    }
    if !meta.finalizers.is_empty() {
        put(
            "finalizers",
            cel::Value::List(Arc::new(
                meta.finalizers
                    .iter()
                    .map(|f| cel::Value::from(f.as_str()))
                    .collect(),
            )),
        );
    }
    if !meta.owner_references.is_empty()
        && let Ok(json) = serde_json::to_value(&meta.owner_references)
    {
        put("ownerReferences", json_to_cel(&json));
    }
    let mut root: HashMap<Key, cel::Value> = HashMap::new();
    let mut put = |k: &str, v: cel::Value| {
        root.insert(Key::String(Arc::new(k.to_owned())), v);
    };
    put("apiVersion", cel::Value::from(object.api_version.as_str()));
    put("kind", cel::Value::from(object.kind.as_str()));
    put(
        "metadata",
        cel::Value::Map(Map {
            map: Arc::new(metadata),
        }),
    );
    put("spec", json_to_cel(&object.spec));
    if let Some(status) = &object.status {
        put("status", json_to_cel(status));
    }
    cel::Value::Map(Map {
        map: Arc::new(root),
    })
}

/// A JSON value as a CEL value: integers stay integers, other numbers become doubles.
pub(crate) fn json_to_cel(value: &Json) -> cel::Value {
    match value {
        Json::Null => cel::Value::Null,
        Json::Bool(b) => cel::Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => cel::Value::Int(i),
            (None, Some(u)) => cel::Value::UInt(u),
            _ => cel::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => cel::Value::from(s.as_str()),
        Json::Array(items) => cel::Value::List(Arc::new(items.iter().map(json_to_cel).collect())),
        Json::Object(entries) => {
            let map: HashMap<Key, cel::Value> = entries
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), json_to_cel(v)))
                .collect();
            cel::Value::Map(Map { map: Arc::new(map) })
        }
    }
}
