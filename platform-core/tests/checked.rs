//! Validate once: documents become checked objects that carry their kind's defaults and the
//! file and line they came from as data; the engine takes them as they are.

use std::sync::Arc;

use platform_core::engine::{Engine, EngineError};
use platform_core::kinds::KindRegistry;
use platform_core::load::{Format, Loader};
use platform_core::model::Resource;
use platform_core::validate::{Checked, Validator};

fn checked(file: &str, text: &str) -> Vec<Checked> {
    let loaded = Loader::new().load_str(Arc::from(file), text, Format::Yaml);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    Validator::new(&KindRegistry::builtin())
        .checked(&loaded.documents)
        .unwrap_or_else(|report| panic!("{report:?}"))
}

const BUCKET: &str = "apiVersion: platform.dev/v1alpha1
kind: BucketClaim
metadata:
  name: logs
  namespace: team-a
spec: {}
";

#[test]
fn checked_documents_carry_defaults_and_where_they_came_from() {
    let objects = checked("claims.yaml", &format!("# the team's buckets\n{BUCKET}"));
    assert_eq!(objects[0].origin(), Some("claims.yaml:2:1"));
    assert_eq!(
        objects[0].object().spec["versioning"],
        false,
        "the kind's default is filled in: {}",
        objects[0].object().spec
    );
    assert!(
        objects[0].object().metadata.annotations.is_empty(),
        "the origin is data, not an annotation that would be stored with the claim"
    );
}

#[tokio::test]
async fn moving_a_claim_within_its_file_changes_nothing_stored() {
    // No provider: the claim is stored and stays unready, which is all this test needs.
    let engine = Engine::builder().build();
    let first = engine
        .apply_checked(checked("claims.yaml", BUCKET))
        .await
        .unwrap();
    let key = first.claims[0].claim.clone();
    let stored = engine.store().get(&key).await.unwrap().unwrap();
    // The same claim, now further down its file.
    let moved = checked("claims.yaml", &format!("# moved\n\n\n{BUCKET}"));
    assert_eq!(moved[0].origin(), Some("claims.yaml:4:1"));
    engine.apply_checked(moved).await.unwrap();
    let again = engine.store().get(&key).await.unwrap().unwrap();
    assert_eq!(
        again.metadata.resource_version, stored.metadata.resource_version,
        "the stored claim was not rewritten"
    );
    let updated = engine
        .store()
        .events(&key)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.reason == "Updated")
        .count();
    assert_eq!(
        updated, 0,
        "no Updated event for a claim that did not change"
    );
}

#[tokio::test]
async fn objects_built_in_code_are_checked_by_the_engine_once() {
    let engine = Engine::builder().build();
    let mut object = checked("claims.yaml", BUCKET)[0].object().clone();
    object.spec = serde_json::json!({});
    let checked = engine.check(std::slice::from_ref(&object)).unwrap();
    assert_eq!(checked[0].object().spec["versioning"], false);
    assert_eq!(checked[0].origin(), None);
    let twice = vec![checked[0].clone(), checked[0].clone()];
    let error = engine.apply_checked(twice).await.unwrap_err();
    assert!(
        matches!(&error, EngineError::Duplicate(key) if key.name == object.name()),
        "{error:?}"
    );
    object.spec = serde_json::json!({"versioning": "yes"});
    let error = engine.check(&[object]).unwrap_err();
    assert!(matches!(error, EngineError::Invalid { .. }), "{error:?}");
}
