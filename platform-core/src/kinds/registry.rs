//! The kind registry: every kind the platform knows, typed or defined from a schema file.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::{ApplicationSpec, BucketClaimSpec, CacheClaimSpec, DatabaseClaimSpec, QueueClaimSpec};
use crate::model::{DEFAULT_GROUP, GroupVersionKind, TypedKind};
use crate::schema::{self, CompiledSchema, FieldIssue, SchemaError};

/// A rule beyond the JSON Schema: it sees the whole object (as JSON) and the registry.
pub type SemanticCheck = Arc<dyn Fn(&Value, &KindRegistry, &mut Vec<FieldIssue>) + Send + Sync>;

/// Where a kind came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindOrigin {
    /// One of the SDK's built-in claim kinds.
    BuiltIn,
    /// A Rust type registered by the embedding program.
    Typed,
    /// A schema file, named by path.
    File(String),
}

impl fmt::Display for KindOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KindOrigin::BuiltIn => f.write_str("built-in"),
            KindOrigin::Typed => f.write_str("typed"),
            KindOrigin::File(path) => f.write_str(path),
        }
    }
}

/// Everything known about one kind: identity, schema, compiled validators and semantic checks.
#[derive(Clone)]
pub struct KindDefinition {
    /// Group, version and kind.
    pub gvk: GroupVersionKind,
    /// Lowercase plural, used in CRD names.
    pub plural: String,
    /// What the kind is for.
    pub description: String,
    /// Where the kind came from.
    pub origin: KindOrigin,
    /// Whether an Application may request it under `spec.resources`.
    pub claim: bool,
    schema: Arc<CompiledSchema>,
    checks: Vec<SemanticCheck>,
}

impl fmt::Debug for KindDefinition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KindDefinition")
            .field("gvk", &self.gvk)
            .field("plural", &self.plural)
            .field("origin", &self.origin)
            .field("claim", &self.claim)
            .finish_non_exhaustive()
    }
}

impl KindDefinition {
    /// Defines a kind from the JSON Schema of its spec.
    pub fn from_spec_schema(
        gvk: GroupVersionKind,
        plural: impl Into<String>,
        spec_schema: Value,
        origin: KindOrigin,
    ) -> Result<Self, RegistryError> {
        let description = spec_schema
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let compiled =
            CompiledSchema::new(&gvk, spec_schema).map_err(|source| RegistryError::Schema {
                kind: gvk.kind.clone(),
                source,
            })?;
        Ok(KindDefinition {
            gvk,
            plural: plural.into(),
            description,
            origin,
            claim: true,
            schema: Arc::new(compiled),
            checks: Vec::new(),
        })
    }

    /// Defines a kind from a Rust spec type.
    pub fn typed<S: TypedKind>(group: &str) -> Result<Self, RegistryError> {
        let mut spec_schema = schemars::schema_for!(S).to_value();
        schema::simplify_enums(&mut spec_schema);
        let gvk = GroupVersionKind::new(group, S::VERSION, S::KIND);
        KindDefinition::from_spec_schema(gvk, S::PLURAL, spec_schema, KindOrigin::Typed)
    }

    /// Adds a semantic check run after the schema passes.
    pub fn with_check(mut self, check: SemanticCheck) -> Self {
        self.checks.push(check);
        self
    }

    /// Marks whether an Application may request this kind.
    pub fn claimable(mut self, claim: bool) -> Self {
        self.claim = claim;
        self
    }

    /// The compiled schemas of this kind.
    pub fn schema(&self) -> &CompiledSchema {
        &self.schema
    }

    /// The semantic checks of this kind.
    pub fn checks(&self) -> &[SemanticCheck] {
        &self.checks
    }

    /// The JSON Schema (draft 2020-12) of whole objects of this kind.
    pub fn json_schema(&self) -> &Value {
        self.schema.object_schema()
    }
}

/// Why a kind could not be registered or found.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The kind's schema does not compile.
    #[error("kind {kind}: {source}")]
    Schema {
        /// The kind.
        kind: String,
        /// What is wrong with the schema.
        #[source]
        source: SchemaError,
    },
    /// The same kind is already registered in the same group.
    #[error("kind {kind} of group {group} is already registered (from {existing})")]
    Duplicate {
        /// The kind.
        kind: String,
        /// Its group.
        group: String,
        /// Where the first registration came from.
        existing: KindOrigin,
    },
    /// No kind of this name is registered.
    #[error("unknown kind {kind:?}; registered kinds: {known}")]
    UnknownKind {
        /// The kind asked for.
        kind: String,
        /// The registered kind names, comma separated.
        known: String,
    },
    /// The kind exists, but not under this apiVersion.
    #[error("unknown apiVersion {found:?} for kind {kind}; expected {expected}")]
    UnknownApiVersion {
        /// The kind.
        kind: String,
        /// The apiVersion given.
        found: String,
        /// The apiVersions the kind is served under, comma separated.
        expected: String,
    },
}

