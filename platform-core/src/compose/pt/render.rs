//! Rendering a composite through a [`PtComposition`].
//!
//! Order of work, as in function-patch-and-transform:
//! 1. `environment.patches`: first those writing the environment (from the
//!    composite), then those reading it (into the composite).
//! 2. For each resource template, in order:
//!    * if the resource is observed: extract its connection details, evaluate
//!      its readiness, and run its `ToComposite*` patches (observed resource →
//!      composite) and `ToEnvironment*` patches (observed resource → environment);
//!    * start from `base` (keeping the observed `metadata.name`/`namespace`),
//!      run the `FromComposite*` patches (reading the composite as given, not
//!      as modified by `ToComposite*` patches), then the `FromEnvironment*` ones;
//!    * name it `<composite-name>-<resource-name>` unless it has a name, and
//!      annotate it with `crossplane.io/composition-resource-name`.
//! 3. Set the composite's `Ready` condition from the resources' readiness.
//!
//! Missing sources (Crossplane's behaviour since function-patch-and-transform v0.3):
//! * `Optional` (default): the patch is skipped silently;
//! * `Required`, patch into a resource that is not observed yet: the resource
//!   is left out, a warning is emitted and the composite is not ready;
//! * `Required`, patch into a resource that exists: a warning is emitted and
//!   the patch is skipped, the resource is still rendered (leaving it out would
//!   make Crossplane delete it);
//! * `Required`, patch into the composite or the environment: warning, skipped.
//!
//! Any other patch failure (a transform error, a type clash on write) is a
//! [`RenderError`] naming the resource, the patch type and the patch index.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::composition::{ComposedTemplate, PtComposition};
use super::connection::{ConnectionDetail, extract_connection_details};
use super::error::{PatchError, RenderError, SetError};
use super::patch::{FromFieldPathPolicy, Patch, PatchOutcome, PatchType};
use super::readiness::is_ready;
use crate::compose::{Composed, ComposedResource, ReadBack};

/// Annotation naming the template a composed resource came from.
pub const RESOURCE_NAME_ANNOTATION: &str = "crossplane.io/composition-resource-name";

/// A composed resource as it exists in the cluster.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObservedResource {
    /// The observed object.
    pub object: Value,
    /// Its connection secret's data (read by `FromConnectionSecretKey` details).
    pub connection_details: BTreeMap<String, String>,
}

/// Observed composed resources by template name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObservedResources {
    resources: BTreeMap<String, ObservedResource>,
}

impl ObservedResources {
    /// No observed resources (a composite being created).
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the observed object of template `name`, without connection details.
    pub fn insert(&mut self, name: impl Into<String>, object: Value) -> &mut Self {
        self.insert_with_connection_details(name, object, BTreeMap::new())
    }

    /// Records the observed object of template `name` with its connection secret's data.
    pub fn insert_with_connection_details(
        &mut self,
        name: impl Into<String>,
        object: Value,
        connection_details: BTreeMap<String, String>,
    ) -> &mut Self {
        self.resources.insert(
            name.into(),
            ObservedResource {
                object,
                connection_details,
            },
        );
        self
    }

    /// The observed resource of template `name`.
    pub fn get(&self, name: &str) -> Option<&ObservedResource> {
        self.resources.get(name)
    }

    /// The observed resources with their template names, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ObservedResource)> {
        self.resources.iter().map(|(n, r)| (n.as_str(), r))
    }

    /// Number of observed resources.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// True when nothing is observed.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }
}

/// Renders `composite` through `composition`; see the module docs for the semantics.
pub fn render(
    composite: &Value,
    composition: &PtComposition,
    observed: &ObservedResources,
    environment: Option<&Value>,
) -> Result<Composed, RenderError> {
    let mut r = Renderer::start(composite, composition, environment)?;
    let xr_name = composite
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty());
    let mut resources = Vec::with_capacity(composition.resources.len());
    let mut unready: Vec<&str> = Vec::new();
    for t in &composition.resources {
        let obs = observed.get(&t.name);
        r.read_back(t, obs)?;
        match r.composed(t, composite, obs, xr_name)? {
            Some(object) => {
                let ready = is_ready(&t.readiness_checks, obs.map(|o| &o.object));
                if !ready {
                    unready.push(&t.name);
                }
                resources.push(ComposedResource {
                    name: t.name.clone(),
                    object,
                    ready,
                });
            }
            None => unready.push(&t.name),
        }
    }
    let environment = r.env_written.then(|| r.env.clone());
    let warnings = std::mem::take(&mut r.warnings);
    Ok(Composed {
        resources,
        environment,
        warnings,
        read_back: r.finish(&unready)?,
    })
}

/// Reads back what `composite` shows of its `observed` resources, without composing the
/// desired ones again: the same status, outputs, Ready condition and connection secrets that
/// [`render`] would give, for a composite that `render` turned into the resources named
/// `composed` before they changed. Only the warnings of reading back are returned; those of
/// composing stay with what `render` gave.
pub fn read_back(
    composite: &Value,
    composition: &PtComposition,
    observed: &ObservedResources,
    environment: Option<&Value>,
    composed: &[&str],
) -> Result<ReadBack, RenderError> {
    let mut r = Renderer::start(composite, composition, environment)?;
    let mut unready: Vec<&str> = Vec::new();
    for t in &composition.resources {
        let obs = observed.get(&t.name);
        r.read_back(t, obs)?;
        // A resource composing left out is not ready, however it is observed.
        let rendered = composed.contains(&t.name.as_str());
        if !rendered || !is_ready(&t.readiness_checks, obs.map(|o| &o.object)) {
            unready.push(&t.name);
        }
    }
    r.finish(&unready)
}

