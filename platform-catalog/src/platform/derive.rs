//! From stored claims to entities.

use std::collections::{BTreeMap, BTreeSet};

use platform_core::engine::RESOURCE_NAME_ANNOTATION;
use platform_core::kinds::{ApplicationSpec, placeholders};
use platform_core::model::{ApiVersion, DynamicObject, Resource, TypedKind};
use serde_json::{Value, json};

use crate::entity::Entity;

/// The label naming a claim's owner (a Group reference by default).
pub const OWNER_LABEL: &str = "platform.dev/owner";
/// The label naming an Application's system.
pub const SYSTEM_LABEL: &str = "platform.dev/system";
/// The annotation naming the claim an entity comes from: `KIND NAMESPACE/NAME`.
pub const CLAIM_ANNOTATION: &str = "platform.dev/claim";
/// The annotation marking an entity the platform derived (its owned fields win on import).
pub const MANAGED_BY_ANNOTATION: &str = "platform.dev/managed-by";
/// The value of [`MANAGED_BY_ANNOTATION`].
pub const MANAGED_BY_VALUE: &str = "platform";

/// The owner given to a claim without the owner label; `catalog orphans` lists it as missing.
const NO_OWNER: &str = "unowned";

/// What entity derivation needs beyond the claims.
#[derive(Debug, Clone)]
pub struct PlatformSettings {
    /// The environment applies run in: the lifecycle of the Components.
    pub environment: String,
    /// The claim kinds, as (group, kind).
    pub claim_kinds: BTreeSet<(String, String)>,
}

impl PlatformSettings {
    /// Whether a stored object is a claim.
    pub fn is_claim(&self, object: &DynamicObject) -> bool {
        let group = ApiVersion::parse(object.api_version()).group;
        self.is_claim_kind(&group, object.kind())
    }

    /// Whether objects of this group and kind are claims.
    pub fn is_claim_kind(&self, group: &str, kind: &str) -> bool {
        self.claim_kinds
            .iter()
            .any(|(g, k)| g == group && k == kind)
    }
}

/// Whether the platform derived an entity.
pub fn is_platform_owned(entity: &Entity) -> bool {
    entity
        .metadata
        .annotations
        .get(MANAGED_BY_ANNOTATION)
        .map(String::as_str)
        == Some(MANAGED_BY_VALUE)
}

/// The entity name of a claim's Resource: `NAME.KIND` in lower case. Claim names are DNS
/// labels (no `.`), so two claims never share a Resource, even a DatabaseClaim and a
/// CacheClaim of one name.
pub fn resource_name(kind: &str, name: &str) -> String {
    format!("{name}.{}", kind.to_lowercase())
}

/// The entity of one claim; `application` is the Application that requested it, when it
/// was requested by one (its other requests are what this claim can wait for).
pub fn entity_of(
    claim: &DynamicObject,
    application: Option<&DynamicObject>,
    settings: &PlatformSettings,
) -> Entity {
    let namespace = claim.namespace();
    let owner = claim
        .metadata
        .labels
        .get(OWNER_LABEL)
        .cloned()
        .unwrap_or_else(|| NO_OWNER.to_owned());
    let mut entity = if claim.kind == ApplicationSpec::KIND {
        let mut spec = json!({
            "type": "service",
            "lifecycle": settings.environment,
            "owner": owner,
        });
        if let Some(system) = claim.metadata.labels.get(SYSTEM_LABEL) {
            spec["system"] = Value::String(system.clone());
        }
        let depends: Vec<String> = requests(claim)
            .iter()
            .map(|(local, kind)| {
                format!(
                    "resource:{namespace}/{}",
                    resource_name(kind, &format!("{}-{local}", claim.name()))
                )
            })
            .collect();
        if !depends.is_empty() {
            spec["dependsOn"] = json!(depends);
        }
        Entity::new("Component", namespace, claim.name(), spec)
    } else {
        let mut spec = json!({
            "type": claim.kind.strip_suffix("Claim").unwrap_or(&claim.kind).to_lowercase(),
            "owner": owner,
        });
        if let Some(system) = claim.metadata.labels.get(SYSTEM_LABEL) {
            spec["system"] = Value::String(system.clone());
        }
        let waits = application
            .map(|app| waits_for(claim, app))
            .unwrap_or_default();
        if !waits.is_empty() {
            spec["dependsOn"] = json!(waits);
        }
        Entity::new(
            "Resource",
            namespace,
            &resource_name(&claim.kind, claim.name()),
            spec,
        )
    };
    entity
        .metadata
        .annotations
        .insert(MANAGED_BY_ANNOTATION.into(), MANAGED_BY_VALUE.into());
    entity.metadata.annotations.insert(
        CLAIM_ANNOTATION.into(),
        format!("{} {}/{}", claim.kind, namespace, claim.name()),
    );
    entity
}

/// An Application's requests: local name to claim kind.
fn requests(app: &DynamicObject) -> BTreeMap<String, String> {
    app.spec
        .get("resources")
        .and_then(Value::as_object)
        .map(|r| {
            r.iter()
                .filter_map(|(local, req)| {
                    Some((local.clone(), req.get("kind")?.as_str()?.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The sibling claims a requested claim's spec reads outputs of (`${resources.X.outputs.k}`):
/// its composition waits for them.
fn waits_for(claim: &DynamicObject, app: &DynamicObject) -> Vec<String> {
    let siblings = requests(app);
    let own = claim.metadata.annotations.get(RESOURCE_NAME_ANNOTATION);
    let mut found = BTreeSet::new();
    collect(&claim.spec, &mut found);
    found
        .into_iter()
        .filter(|local| Some(local) != own)
        .filter_map(|local| {
            let kind = siblings.get(&local)?;
            Some(format!(
                "resource:{}/{}",
                claim.namespace(),
                resource_name(kind, &format!("{}-{local}", app.name()))
            ))
        })
        .collect()
}

fn collect(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::String(s) if s.contains("${") => {
            for p in placeholders(s).unwrap_or_default() {
                found.insert(p.resource);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, found)),
        Value::Object(map) => map.values().for_each(|v| collect(v, found)),
        _ => {}
    }
}

/// The entities of stored claims: each claim's, with requested claims related to the
/// Application that requested them.
pub fn entities_from_claims(claims: &[DynamicObject], settings: &PlatformSettings) -> Vec<Entity> {
    let apps: BTreeMap<(String, String), &DynamicObject> = claims
        .iter()
        .filter(|c| c.kind == ApplicationSpec::KIND)
        .map(|c| ((c.namespace().to_owned(), c.name().to_owned()), c))
        .collect();
    claims
        .iter()
        .map(|claim| {
            let app = application_of(claim)
                .and_then(|name| apps.get(&(claim.namespace().to_owned(), name)).copied());
            entity_of(claim, app, settings)
        })
        .collect()
}

/// The name of the Application that requested a claim, from its owner reference.
pub(crate) fn application_of(claim: &DynamicObject) -> Option<String> {
    claim
        .metadata
        .owner_references
        .iter()
        .find(|o| o.kind == ApplicationSpec::KIND)
        .map(|o| o.name.clone())
}
