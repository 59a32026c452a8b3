//! What a claim should become: its composed managed resources in dependency order, or, for an
//! Application, the claims it requests.

use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

use super::graph::{dependencies, levels};
use crate::compose::{
    CLAIM_ID_LABEL, ComposeError, ComposeRequest, Composition, ObservedResources, ReadBack,
    composite_view,
};
use crate::engine::{
    DEPENDS_ON_ANNOTATION, Engine, EngineError, MANAGEMENT_POLICY_ANNOTATION,
    RESOURCE_NAME_ANNOTATION,
};
use crate::kinds::ApplicationSpec;
use crate::model::{DynamicObject, ObjectMeta, OwnerReference, Resource};

/// One desired managed resource.
#[derive(Debug, Clone)]
pub(crate) struct DesiredResource {
    /// Name within the composition.
    pub name: String,
    /// The object, placeholders unresolved.
    pub object: DynamicObject,
}

/// A composed claim.
#[derive(Debug, Clone)]
pub(crate) struct ComposedClaim {
    /// The composition.
    pub composition: Arc<dyn Composition>,
    /// The composite the composition was given.
    pub composite: Value,
    /// Desired resources in composition order.
    pub resources: Vec<DesiredResource>,
    /// Indexes into `resources`, level by level.
    pub levels: Vec<Vec<usize>>,
    /// Warnings of composing the desired resources.
    pub warnings: Vec<String>,
    /// The composite as the resources observed before this reconcile show it.
    pub read_back: ReadBack,
}

/// The kind of the composite application.
pub(crate) const APPLICATION: &str = "Application";

/// A controller owner reference to an object.
/// A composed resource's or requested claim's local name: its composition resource name, or
/// its key under the Application's `spec.resources`.
pub(crate) fn local_name(object: &DynamicObject) -> String {
    object
        .metadata
        .annotations
        .get(RESOURCE_NAME_ANNOTATION)
        .cloned()
        .unwrap_or_default()
}

