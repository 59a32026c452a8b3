//! Typed specs of the built-in kinds, for code that works with one kind.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Entity;

/// A piece of software: a service, website or library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComponentSpec {
    /// Such as `service`, `website` or `library`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Such as `experimental`, `production` or `deprecated`.
    pub lifecycle: String,
    /// Owner reference (default kind Group).
    pub owner: String,
    /// System reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Parent component reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subcomponent_of: Option<String>,
    /// APIs provided (default kind API).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provides_apis: Vec<String>,
    /// APIs consumed (default kind API).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumes_apis: Vec<String>,
    /// Dependencies (a kind is required in each reference).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Dependents (a kind is required in each reference).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependency_of: Vec<String>,
}

/// An interface a component provides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApiSpec {
    /// Such as `openapi`, `asyncapi`, `graphql` or `grpc`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Lifecycle stage.
    pub lifecycle: String,
    /// Owner reference.
    pub owner: String,
    /// System reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The definition text.
    pub definition: String,
}

/// Infrastructure a component needs at run time: a database, a bucket, a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSpec {
    /// Such as `database` or `s3-bucket`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Owner reference.
    pub owner: String,
    /// Dependencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Dependents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependency_of: Vec<String>,
    /// System reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
}

/// A collection of entities that cooperate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SystemSpec {
    /// Owner reference.
    pub owner: String,
    /// Domain reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Free-form type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
}

/// A business area grouping systems.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DomainSpec {
    /// Owner reference.
    pub owner: String,
    /// Parent domain reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain_of: Option<String>,
    /// Free-form type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
}

/// How a group or user is shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

/// A team or organisational unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GroupSpec {
    /// Such as `team` or `business-unit`.
    #[serde(rename = "type")]
    pub type_: String,
    /// How it is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// Parent group reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Child group references.
    pub children: Vec<String>,
    /// Member user references.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
}

/// A person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserSpec {
    /// How they are shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// Group references.
    pub member_of: Vec<String>,
}

/// A pointer to more catalog files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LocationSpec {
    /// Such as `url` or `file`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// One target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Several targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// `required` or `optional`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<String>,
}

/// A scaffolder template (`scaffolder.backstage.io/v1beta3`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TemplateSpec {
    /// What it creates, such as `service`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Owner reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The form, as JSON Schema pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// The actions run.
    pub steps: Vec<Value>,
    /// What is shown when done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
}

/// An entity's spec by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedEntity {
    /// A Component.
    Component(ComponentSpec),
    /// An API.
    Api(ApiSpec),
    /// A Resource.
    Resource(ResourceSpec),
    /// A System.
    System(SystemSpec),
    /// A Domain.
    Domain(DomainSpec),
    /// A Group.
    Group(GroupSpec),
    /// A User.
    User(UserSpec),
    /// A Location.
    Location(LocationSpec),
    /// A Template.
    Template(TemplateSpec),
    /// Any other kind, or a spec that does not fit its kind: the spec as written.
    Other(Value),
}

impl TypedEntity {
    /// The typed spec of an entity.
    pub fn of(entity: &Entity) -> TypedEntity {
        fn typed<T: serde::de::DeserializeOwned>(
            spec: &Value,
            wrap: fn(T) -> TypedEntity,
        ) -> TypedEntity {
            serde_json::from_value::<T>(spec.clone())
                .map(wrap)
                .unwrap_or_else(|_| TypedEntity::Other(spec.clone()))
        }
        let spec = &entity.spec;
        match entity.kind.as_str() {
            "Component" => typed(spec, TypedEntity::Component),
            "API" => typed(spec, TypedEntity::Api),
            "Resource" => typed(spec, TypedEntity::Resource),
            "System" => typed(spec, TypedEntity::System),
            "Domain" => typed(spec, TypedEntity::Domain),
            "Group" => typed(spec, TypedEntity::Group),
            "User" => typed(spec, TypedEntity::User),
            "Location" => typed(spec, TypedEntity::Location),
            "Template" => typed(spec, TypedEntity::Template),
            _ => TypedEntity::Other(spec.clone()),
        }
    }
}
