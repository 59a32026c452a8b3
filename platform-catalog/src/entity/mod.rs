//! Catalog entities: the envelope every kind shares, typed specs of the built-in kinds, and
//! entity references.

mod kinds;
mod reference;

pub use kinds::{
    ApiSpec, ComponentSpec, DomainSpec, GroupSpec, LocationSpec, Profile, ResourceSpec, SystemSpec,
    TemplateSpec, TypedEntity, UserSpec,
};
pub use reference::{EntityRef, RefError};

use std::collections::BTreeMap;
use std::sync::Arc;

use platform_core::load::Location;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The apiVersion of the built-in kinds (Backstage also accepts `backstage.io/v1beta1`).
pub const API_VERSION: &str = "backstage.io/v1alpha1";

/// The apiVersions Backstage's built-in kinds accept.
pub const API_VERSIONS: [&str; 2] = ["backstage.io/v1alpha1", "backstage.io/v1beta1"];

/// The apiVersion of scaffolder templates.
pub const TEMPLATE_API_VERSION: &str = "scaffolder.backstage.io/v1beta3";

/// The namespace of entities that name none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// A link shown with an entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Link {
    /// Where it points.
    pub url: String,
    /// Text shown for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// An icon name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// What kind of link it is.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
}

/// The metadata of an entity: name, namespace and the descriptive fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Metadata {
    /// Name, unique per kind and namespace (1–63 characters `[A-Za-z0-9]` with inner `-_.`).
    pub name: String,
    /// Namespace, a DNS label; `default` when absent.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Display title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the entity is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Labels (Kubernetes-style keys).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations (Kubernetes-style keys).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Tags such as `java` or `c++`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// Any other metadata field, kept as written.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

fn default_namespace() -> String {
    DEFAULT_NAMESPACE.to_owned()
}

impl Metadata {
    /// Metadata with only a name and namespace.
    pub fn named(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Metadata {
            name: name.into(),
            namespace: namespace.into(),
            title: None,
            description: None,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            tags: Vec::new(),
            links: Vec::new(),
            other: Map::new(),
        }
    }
}

/// Where an entity was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file.
    pub file: Arc<str>,
    /// Where the document starts.
    pub location: Location,
}

/// One catalog entity of any kind: the envelope with its spec kept as JSON. [`Entity::typed`]
/// gives the typed spec of a built-in kind; kinds the catalog does not know stay in this form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    /// `backstage.io/v1alpha1` for the built-in kinds.
    pub api_version: String,
    /// Kind, such as `Component`.
    pub kind: String,
    /// Name, namespace and descriptive fields.
    pub metadata: Metadata,
    /// The kind's fields.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub spec: Value,
    /// Where the entity was read from (not part of the entity).
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Option<Origin>,
}

impl Entity {
    /// An entity of a built-in kind with a name and a spec.
    pub fn new(kind: &str, namespace: &str, name: &str, spec: Value) -> Self {
        Entity {
            api_version: if kind == "Template" {
                TEMPLATE_API_VERSION
            } else {
                API_VERSION
            }
            .to_owned(),
            kind: kind.to_owned(),
            metadata: Metadata::named(namespace, name),
            spec,
            origin: None,
        }
    }

    /// The entity's own reference, canonical (lower-case).
    pub fn entity_ref(&self) -> EntityRef {
        EntityRef::new(&self.kind, &self.metadata.namespace, &self.metadata.name)
    }

    /// A string field of the spec.
    pub fn spec_str(&self, field: &str) -> Option<&str> {
        self.spec.get(field).and_then(Value::as_str)
    }

    /// The strings of a string or list-of-strings field of the spec (others are skipped).
    pub fn spec_strings(&self, field: &str) -> Vec<&str> {
        match self.spec.get(field) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The spec of a built-in kind, typed; [`TypedEntity::Other`] for any other kind or a
    /// spec that does not fit its kind.
    pub fn typed(&self) -> TypedEntity {
        TypedEntity::of(self)
    }

    /// The entity as JSON, without its origin.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}