/// Makes a connection detail that is not secret the composite's `status.outputs.NAME`, unless
/// a patch already wrote that output (the composition's own patch wins).
fn set_plain_output(xr: &mut Value, name: String, value: Value) {
    let Some(composite) = xr.as_object_mut() else {
        return;
    };
    let status = composite
        .entry("status")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(status) = status.as_object_mut() else {
        return;
    };
    let outputs = status
        .entry("outputs")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(outputs) = outputs.as_object_mut() {
        outputs.entry(name).or_insert(value);
    }
}

/// One rendering's working state.
struct Renderer {
    xr: Value,
    env: Value,
    env_written: bool,
    /// Warnings of composing the desired resources.
    warnings: Vec<String>,
    /// Warnings of reading the observed resources back.
    read_warnings: Vec<String>,
    /// Connection details a provider handed out as secret.
    connection_details: BTreeMap<String, String>,
    /// Details read from a field or given as a value are not secret: they become outputs.
    plain_details: Vec<(String, Value)>,
}

fn composed_error(
    t: &ComposedTemplate,
    p: &Patch,
    index: usize,
    source: PatchError,
) -> RenderError {
    RenderError::ComposedPatch {
        resource: t.name.clone(),
        patch_type: p.kind.as_str().to_string(),
        index,
        source,
    }
}

/// The warning for a patch whose source field is missing: only a `Required` one warns.
fn missing_warning(p: &Patch, index: usize, path: &str, whose: &str) -> Option<String> {
    (p.from_policy() == FromFieldPathPolicy::Required).then(|| {
        format!(
            "{whose}: required {:?} patch at index {index} skipped: field path {path} not found",
            p.kind.as_str()
        )
    })
}

impl Renderer {
    /// A renderer for `composite` with the composition's environment patches run.
    fn start(
        composite: &Value,
        composition: &PtComposition,
        environment: Option<&Value>,
    ) -> Result<Self, RenderError> {
        if !composite.is_object() {
            return Err(RenderError::CompositeNotObject);
        }
        let mut r = Renderer {
            xr: composite.clone(),
            env: environment
                .cloned()
                .unwrap_or_else(|| Value::Object(Map::new())),
            env_written: environment.is_some(),
            warnings: Vec::new(),
            read_warnings: Vec::new(),
            connection_details: BTreeMap::new(),
            plain_details: Vec::new(),
        };
        r.environment_patches(composite, &composition.environment_patches)?;
        Ok(r)
    }

    /// Reads an observed resource back: its connection details and its patches to the
    /// composite and the environment.
    fn read_back(
        &mut self,
        t: &ComposedTemplate,
        observed: Option<&ObservedResource>,
    ) -> Result<(), RenderError> {
        let Some(o) = observed else {
            return Ok(());
        };
        let (secret, plain): (Vec<_>, Vec<_>) =
            t.connection_details.iter().partition(|d| d.is_secret());
        let secret: Vec<ConnectionDetail> = secret.into_iter().cloned().collect();
        self.connection_details.extend(extract_connection_details(
            &secret,
            &o.object,
            &o.connection_details,
        ));
        self.plain_details
            .extend(plain.iter().filter_map(|d| d.extract_plain(&o.object)));
        self.reverse_patches(t, &o.object)
    }

    /// The read_back: plain details as outputs, then the Ready condition from `unready`.
    fn finish(mut self, unready: &[&str]) -> Result<ReadBack, RenderError> {
        for (name, value) in std::mem::take(&mut self.plain_details) {
            set_plain_output(&mut self.xr, name, value);
        }
        let condition = if unready.is_empty() {
            serde_json::json!({"type": "Ready", "status": "True", "reason": "Available"})
        } else {
            serde_json::json!({
                "type": "Ready",
                "status": "False",
                "reason": "Creating",
                "message": format!("Unready resources: {}", unready.join(", ")),
            })
        };
        set_condition(&mut self.xr, condition).map_err(RenderError::Status)?;
        Ok(ReadBack {
            composite: self.xr,
            connection_details: self.connection_details,
            warnings: self.read_warnings,
        })
    }

    fn environment_patches(
        &mut self,
        composite: &Value,
        patches: &[Patch],
    ) -> Result<(), RenderError> {
        let env_err = |p: &Patch, index, source| RenderError::EnvironmentPatch {
            patch_type: p.kind.as_str().to_string(),
            index,
            source,
        };
        for (i, p) in patches.iter().enumerate() {
            if matches!(
                p.kind,
                PatchType::ToEnvironmentFieldPath | PatchType::CombineToEnvironment
            ) {
                match p
                    .apply(composite, &mut self.env)
                    .map_err(|e| env_err(p, i, e))?
                {
                    PatchOutcome::Applied => self.env_written = true,
                    PatchOutcome::MissingSource { path } => {
                        self.warnings
                            .extend(missing_warning(p, i, &path, "environment"));
                    }
                }
            }
        }
        for (i, p) in patches.iter().enumerate() {
            if matches!(
                p.kind,
                PatchType::FromEnvironmentFieldPath | PatchType::CombineFromEnvironment
            ) && let PatchOutcome::MissingSource { path } = p
                .apply(&self.env, &mut self.xr)
                .map_err(|e| env_err(p, i, e))?
            {
                self.warnings
                    .extend(missing_warning(p, i, &path, "environment"));
            }
        }
        Ok(())
    }

    /// Patches from an observed composed resource to the composite and the environment.
    fn reverse_patches(
        &mut self,
        t: &ComposedTemplate,
        observed: &Value,
    ) -> Result<(), RenderError> {
        let whose = format!("composed resource {:?}", t.name);
        for (i, p) in t.patches.iter().enumerate() {
            let to_env = match p.kind {
                PatchType::ToCompositeFieldPath | PatchType::CombineToComposite => false,
                PatchType::ToEnvironmentFieldPath | PatchType::CombineToEnvironment => true,
                _ => continue,
            };
            let target = if to_env { &mut self.env } else { &mut self.xr };
            match p
                .apply(observed, target)
                .map_err(|e| composed_error(t, p, i, e))?
            {
                PatchOutcome::Applied => self.env_written |= to_env,
                PatchOutcome::MissingSource { path } => self
                    .read_warnings
                    .extend(missing_warning(p, i, &path, &whose)),
            }
        }
        Ok(())
    }