pub(crate) fn owner_reference(owner: &DynamicObject) -> OwnerReference {
    OwnerReference {
        api_version: owner.api_version.clone(),
        kind: owner.kind.clone(),
        name: owner.metadata.name.clone(),
        uid: owner.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

impl ComposedClaim {
    /// The composition's name.
    pub fn name(&self) -> &str {
        self.composition.name()
    }

    /// The claim's outputs, connection secrets and warnings once its resources are as
    /// `observed` (what this reconcile recorded), read back without composing again.
    pub fn read_back(
        &self,
        observed: &ObservedResources,
        environment: &Value,
    ) -> Result<ReadBack, ComposeError> {
        let composed: Vec<&str> = self.resources.iter().map(|r| r.name.as_str()).collect();
        let request = ComposeRequest {
            composite: &self.composite,
            observed,
            environment: Some(environment),
        };
        self.composition.read_back(&request, &composed)
    }
}

impl Engine {
    /// Composes a claim; `Ok(None)` for an Application that has no composition of its own.
    pub(crate) fn compose_claim(
        &self,
        claim: &DynamicObject,
        observed: &ObservedResources,
    ) -> Result<Option<ComposedClaim>, EngineError> {
        let key = claim.object_ref();
        let composite = composite_view(
            &serde_json::to_value(claim).unwrap_or(Value::Null),
            observed,
        );
        let claim_id = composite
            .pointer("/metadata/labels")
            .and_then(|labels| labels.get(CLAIM_ID_LABEL))
            .cloned();
        let default = self.inner.defaults.get(&claim.kind).map(String::as_str);
        let composition =
            match self
                .inner
                .compositions
                .select(&composite, &self.inner.environment, default)
            {
                Ok(c) => c,
                Err(_) if claim.kind == APPLICATION => return Ok(None),
                Err(source) => {
                    return Err(EngineError::Selection {
                        object: Box::new(key),
                        source: Box::new(source),
                    });
                }
            };
        let environment = Some(&self.inner.environment_data);
        let composed = composition
            .compose(&ComposeRequest {
                composite: &composite,
                observed,
                environment,
            })
            .map_err(|source| EngineError::Compose {
                object: Box::new(key.clone()),
                source,
            })?;
        let policy = claim.metadata.annotations.get(MANAGEMENT_POLICY_ANNOTATION);
        let mut resources = Vec::with_capacity(composed.resources.len());
        let mut deps: Vec<BTreeSet<String>> = Vec::with_capacity(composed.resources.len());
        for rendered in composed.resources {
            let mut object: DynamicObject = serde_json::from_value(rendered.object).map_err(|e| EngineError::Compose {
                object: Box::new(key.clone()),
                source: ComposeError::invalid(format!(
                    "composed resource {:?} is not an object with apiVersion, kind and spec: {e}",
                    rendered.name
                )),
            })?;
            object.metadata.namespace = Some(claim.namespace().to_owned());
            object.metadata.owner_references = vec![owner_reference(claim)];
            object
                .metadata
                .annotations
                .insert(RESOURCE_NAME_ANNOTATION.to_owned(), rendered.name.clone());
            // Recorded with the resource, so later reconciles know its names carry the id.
            if let Some(Value::String(id)) = &claim_id {
                object
                    .metadata
                    .annotations
                    .insert(CLAIM_ID_LABEL.to_owned(), id.clone());
            }
            if let Some(policy) = policy {
                object
                    .metadata
                    .annotations
                    .entry(MANAGEMENT_POLICY_ANNOTATION.to_owned())
                    .or_insert_with(|| policy.clone());
            }
            let found = dependencies(&object).map_err(|message| EngineError::Compose {
                object: Box::new(key.clone()),
                source: ComposeError::invalid(format!(
                    "composed resource {:?}: {message}",
                    rendered.name
                )),
            })?;
            if !found.is_empty() {
                object.metadata.annotations.insert(
                    DEPENDS_ON_ANNOTATION.to_owned(),
                    found.iter().cloned().collect::<Vec<_>>().join(","),
                );
            }
            deps.push(found);
            resources.push(DesiredResource {
                name: rendered.name,
                object,
            });
        }
        let names: Vec<String> = resources.iter().map(|r| r.name.clone()).collect();
        let levels = levels(&names, &deps).map_err(|e| match e {
            Ok(cycle) => EngineError::Cycle {
                object: Box::new(key.clone()),
                cycle,
            },
            Err(message) => EngineError::Compose {
                object: Box::new(key.clone()),
                source: ComposeError::invalid(message),
            },
        })?;
        Ok(Some(ComposedClaim {
            composition: composition.clone(),
            composite,
            resources,
            levels,
            warnings: composed.warnings,
            read_back: composed.read_back,
        }))
    }

    /// The claims an Application requests, named `<application>-<resource>` and owned by it.
    pub(crate) fn children_of(
        &self,
        app: &DynamicObject,
    ) -> Result<Vec<DynamicObject>, EngineError> {
        let spec: ApplicationSpec = app.spec_as().map_err(|e| EngineError::Invalid {
            object: Box::new(app.object_ref()),
            origin: None,
            issues: vec![crate::schema::FieldIssue::at(Vec::new(), e.to_string())],
        })?;
        let mut children = Vec::with_capacity(spec.resources.len());
        for (local, request) in spec.resources {
            let def = self
                .inner
                .registry
                .find_kind(&request.kind)
                .map_err(|source| EngineError::UnknownKind {
                    object: None,
                    source,
                })?;
            let mut metadata = ObjectMeta::named(format!("{}-{local}", app.name()));
            metadata.namespace = Some(app.namespace().to_owned());
            metadata.labels = app.metadata.labels.clone();
            metadata.owner_references = vec![owner_reference(app)];
            metadata
                .annotations
                .insert(RESOURCE_NAME_ANNOTATION.to_owned(), local);
            if let Some(policy) = app.metadata.annotations.get(MANAGEMENT_POLICY_ANNOTATION) {
                metadata
                    .annotations
                    .insert(MANAGEMENT_POLICY_ANNOTATION.to_owned(), policy.clone());
            }
            let child = DynamicObject {
                api_version: def.gvk.api_version(),
                kind: def.gvk.kind.clone(),
                metadata,
                spec: Value::Object(request.spec),
                status: None,
            };
            // Like a claim of its own, a requested claim gets its kind's defaults (its
            // `engine`, say), which composition selection and admission both read.
            let mut json = serde_json::to_value(&child).unwrap_or(Value::Null);
            def.schema().apply_defaults(&mut json);
            children.push(serde_json::from_value(json).unwrap_or(child));
        }
        Ok(children)
    }
}
