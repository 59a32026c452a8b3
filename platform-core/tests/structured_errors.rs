//! Errors keep their structure: an embedder matches on what went wrong (the patch that failed,
//! the kind that is unknown) instead of parsing a message.

use serde_json::json;
use std::sync::Arc;

use platform_core::compose::pt::error::RenderError;
use platform_core::compose::{
    ComposeError, ComposeRequest, Composition, DeclarativeComposition, ObservedResources,
};
use platform_core::engine::{Engine, EngineError};
use platform_core::kinds::RegistryError;
use platform_core::model::DynamicObject;

/// A bucket composition whose second patch multiplies the claim's name: a transform that
/// fails on every claim.
fn failing_composition() -> DeclarativeComposition {
    DeclarativeComposition::from_value(&json!({
        "apiVersion": "apiextensions.crossplane.io/v1",
        "kind": "Composition",
        "metadata": {"name": "bucket-broken"},
        "spec": {
            "compositeTypeRef": {"apiVersion": "platform.dev/v1alpha1", "kind": "BucketClaim"},
            "resources": [{
                "name": "bucket",
                "base": {"apiVersion": "local.platform.dev/v1alpha1", "kind": "LocalBucket", "spec": {}},
                "patches": [
                    {"fromFieldPath": "metadata.name", "toFieldPath": "spec.directory"},
                    {"fromFieldPath": "metadata.name", "toFieldPath": "spec.size",
                     "transforms": [{"type": "math", "math": {"multiply": 2}}]}
                ]
            }]
        }
    }))
    .unwrap()
}

fn bucket(name: &str) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "platform.dev/v1alpha1",
        "kind": "BucketClaim",
        "metadata": {"name": name, "namespace": "team-a"},
        "spec": {}
    }))
    .unwrap()
}

#[tokio::test]
async fn a_failed_patch_reaches_the_caller_as_the_renderers_error() {
    let composition = failing_composition();
    let composite = serde_json::to_value(bucket("logs")).unwrap();
    let observed = ObservedResources::new();
    let error = composition
        .compose(&ComposeRequest {
            composite: &composite,
            observed: &observed,
            environment: None,
        })
        .unwrap_err();
    let ComposeError::Render(RenderError::ComposedPatch {
        resource, index, ..
    }) = &error
    else {
        panic!("expected the renderer's patch error, found {error:?}");
    };
    assert_eq!((resource.as_str(), *index), ("bucket", 1));
    // The chain is walkable with std's Error::source, down to the transform.
    let mut depth = 0;
    let mut cause: Option<&dyn std::error::Error> = Some(&error);
    while let Some(e) = cause {
        depth += 1;
        cause = e.source();
    }
    assert!(depth >= 3, "{error}: only {depth} levels");
    // The engine says the same, word for word, when it plans the claim.
    let engine = Engine::builder()
        .composition(Arc::new(composition))
        .unwrap()
        .build();
    let plan = engine.plan(&[bucket("logs")]).await.unwrap();
    assert_eq!(plan.warnings, [format!("BucketClaim team-a/logs: {error}")]);
}

#[tokio::test]
async fn an_unknown_kind_names_the_object_and_keeps_the_registrys_answer() {
    let engine = Engine::builder().build();
    let mut object = bucket("logs");
    object.kind = "BuketClaim".into();
    let error = engine.apply(&[object]).await.unwrap_err();
    let EngineError::UnknownKind {
        object: Some(object),
        source: RegistryError::UnknownKind { kind, .. },
    } = &error
    else {
        panic!("expected an unknown kind, found {error:?}");
    };
    assert_eq!(
        (object.name.as_str(), kind.as_str()),
        ("logs", "BuketClaim")
    );
}