    /// Renders one desired composed resource; `None` when a required source is missing
    /// for a resource that does not exist yet.
    fn composed(
        &mut self,
        t: &ComposedTemplate,
        composite: &Value,
        observed: Option<&ObservedResource>,
        xr_name: Option<&str>,
    ) -> Result<Option<Value>, RenderError> {
        let mut desired = t.base.clone();
        let meta_err = |source| RenderError::Metadata {
            resource: t.name.clone(),
            source,
        };
        if let Some(o) = observed {
            for key in ["name", "namespace"] {
                if let Some(v) = o
                    .object
                    .get("metadata")
                    .and_then(|m| m.get(key))
                    .filter(|v| v.is_string())
                {
                    metadata(&mut desired)
                        .map_err(meta_err)?
                        .insert(key.to_string(), v.clone());
                }
            }
        }
        let passes: [(&[PatchType], bool); 2] = [
            (
                &[
                    PatchType::FromCompositeFieldPath,
                    PatchType::CombineFromComposite,
                ],
                true,
            ),
            (
                &[
                    PatchType::FromEnvironmentFieldPath,
                    PatchType::CombineFromEnvironment,
                ],
                false,
            ),
        ];
        let whose = format!("composed resource {:?}", t.name);
        for (kinds, from_composite) in passes {
            for (i, p) in t.patches.iter().enumerate() {
                if !kinds.contains(&p.kind) {
                    continue;
                }
                let source = if from_composite { composite } else { &self.env };
                let outcome = p
                    .apply(source, &mut desired)
                    .map_err(|e| composed_error(t, p, i, e))?;
                let PatchOutcome::MissingSource { path } = outcome else {
                    continue;
                };
                if p.from_policy() == FromFieldPathPolicy::Required && observed.is_none() {
                    self.warnings.push(format!(
                        "{whose} not rendered: required {:?} patch at index {i} could not find field path {path}",
                        p.kind.as_str()
                    ));
                    return Ok(None);
                }
                self.warnings.extend(missing_warning(p, i, &path, &whose));
            }
        }
        let meta = metadata(&mut desired).map_err(meta_err)?;
        let has_name = meta
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty());
        if !has_name {
            let name = match xr_name {
                Some(x) => format!("{x}-{}", t.name),
                None => t.name.clone(),
            };
            meta.insert("name".into(), Value::String(name));
        }
        let annotations = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if annotations.is_null() {
            *annotations = Value::Object(Map::new());
        }
        let Value::Object(annotations) = annotations else {
            return Err(meta_err(SetError::NotAnObject {
                path: "metadata.annotations".into(),
            }));
        };
        annotations.insert(
            RESOURCE_NAME_ANNOTATION.into(),
            Value::String(t.name.clone()),
        );
        Ok(Some(desired))
    }
}

/// The `metadata` object of `obj`, created when missing or null.
fn metadata(obj: &mut Value) -> Result<&mut Map<String, Value>, SetError> {
    if obj.is_null() {
        *obj = Value::Object(Map::new());
    }
    let Value::Object(map) = obj else {
        return Err(SetError::NotAnObject {
            path: "root".into(),
        });
    };
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if meta.is_null() {
        *meta = Value::Object(Map::new());
    }
    match meta {
        Value::Object(m) => Ok(m),
        _ => Err(SetError::NotAnObject {
            path: "metadata".into(),
        }),
    }
}

