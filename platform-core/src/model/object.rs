use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;

use super::{ApiVersion, DEFAULT_GROUP, DEFAULT_VERSION, ObjectMeta};

/// An object of the resource model: type information, metadata, desired spec and observed status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Object<Spec, Status> {
    /// `group/version` of the object's kind.
    pub api_version: String,
    /// Kind name.
    pub kind: String,
    /// Name, namespace, labels and the rest of the metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The desired state.
    pub spec: Spec,
    /// The observed state, filled by the engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// An object whose kind is only known at run time: spec and status are untyped JSON.
pub type DynamicObject = Object<serde_json::Value, serde_json::Value>;

/// A spec type that defines a kind in Rust; its schema comes from `schemars`.
pub trait TypedKind:
    Serialize + DeserializeOwned + JsonSchema + Clone + Send + Sync + 'static
{
    /// Kind name, such as `DatabaseClaim`.
    const KIND: &'static str;
    /// Lowercase plural used in CRD names, such as `databaseclaims`.
    const PLURAL: &'static str;
    /// API version within the group.
    const VERSION: &'static str = DEFAULT_VERSION;
    /// Group used when the registry does not configure another one.
    const DEFAULT_GROUP: &'static str = DEFAULT_GROUP;
}

impl<Spec: TypedKind, Status> Object<Spec, Status> {
    /// A new object of a typed kind in its default group, with a name and spec.
    pub fn new(name: impl Into<String>, spec: Spec) -> Self {
        Object {
            api_version: format!("{}/{}", Spec::DEFAULT_GROUP, Spec::VERSION),
            kind: Spec::KIND.to_owned(),
            metadata: ObjectMeta::named(name),
            spec,
            status: None,
        }
    }
}

impl<Spec, Status> Object<Spec, Status> {
    /// Sets the namespace, returning the object.
    pub fn in_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.metadata.namespace = Some(namespace.into());
        self
    }

    /// Sets the API group, keeping the version, returning the object.
    pub fn with_group(mut self, group: &str) -> Self {
        let version = ApiVersion::parse(&self.api_version).version;
        self.api_version = format!("{group}/{version}");
        self
    }
}

impl<Spec: Serialize, Status: Serialize> Object<Spec, Status> {
    /// Converts to an untyped object.
    pub fn to_dynamic(&self) -> Result<DynamicObject, serde_json::Error> {
        Ok(DynamicObject {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            metadata: self.metadata.clone(),
            spec: serde_json::to_value(&self.spec)?,
            status: self.status.as_ref().map(serde_json::to_value).transpose()?,
        })
    }
}

impl DynamicObject {
    /// The spec read as a typed kind's spec, without copying it first.
    ///
    /// ```
    /// use platform_core::kinds::{ApplicationSpec, Application};
    /// use platform_core::model::DynamicObject;
    /// let app: DynamicObject = serde_json::from_str(r#"{"apiVersion": "platform.dev/v1alpha1",
    ///   "kind": "Application", "metadata": {"name": "shop"},
    ///   "spec": {"containers": [{"name": "web", "image": "nginx"}],
    ///            "resources": {"db": {"kind": "DatabaseClaim"}}}}"#).unwrap();
    /// let spec: ApplicationSpec = app.spec_as().unwrap();
    /// assert_eq!(spec.resources["db"].kind, "DatabaseClaim");
    /// ```
    pub fn spec_as<Spec: DeserializeOwned>(&self) -> Result<Spec, serde_json::Error> {
        Spec::deserialize(&self.spec)
    }

    /// Converts to a typed object; spec defaults of the type are applied.
    pub fn to_typed<Spec: DeserializeOwned, Status: DeserializeOwned>(
        &self,
    ) -> Result<Object<Spec, Status>, serde_json::Error> {
        Ok(Object {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            metadata: self.metadata.clone(),
            spec: serde_json::from_value(self.spec.clone())?,
            status: match &self.status {
                Some(status) if !status.is_null() => Some(serde_json::from_value(status.clone())?),
                _ => None,
            },
        })
    }
}

/// Access to the parts every object has, typed or dynamic.
pub trait Resource {
    /// `group/version` of the object's kind.
    fn api_version(&self) -> &str;
    /// Kind name.
    fn kind(&self) -> &str;
    /// Metadata.
    fn meta(&self) -> &ObjectMeta;
    /// Mutable metadata.
    fn meta_mut(&mut self) -> &mut ObjectMeta;

    /// Name of the object.
    fn name(&self) -> &str {
        &self.meta().name
    }

    /// Namespace of the object, `default` when none is set.
    fn namespace(&self) -> &str {
        self.meta().namespace()
    }

    /// A reference naming this object.
    fn object_ref(&self) -> ObjectRef {
        ObjectRef::new(self.kind(), self.namespace(), self.name())
            .in_group(super::ApiVersion::parse(self.api_version()).group)
    }
}

impl<Spec, Status> Resource for Object<Spec, Status> {
    fn api_version(&self) -> &str {
        &self.api_version
    }
    fn kind(&self) -> &str {
        &self.kind
    }
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// Names one object: group, kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectRef {
    /// API group of the kind (two groups may both have a `Database` kind).
    #[serde(default)]
    pub group: String,
    /// Kind name.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjectRef {
    /// A reference from its parts.
    pub fn new(
        kind: impl Into<String>,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        ObjectRef {
            group: String::new(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// Sets the API group, returning the reference.
    pub fn in_group(mut self, group: impl Into<String>) -> Self {
        self.group = group.into();
        self
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}