/// The kinds the platform knows, by group and kind.
#[derive(Clone, Default)]
pub struct KindRegistry {
    claim_group: String,
    kinds: BTreeMap<(String, String), KindDefinition>,
}

impl fmt::Debug for KindRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KindRegistry")
            .field("claim_group", &self.claim_group)
            .field(
                "kinds",
                &self
                    .kinds
                    .values()
                    .map(|k| k.gvk.to_string())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl KindRegistry {
    /// An empty registry whose built-in claim group is `platform.dev`.
    pub fn empty() -> Self {
        KindRegistry {
            claim_group: DEFAULT_GROUP.to_owned(),
            kinds: BTreeMap::new(),
        }
    }

    /// A registry with the built-in claim kinds in the default group `platform.dev`.
    pub fn builtin() -> Self {
        KindRegistry::with_claim_group(DEFAULT_GROUP)
    }

    /// A registry with the built-in claim kinds in the given API group.
    pub fn with_claim_group(group: &str) -> Self {
        let mut registry = KindRegistry {
            claim_group: group.to_owned(),
            kinds: BTreeMap::new(),
        };
        let builtin = [
            KindDefinition::typed::<DatabaseClaimSpec>(group)
                .map(|k| k.with_check(Arc::new(super::intent::check_size_or_intent))),
            KindDefinition::typed::<CacheClaimSpec>(group)
                .map(|k| k.with_check(Arc::new(super::intent::check_size_or_intent))),
            KindDefinition::typed::<QueueClaimSpec>(group)
                .map(|k| k.with_check(Arc::new(super::intent::check_size_or_intent))),
            KindDefinition::typed::<BucketClaimSpec>(group),
            KindDefinition::typed::<ApplicationSpec>(group).map(|k| {
                k.claimable(false)
                    .with_check(Arc::new(super::application::check::check_application))
            }),
        ];
        // The built-in schemas are part of this crate and covered by its tests.
        for mut def in builtin.into_iter().flatten() {
            def.origin = KindOrigin::BuiltIn;
            registry
                .kinds
                .insert((def.gvk.group.clone(), def.gvk.kind.clone()), def);
        }
        registry
    }

    /// The API group of the built-in claim kinds.
    pub fn claim_group(&self) -> &str {
        &self.claim_group
    }

    /// Registers a kind; the same kind twice in one group is an error.
    pub fn register(&mut self, def: KindDefinition) -> Result<(), RegistryError> {
        let key = (def.gvk.group.clone(), def.gvk.kind.clone());
        if let Some(existing) = self.kinds.get(&key) {
            return Err(RegistryError::Duplicate {
                kind: def.gvk.kind,
                group: def.gvk.group,
                existing: existing.origin.clone(),
            });
        }
        self.kinds.insert(key, def);
        Ok(())
    }

    /// Registers a typed kind in the built-in claim group.
    pub fn register_typed<S: TypedKind>(&mut self) -> Result<(), RegistryError> {
        let def = KindDefinition::typed::<S>(&self.claim_group.clone())?;
        self.register(def)
    }

    /// Every registered kind, by group then kind.
    pub fn kinds(&self) -> impl Iterator<Item = &KindDefinition> {
        self.kinds.values()
    }

    /// The kinds of a name, in every group.
    pub fn by_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a KindDefinition> + 'a {
        self.kinds.values().filter(move |d| d.gvk.kind == kind)
    }

    /// Finds a kind by name alone: an error when unknown, the first group's when several.
    pub fn find_kind(&self, kind: &str) -> Result<&KindDefinition, RegistryError> {
        self.kinds
            .values()
            .filter(|d| d.gvk.kind == kind)
            .min_by_key(|d| d.gvk.group != self.claim_group)
            .ok_or_else(|| self.unknown_kind(kind))
    }

    /// Resolves an apiVersion and kind to its definition.
    pub fn resolve(&self, api_version: &str, kind: &str) -> Result<&KindDefinition, RegistryError> {
        let wanted = crate::model::ApiVersion::parse(api_version);
        if let Some(def) = self.kinds.get(&(wanted.group.clone(), kind.to_owned()))
            && def.gvk.version == wanted.version
        {
            return Ok(def);
        }
        let served: Vec<String> = self.by_kind(kind).map(|d| d.gvk.api_version()).collect();
        if served.is_empty() {
            return Err(self.unknown_kind(kind));
        }
        Err(RegistryError::UnknownApiVersion {
            kind: kind.to_owned(),
            found: api_version.to_owned(),
            expected: served.join(", "),
        })
    }

    fn unknown_kind(&self, kind: &str) -> RegistryError {
        let mut names: Vec<&str> = self.kinds.values().map(|d| d.gvk.kind.as_str()).collect();
        names.dedup();
        RegistryError::UnknownKind {
            kind: kind.to_owned(),
            known: names.join(", "),
        }
    }

    /// Exports the JSON Schema of a kind's objects.
    pub fn json_schema(&self, kind: &str) -> Result<Value, RegistryError> {
        Ok(self.find_kind(kind)?.json_schema().clone())
    }

    /// Exports a Kubernetes CustomResourceDefinition for a kind.
    pub fn crd(&self, kind: &str) -> Result<Value, RegistryError> {
        let def = self.find_kind(kind)?;
        schema::crd::crd_for(&def.gvk, &def.plural, &def.description, def.schema()).map_err(
            |source| RegistryError::Schema {
                kind: kind.to_owned(),
                source,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema::apply_defaults;

    #[test]
    fn builtin_kinds_follow_the_configured_group() {
        let registry = KindRegistry::with_claim_group("platform.company.io");
        let def = registry
            .resolve("platform.company.io/v1alpha1", "DatabaseClaim")
            .unwrap();
        assert_eq!(def.gvk.group, "platform.company.io");
        let err = registry
            .resolve("platform.dev/v1alpha1", "DatabaseClaim")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown apiVersion \"platform.dev/v1alpha1\" for kind DatabaseClaim; expected platform.company.io/v1alpha1"
        );
        let err = registry
            .resolve("platform.company.io/v1alpha1", "Database")
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("unknown kind \"Database\"; registered kinds: "),
            "{err}"
        );
        assert_eq!(registry.kinds().count(), 5);
    }

    #[test]
    fn registering_a_kind_twice_is_refused() {
        let mut registry = KindRegistry::builtin();
        let err = registry.register_typed::<DatabaseClaimSpec>().unwrap_err();
        assert!(matches!(err, RegistryError::Duplicate { .. }), "{err}");
    }

    fn assert_structural(node: &Value, path: &str) {
        let obj = node
            .as_object()
            .unwrap_or_else(|| panic!("{path}: not an object"));
        for banned in ["$ref", "$defs", "oneOf", "anyOf", "allOf", "$schema"] {
            assert!(!obj.contains_key(banned), "{path} has {banned}");
        }
        assert!(
            obj.get("type").and_then(Value::as_str).is_some(),
            "{path} has no type: {node}"
        );
        if let Some(props) = obj.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                assert_structural(v, &format!("{path}.{k}"));
            }
        }
        if let Some(items) = obj.get("items") {
            assert_structural(items, &format!("{path}[]"));
        }
        if let Some(extra @ Value::Object(_)) = obj.get("additionalProperties") {
            assert_structural(extra, &format!("{path}{{}}"));
        }
    }

    #[test]
    fn every_builtin_crd_is_structural() {
        let registry = KindRegistry::builtin();
        for def in registry.kinds() {
            let crd = registry.crd(&def.gvk.kind).unwrap();
            assert_eq!(
                crd["metadata"]["name"],
                format!("{}.platform.dev", def.plural)
            );
            let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
            assert_structural(schema, &def.gvk.kind);
        }
    }

    #[test]
    fn database_crd_keeps_enums_defaults_and_descriptions() {
        let registry = KindRegistry::builtin();
        let crd = registry.crd("DatabaseClaim").unwrap();
        let spec = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
        assert_eq!(
            spec["properties"]["size"]["enum"],
            json!(["small", "medium", "large", "xlarge"])
        );
        assert_eq!(spec["properties"]["size"]["default"], "small");
        assert_eq!(spec["properties"]["engine"]["type"], "string");
        assert_eq!(spec["properties"]["storageGiB"]["maximum"], 65536);
        assert!(
            spec["properties"]["backup"]["description"]
                .as_str()
                .unwrap()
                .contains("backups")
        );
        assert_eq!(spec["required"], json!(["engine"]));
    }

    #[test]
    fn absent_fields_take_their_defaults_and_present_ones_stay() {
        let registry = KindRegistry::builtin();
        let schema = registry.json_schema("DatabaseClaim").unwrap();
        let mut object = json!({"apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim",
                                "metadata": {"name": "db"}, "spec": {"engine": "postgresql", "backup": "none"}});
        apply_defaults(&schema, &schema, &mut object);
        assert_eq!(object["spec"]["size"], "small");
        assert_eq!(object["spec"]["storageGiB"], 20);
        assert_eq!(object["spec"]["backup"], "none");
        assert_eq!(object["spec"]["deletionPolicy"], "Delete");
        assert!(
            object["spec"].get("version").is_none(),
            "optional fields without a default stay absent"
        );
        let schema = registry.json_schema("Application").unwrap();
        let mut app = json!({"spec": {"containers": [{"name": "api", "image": "x", "ports": [{"port": 80}]}]}});
        apply_defaults(&schema, &schema, &mut app);
        assert_eq!(app["spec"]["replicas"], 1);
        assert_eq!(app["spec"]["containers"][0]["ports"][0]["protocol"], "TCP");
    }
}