/// Replaces the condition of the same type in `status.conditions`.
fn set_condition(xr: &mut Value, condition: Value) -> Result<(), SetError> {
    let Value::Object(map) = xr else {
        return Err(SetError::NotAnObject {
            path: "root".into(),
        });
    };
    let status = map
        .entry("status")
        .or_insert_with(|| Value::Object(Map::new()));
    if status.is_null() {
        *status = Value::Object(Map::new());
    }
    let Value::Object(status) = status else {
        return Err(SetError::NotAnObject {
            path: "status".into(),
        });
    };
    let conditions = status
        .entry("conditions")
        .or_insert_with(|| Value::Array(Vec::new()));
    if conditions.is_null() {
        *conditions = Value::Array(Vec::new());
    }
    let Value::Array(conditions) = conditions else {
        return Err(SetError::NotAnArray {
            path: "status.conditions".into(),
        });
    };
    let kind = condition.get("type").cloned();
    conditions.retain(|c| c.get("type") != kind.as_ref());
    conditions.push(condition);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{bench_fixture, database_composite, database_composition};
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn load(doc: &Value) -> PtComposition {
        PtComposition::from_value(doc).unwrap()
    }

    fn doc_with(resources: Value, extra_input: Value) -> Value {
        let mut input = json!({
            "apiVersion": "pt.fn.crossplane.io/v1beta1",
            "kind": "Resources",
            "resources": resources
        });
        if let (Value::Object(i), Value::Object(e)) = (&mut input, extra_input) {
            i.extend(e);
        }
        json!({
            "apiVersion": "apiextensions.crossplane.io/v1",
            "kind": "Composition",
            "metadata": {"name": "test"},
            "spec": {
                "compositeTypeRef": {"apiVersion": "example.org/v1", "kind": "XR"},
                "mode": "Pipeline",
                "pipeline": [{"step": "pt", "functionRef": {"name": "function-patch-and-transform"}, "input": input}]
            }
        })
    }

    fn ready_condition(rendered: &Composed) -> Value {
        rendered.composite()["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "Ready")
            .cloned()
            .unwrap()
    }

    #[test]
    fn renders_database_claim_on_create() {
        let composition = load(&database_composition(true));
        let out = render(
            &database_composite(),
            &composition,
            &ObservedResources::new(),
            None,
        )
        .unwrap();
        let names: Vec<&str> = out.resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["subnet-group", "instance", "parameter-group"]);

        let subnet = &out.resources[0].object;
        assert_eq!(subnet["metadata"]["name"], "orders-db-subnet-group");
        assert_eq!(
            subnet["metadata"]["annotations"][RESOURCE_NAME_ANNOTATION],
            "subnet-group"
        );
        assert_eq!(
            subnet["spec"]["forProvider"]["description"],
            "orders-db subnets in eu-west-1"
        );
        assert_eq!(
            subnet["spec"]["forProvider"]["subnetIds"],
            json!(["subnet-a", "subnet-b"])
        );

        let instance = &out.resources[1].object;
        assert_eq!(
            instance,
            &json!({
                "apiVersion": "rds.aws.upbound.io/v1beta1",
                "kind": "Instance",
                "metadata": {
                    "labels": {"component": "database", "team": "orders"},
                    "name": "orders-db-instance",
                    "annotations": {RESOURCE_NAME_ANNOTATION: "instance"}
                },
                "spec": {"forProvider": {
                    "skipFinalSnapshot": true,
                    "region": "eu-west-1",
                    "instanceClass": "db.t3.small",
                    "engine": "postgres",
                    "allocatedStorage": 20,
                    "engineVersion": "15.4"
                }}
            })
        );
        assert!(instance["spec"]["forProvider"]["allocatedStorage"].is_i64());

        let pg = &out.resources[2].object;
        assert_eq!(pg["spec"]["forProvider"]["family"], "postgres15");
        // sha256("orders-db") truncated to 12 hex digits.
        let hash = pg["metadata"]["annotations"]["platform.example.org/name-hash"]
            .as_str()
            .unwrap();
        assert_eq!(hash.len(), 12);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));

        assert_eq!(
            out.resources.iter().map(|r| r.ready).collect::<Vec<_>>(),
            [false, false, true]
        );
        assert_eq!(
            ready_condition(&out),
            json!({"type": "Ready", "status": "False", "reason": "Creating", "message": "Unready resources: subnet-group, instance"})
        );
        assert!(out.read_back.connection_details.is_empty());
        assert!(out.warnings.is_empty());
        assert_eq!(out.environment, None);
        assert_eq!(out.composite()["spec"], database_composite()["spec"]);
    }

    #[test]
    fn pipeline_and_legacy_forms_render_identically() {
        let pipeline = load(&database_composition(true));
        let legacy = load(&database_composition(false));
        let mut observed = ObservedResources::new();
        observed.insert(
            "instance",
            json!({"metadata": {"name": "orders-db-instance"}, "status": {"atProvider": {"address": "db.internal"}}}),
        );
        for size in ["small", "medium", "large"] {
            let mut xr = database_composite();
            xr["spec"]["size"] = json!(size);
            let a = render(&xr, &pipeline, &observed, None).unwrap();
            let b = render(&xr, &legacy, &observed, None).unwrap();
            assert_eq!(a, b, "size {size}");
            assert!(
                a.resources[1].object["spec"]["forProvider"]["instanceClass"]
                    .as_str()
                    .unwrap()
                    .starts_with("db.")
            );
        }
    }

    #[test]
    fn renders_with_observed_resources() {
        let composition = load(&database_composition(true));
        let ready = json!({"conditions": [{"type": "Ready", "status": "True"}]});
        let mut observed = ObservedResources::new();
        observed.insert(
            "subnet-group",
            json!({"metadata": {"name": "custom-subnets", "namespace": "infra"}, "status": ready}),
        );
        observed.insert_with_connection_details(
            "instance",
            json!({
                "metadata": {"name": "orders-db-instance"},
                "status": {"atProvider": {"address": "db.internal", "port": 5432}, "conditions": [{"type": "Ready", "status": "True"}]}
            }),
            [("attribute.password".to_string(), "hunter2".to_string())].into(),
        );
        let mut xr = database_composite();
        xr["status"] = json!({"conditions": [{"type": "Synced", "status": "True"}, {"type": "Ready", "status": "False"}]});
        let out = render(&xr, &composition, &observed, None).unwrap();
        assert_eq!(observed.len(), 2);
        assert_eq!(
            out.resources[0].object["metadata"]["name"],
            "custom-subnets"
        );
        assert_eq!(out.resources[0].object["metadata"]["namespace"], "infra");
        assert_eq!(out.composite()["status"]["address"], "db.internal");
        // Only what the provider handed out as secret is a secret; the address read from a
        // field and the port given as a value are outputs.
        assert_eq!(
            out.read_back.connection_details,
            [("password".to_string(), "hunter2".to_string())].into()
        );
        assert_eq!(
            out.composite()["status"]["outputs"],
            json!({"host": "db.internal", "port": "5432"})
        );
        assert!(out.resources.iter().all(|r| r.ready));
        assert_eq!(
            out.composite()["status"]["conditions"],
            json!([{"type": "Synced", "status": "True"}, {"type": "Ready", "status": "True", "reason": "Available"}])
        );
    }

    #[test]
    fn transform_errors_name_resource_patch_and_index() {
        let composition = load(&database_composition(true));
        let mut xr = database_composite();
        xr["spec"]["size"] = json!("huge");
        let err = render(&xr, &composition, &ObservedResources::new(), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot render composed resource \"instance\" \"FromCompositeFieldPath\" patch at index 2: transform at index 0 returned error: map transform could not resolve: key huge is not found in map"
        );
        let doc = doc_with(
            json!([{"name": "db", "base": {}, "patches": [
                {"fromFieldPath": "spec.a"}, {"fromFieldPath": "spec.b"},
                {"fromFieldPath": "spec.size", "toFieldPath": "spec.class", "transforms": [{"type": "map", "map": {"small": "s"}}]}
            ]}]),
            json!({}),
        );
        let err = render(
            &json!({"spec": {"size": "large"}}),
            &load(&doc),
            &ObservedResources::new(),
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot render composed resource \"db\" \"FromCompositeFieldPath\" patch at index 2: transform at index 0 returned error: map transform could not resolve: key large is not found in map"
        );
        let clash = doc_with(
            json!([{"name": "db", "base": {"spec": "str"}, "patches": [{"fromFieldPath": "spec.a"}]}]),
            json!({}),
        );
        assert_eq!(
            render(
                &json!({"spec": {"a": 1}}),
                &load(&clash),
                &ObservedResources::new(),
                None
            )
            .unwrap_err()
            .to_string(),
            "cannot render composed resource \"db\" \"FromCompositeFieldPath\" patch at index 0: cannot patch to object: spec is not an object"
        );
        assert_eq!(
            render(&json!([1]), &load(&clash), &ObservedResources::new(), None).unwrap_err(),
            RenderError::CompositeNotObject
        );
    }

    #[test]
    fn required_and_optional_policies() {
        let doc = doc_with(
            json!([
                {"name": "a", "base": {"kind": "A"}, "patches": [
                    {"fromFieldPath": "spec.optional", "toFieldPath": "spec.o"},
                    {"fromFieldPath": "spec.required", "toFieldPath": "spec.r", "policy": {"fromFieldPath": "Required"}},
                    {"fromFieldPath": "spec.present", "toFieldPath": "spec.p"}
                ], "readinessChecks": [{"type": "None"}]},
                {"name": "b", "base": {"kind": "B"}, "readinessChecks": [{"type": "None"}]}
            ]),
            json!({}),
        );
        let composition = load(&doc);
        let xr = json!({"metadata": {"name": "x"}, "spec": {"present": 1}});

        // Not observed yet: left out, warned about, composite not ready.
        let out = render(&xr, &composition, &ObservedResources::new(), None).unwrap();
        assert_eq!(
            out.resources
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>(),
            ["b"]
        );
        assert_eq!(
            out.warnings,
            [
                "composed resource \"a\" not rendered: required \"FromCompositeFieldPath\" patch at index 1 could not find field path spec.required"
            ]
        );
        assert_eq!(ready_condition(&out)["message"], "Unready resources: a");

        // Exists: the patch is skipped with a warning, the resource is kept.
        let mut observed = ObservedResources::new();
        observed.insert("a", json!({"metadata": {"name": "x-a"}}));
        let out = render(&xr, &composition, &observed, None).unwrap();
        assert_eq!(out.resources.len(), 2);
        assert_eq!(out.resources[0].object["spec"], json!({"p": 1}));
        assert_eq!(
            out.warnings,
            [
                "composed resource \"a\": required \"FromCompositeFieldPath\" patch at index 1 skipped: field path spec.required not found"
            ]
        );
        assert_eq!(ready_condition(&out)["status"], "True");

        // Present: everything applies, no warnings.
        let full = json!({"metadata": {"name": "x"}, "spec": {"present": 1, "required": 2, "optional": 3}});
        let out = render(&full, &composition, &ObservedResources::new(), None).unwrap();
        assert_eq!(
            out.resources[0].object["spec"],
            json!({"o": 3, "r": 2, "p": 1})
        );
        assert!(out.warnings.is_empty());
    }

    #[test]
    fn combine_skips_when_a_variable_is_missing() {
        let doc = doc_with(
            json!([{"name": "a", "base": {}, "patches": [{
                "type": "CombineFromComposite",
                "combine": {"variables": [{"fromFieldPath": "spec.x"}, {"fromFieldPath": "spec.y"}], "strategy": "string", "string": {"fmt": "%v/%v"}},
                "toFieldPath": "spec.xy"
            }, {
                "type": "CombineFromComposite",
                "combine": {"variables": [{"fromFieldPath": "spec.x"}, {"fromFieldPath": "spec.missing"}], "strategy": "string", "string": {"fmt": "%v/%v"}},
                "toFieldPath": "spec.never",
                "policy": {"fromFieldPath": "Optional"}
            }]}]),
            json!({}),
        );
        let out = render(
            &json!({"spec": {"x": 1, "y": 2.5}}),
            &load(&doc),
            &ObservedResources::new(),
            None,
        )
        .unwrap();
        assert_eq!(out.resources[0].object["spec"], json!({"xy": "1/2.5"}));
        assert!(out.warnings.is_empty());
        assert_eq!(
            out.resources[0].object["metadata"]["name"], "a",
            "no composite name: template name alone"
        );
    }

    #[test]
    fn every_patch_type_and_environment() {
        let doc = doc_with(
            json!([
                {"name": "net", "base": {"metadata": {"name": "fixed-name"}}, "patches": [
                    {"type": "FromCompositeFieldPath", "fromFieldPath": "spec.cidr", "toFieldPath": "spec.cidrBlock"},
                    {"type": "FromEnvironmentFieldPath", "fromFieldPath": "region", "toFieldPath": "spec.region"},
                    {"type": "CombineFromEnvironment", "combine": {"variables": [{"fromFieldPath": "region"}, {"fromFieldPath": "account"}], "strategy": "string", "string": {"fmt": "%s:%d"}}, "toFieldPath": "spec.scope"},
                    {"type": "ToCompositeFieldPath", "fromFieldPath": "status.id", "toFieldPath": "status.networkId"},
                    {"type": "CombineToComposite", "combine": {"variables": [{"fromFieldPath": "status.id"}, {"fromFieldPath": "spec.cidrBlock"}], "strategy": "string", "string": {"fmt": "%s=%s"}}, "toFieldPath": "status.summary"},
                    {"type": "ToEnvironmentFieldPath", "fromFieldPath": "status.id", "toFieldPath": "networkId"},
                    {"type": "CombineToEnvironment", "combine": {"variables": [{"fromFieldPath": "status.id"}], "strategy": "string", "string": {"fmt": "net/%s"}}, "toFieldPath": "networkRef"},
                    {"type": "PatchSet", "patchSetName": "labels"}
                ]},
                {"name": "sub", "base": {}, "patches": [
                    {"type": "FromEnvironmentFieldPath", "fromFieldPath": "networkId", "toFieldPath": "spec.networkId"},
                    {"type": "FromEnvironmentFieldPath", "fromFieldPath": "tags", "toFieldPath": "spec.tags", "policy": {"toFieldPath": "ForceMergeObjectsAppendArrays"}}
                ]}
            ]),
            json!({
                "patchSets": [{"name": "labels", "patches": [{"fromFieldPath": "metadata.labels", "toFieldPath": "metadata.labels"}]}],
                "environment": {"patches": [
                    {"type": "ToEnvironmentFieldPath", "fromFieldPath": "spec.owner", "toFieldPath": "owner"},
                    {"type": "CombineToEnvironment", "combine": {"variables": [{"fromFieldPath": "spec.owner"}, {"fromFieldPath": "spec.cidr"}], "strategy": "string", "string": {"fmt": "%s@%s"}}, "toFieldPath": "ownerCidr"},
                    {"type": "FromEnvironmentFieldPath", "fromFieldPath": "account", "toFieldPath": "status.account"},
                    {"type": "CombineFromEnvironment", "combine": {"variables": [{"fromFieldPath": "region"}, {"fromFieldPath": "owner"}], "strategy": "string", "string": {"fmt": "%s/%s"}}, "toFieldPath": "status.where"}
                ]}
            }),
        );
        let composition = load(&doc);
        let xr = json!({"metadata": {"name": "x", "labels": {"l": "1"}}, "spec": {"cidr": "10.0.0.0/16", "owner": "team-a"}});
        let env = json!({"region": "eu", "account": 42, "tags": ["a"]});
        let mut observed = ObservedResources::new();
        observed.insert(
            "net",
            json!({"spec": {"cidrBlock": "10.0.0.0/16"}, "status": {"id": "vpc-1"}}),
        );
        observed.insert("sub", json!({"metadata": {"name": "x-sub"}}));
        let out = render(&xr, &composition, &observed, Some(&env)).unwrap();

        let net = &out.resources[0].object;
        assert_eq!(net["metadata"]["name"], "fixed-name", "a base name is kept");
        assert_eq!(net["metadata"]["labels"], json!({"l": "1"}));
        assert_eq!(
            net["spec"],
            json!({"cidrBlock": "10.0.0.0/16", "region": "eu", "scope": "eu:42"})
        );
        let sub = &out.resources[1].object;
        assert_eq!(sub["spec"], json!({"networkId": "vpc-1", "tags": ["a"]}));
        assert_eq!(sub["metadata"]["name"], "x-sub");

        assert_eq!(out.composite()["status"]["networkId"], "vpc-1");
        assert_eq!(out.composite()["status"]["summary"], "vpc-1=10.0.0.0/16");
        assert_eq!(out.composite()["status"]["account"], 42);
        assert_eq!(out.composite()["status"]["where"], "eu/team-a");
        assert_eq!(
            out.environment,
            Some(
                json!({"region": "eu", "account": 42, "tags": ["a"], "owner": "team-a", "ownerCidr": "team-a@10.0.0.0/16", "networkId": "vpc-1", "networkRef": "net/vpc-1"})
            )
        );
        // Without an environment, From-environment patches find nothing but
        // To-environment patches still produce one.
        let out = render(&xr, &composition, &ObservedResources::new(), None).unwrap();
        assert_eq!(
            out.environment,
            Some(json!({"owner": "team-a", "ownerCidr": "team-a@10.0.0.0/16"}))
        );
        assert_eq!(
            out.resources[0].object["spec"],
            json!({"cidrBlock": "10.0.0.0/16"})
        );
    }

    #[test]
    fn required_patches_into_composite_and_environment_warn() {
        let doc = doc_with(
            json!([{"name": "a", "base": {}, "patches": [
                {"type": "ToCompositeFieldPath", "fromFieldPath": "status.missing", "toFieldPath": "status.x", "policy": {"fromFieldPath": "Required"}}
            ]}]),
            json!({"environment": {"patches": [
                {"type": "FromEnvironmentFieldPath", "fromFieldPath": "nothing", "toFieldPath": "spec.n", "policy": {"fromFieldPath": "Required"}}
            ]}}),
        );
        let mut observed = ObservedResources::new();
        observed.insert("a", json!({}));
        let out = render(&json!({}), &load(&doc), &observed, Some(&json!({}))).unwrap();
        assert_eq!(
            out.all_warnings().collect::<Vec<_>>(),
            [
                "environment: required \"FromEnvironmentFieldPath\" patch at index 0 skipped: field path nothing not found",
                "composed resource \"a\": required \"ToCompositeFieldPath\" patch at index 0 skipped: field path status.missing not found",
            ]
        );
        assert_eq!(
            out.composite()["status"]["conditions"][0]["reason"],
            "Creating"
        );
    }

    #[test]
    fn status_and_metadata_clashes_are_errors() {
        let doc = doc_with(
            json!([{"name": "a", "base": {"metadata": "oops"}}]),
            json!({}),
        );
        assert_eq!(
            render(&json!({}), &load(&doc), &ObservedResources::new(), None)
                .unwrap_err()
                .to_string(),
            "cannot set metadata of composed resource \"a\": metadata is not an object"
        );
        let ok = doc_with(json!([{"name": "a", "base": {}}]), json!({}));
        assert_eq!(
            render(
                &json!({"status": 1}),
                &load(&ok),
                &ObservedResources::new(),
                None
            )
            .unwrap_err()
            .to_string(),
            "cannot set status of composite resource: status is not an object"
        );
        assert_eq!(
            render(
                &json!({"status": {"conditions": {}}}),
                &load(&ok),
                &ObservedResources::new(),
                None
            )
            .unwrap_err()
            .to_string(),
            "cannot set status of composite resource: status.conditions is not an array"
        );
    }

    #[test]
    fn bench_fixture_renders() {
        let (xr, composition) = bench_fixture();
        let out = render(&xr, &composition, &ObservedResources::new(), None).unwrap();
        assert_eq!(out.resources.len(), 3);
    }

    const KEYS: &[&str] = &[
        "spec",
        "metadata",
        "name",
        "size",
        "status",
        "labels",
        "a",
        "b",
        "0",
        "conditions",
        "type",
    ];

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e300f64..1e300).prop_map(Value::from),
            "[a-z0-9 .%*\\[\\]-]{0,8}".prop_map(Value::from),
            prop::sample::select(vec![
                "small",
                "large",
                "Ready",
                "True",
                "1Gi",
                "%s-%d",
                "{\"a\":1}"
            ])
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((prop::sample::select(KEYS), inner), 0..4).prop_map(|kv| {
                    Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                }),
            ]
        })
    }

    fn arb_path() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                12 => prop::sample::select(KEYS).prop_map(|k| format!(".{k}")),
                3 => (0u32..3).prop_map(|i| format!("[{i}]")),
                2 => Just("[*]".to_string()),
                1 => Just("[a.b]".to_string()),
            ],
            1..4,
        )
        .prop_map(|parts| parts.concat().trim_start_matches('.').to_string())
    }

    fn arb_transform() -> impl Strategy<Value = Value> {
        prop_oneof![
            3 => (any::<i64>(), prop::sample::select(vec!["Multiply", "ClampMin", "ClampMax"])).prop_map(
                |(n, t)| json!({"type": "math", "math": {"type": t, "multiply": n, "clampMin": n, "clampMax": n}})
            ),
            3 => arb_json().prop_map(|v| json!({"type": "map", "map": {"small": v, "1": "one"}})),
            3 => (prop::sample::select(vec!["%s", "%d-%v", "%.2f", "%05x", "%q%%", "%", "%t"]))
                .prop_map(|f| json!({"type": "string", "string": {"type": "Format", "fmt": f}})),
            3 => prop::sample::select(vec![
                "ToUpper", "ToLower", "ToBase64", "FromBase64", "ToJson", "ToSha1", "ToSha256", "ToSha512", "ToAdler32"
            ])
            .prop_map(|c| json!({"type": "string", "string": {"type": "Convert", "convert": c}})),
            3 => prop::sample::select(vec!["string", "int", "int64", "bool", "float64", "object", "array"])
                .prop_flat_map(|t| (Just(t), prop::sample::select(vec!["none", "quantity", "json"])))
                .prop_map(|(t, f)| json!({"type": "convert", "convert": {"toType": t, "format": f}})),
            3 => arb_json().prop_map(|r| json!({"type": "match", "match": {"patterns": [
                {"type": "literal", "literal": "small", "result": r},
                {"type": "regexp", "regexp": "^l", "result": 1}
            ], "fallbackTo": "Input"}})),
            3 => Just(json!({"type": "string", "string": {"type": "Regexp", "regexp": {"match": "(a)?b", "group": 1}}})),
            3 => Just(json!({"type": "string", "string": {"type": "Join", "join": {"separator": ","}}})),
            3 => Just(json!({"type": "string", "string": {"type": "TrimPrefix", "trim": "a"}})),
            3 => Just(json!({"type": "string", "string": {"type": "Replace", "replace": {"search": "a", "replace": "b"}}})),
            1 => arb_json(),
        ]
    }

    fn arb_patch(kinds: Vec<&'static str>) -> impl Strategy<Value = Value> {
        (
            prop_oneof![20 => prop::sample::select(kinds), 1 => Just("Nope")],
            arb_path(),
            arb_path(),
            prop::collection::vec(arb_transform(), 0..3),
            prop::sample::select(vec!["Replace", "MergeObjects", "MergeObjectsAppendArrays", "ForceMergeObjects", "ForceMergeObjectsAppendArrays"]),
            prop::sample::select(vec!["Optional", "Required"]),
            prop::collection::vec(arb_path(), 1..3),
        )
            .prop_map(|(t, from, to, transforms, merge, required, vars)| {
                let variables: Vec<Value> = vars.iter().map(|v| json!({"fromFieldPath": v})).collect();
                json!({
                    "type": t,
                    "fromFieldPath": from,
                    "toFieldPath": to,
                    "patchSetName": "ps",
                    "combine": {"variables": variables, "strategy": "string", "string": {"fmt": "%v-%s"}},
                    "transforms": transforms,
                    "policy": {"fromFieldPath": required, "toFieldPath": merge}
                })
            })
    }

    /// A composition of up to three resources `a`, `b` and `c` with random patches, patch
    /// set and environment patches.
    fn arb_composition_doc() -> impl Strategy<Value = Value> {
        (
            prop::collection::vec(arb_resource(), 1..4),
            prop::collection::vec(arb_patch(RESOURCE_KINDS[..9].to_vec()), 0..3),
            prop::collection::vec(
                arb_patch(vec![
                    "FromEnvironmentFieldPath",
                    "ToEnvironmentFieldPath",
                    "CombineFromEnvironment",
                    "CombineToEnvironment",
                ]),
                0..3,
            ),
        )
            .prop_map(|(resources, patch_set, env_patches)| {
                let named: Vec<Value> = resources
                    .into_iter()
                    .zip(["a", "b", "c"])
                    .map(|(mut r, name)| {
                        r["name"] = json!(name);
                        r
                    })
                    .collect();
                doc_with(
                    Value::Array(named),
                    json!({"patchSets": [{"name": "ps", "patches": patch_set}], "environment": {"patches": env_patches}}),
                )
            })
    }

    const RESOURCE_KINDS: &[&str] = &[
        "",
        "FromCompositeFieldPath",
        "ToCompositeFieldPath",
        "CombineFromComposite",
        "CombineToComposite",
        "FromEnvironmentFieldPath",
        "ToEnvironmentFieldPath",
        "CombineFromEnvironment",
        "CombineToEnvironment",
        "PatchSet",
    ];

    fn arb_resource() -> impl Strategy<Value = Value> {
        (
            arb_json(),
            prop::collection::vec(arb_patch(RESOURCE_KINDS.to_vec()), 0..4),
            prop::sample::select(vec![
                json!([]),
                json!([{"type": "None"}]),
                json!([{"type": "MatchString", "fieldPath": "status.a", "matchString": "x"}]),
                json!([{"type": "MatchCondition", "matchCondition": {"type": "Ready", "status": "True"}}]),
            ]),
        )
            .prop_map(|(base, patches, checks)| {
                let base = if base.is_object() { base } else { json!({"spec": base}) };
                json!({
                    "base": base,
                    "patches": patches,
                    "readinessChecks": checks,
                    "connectionDetails": [{"name": "n", "fromFieldPath": "status.a"}, {"fromConnectionSecretKey": "k"}]
                })
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn render_never_panics(
            doc in arb_composition_doc(),
            composite in arb_json(),
            observed_a in proptest::option::of(arb_json()),
            environment in proptest::option::of(arb_json()),
        ) {
            let mut observed = ObservedResources::new();
            if let Some(o) = observed_a {
                observed.insert_with_connection_details("a", o, [("k".to_string(), "v".to_string())].into());
            }
            match PtComposition::from_value(&doc) {
                Ok(composition) => {
                    let composite = if composite.is_object() { composite } else { json!({"spec": composite}) };
                    if let Ok(out) = render(&composite, &composition, &observed, environment.as_ref()) {
                        prop_assert!(out.resources.len() <= composition.resources.len());
                        let conditions = out.composite()["status"]["conditions"].as_array().unwrap();
                        prop_assert_eq!(conditions.iter().filter(|c| c["type"] == "Ready").count(), 1);
                        for r in &out.resources {
                            prop_assert_eq!(&r.object["metadata"]["annotations"][RESOURCE_NAME_ANNOTATION], &json!(r.name));
                        }
                    }
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }

        /// Reading back after the resources changed gives exactly what composing again would
        /// give, whenever composing again renders the same resources; and always when told the
        /// resources that rendering gave.
        #[test]
        fn read_back_gives_what_a_second_render_gives(
            doc in arb_composition_doc(),
            composite in arb_json(),
            before in prop::collection::vec(proptest::option::of(arb_json()), 3),
            after in prop::collection::vec(proptest::option::of(arb_json()), 3),
            environment in proptest::option::of(arb_json()),
        ) {
            let Ok(composition) = PtComposition::from_value(&doc) else {
                return Ok(());
            };
            let observed = |objects: &[Option<Value>]| {
                let mut observed = ObservedResources::new();
                for (name, object) in ["a", "b", "c"].into_iter().zip(objects) {
                    if let Some(o) = object {
                        let details = [("k".to_string(), format!("{name}-secret"))].into();
                        observed.insert_with_connection_details(name, o.clone(), details);
                    }
                }
                observed
            };
            let (before, after) = (observed(&before), observed(&after));
            let composite = if composite.is_object() { composite } else { json!({"spec": composite}) };
            let names = |c: &Composed| -> Vec<String> { c.resources.iter().map(|r| r.name.clone()).collect() };
            let env = environment.as_ref();
            let Ok(second) = render(&composite, &composition, &after, env) else {
                return Ok(());
            };
            let second_names = names(&second);
            let second_refs: Vec<&str> = second_names.iter().map(String::as_str).collect();
            let read = read_back(&composite, &composition, &after, env, &second_refs);
            prop_assert_eq!(read.as_ref().ok(), Some(&second.read_back));
            if let Ok(first) = render(&composite, &composition, &before, env) {
                let first_names = names(&first);
                if first_names == second_names {
                    let first_refs: Vec<&str> = first_names.iter().map(String::as_str).collect();
                    let read = read_back(&composite, &composition, &after, env, &first_refs);
                    prop_assert_eq!(read.ok(), Some(second.read_back));
                }
            }
        }

        #[test]
        fn loading_arbitrary_documents_never_panics(spec in arb_json(), resources in prop::collection::vec(arb_json(), 0..3)) {
            let legacy = json!({
                "apiVersion": "apiextensions.crossplane.io/v1",
                "kind": "Composition",
                "spec": {"compositeTypeRef": {"apiVersion": "v", "kind": "k"}, "resources": resources, "patchSets": spec.clone()}
            });
            let result = PtComposition::from_value(&legacy);
            if let Ok(c) = &result {
                prop_assert_eq!(c.resources.len(), resources.len());
            }
            let raw = json!({"apiVersion": "apiextensions.crossplane.io/v1", "kind": "Composition", "spec": spec});
            let raw_result = PtComposition::from_value(&raw);
            prop_assert!(raw_result.is_ok() || !raw_result.unwrap_err().to_string().is_empty());
        }
    }
}
