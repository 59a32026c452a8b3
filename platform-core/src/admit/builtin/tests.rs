use serde_json::json;

use super::*;
use crate::admit::tests::{admit_in, create, database, object};
use crate::admit::{AdmissionRequest, GuardrailError, Guardrails, Operation};

fn engine(settings: serde_json::Value) -> Guardrails {
    let mut engine = Guardrails::new();
    engine
        .add_guardrails(&GuardrailSettings::from_value(&settings).unwrap())
        .unwrap();
    engine
}

fn messages(outcome: &crate::admit::AdmissionOutcome) -> Vec<String> {
    outcome
        .denials
        .iter()
        .map(|d| format!("{}: {}", d.policy, d.message))
        .collect()
}

#[test]
fn an_owner_label_is_required_by_default_key() {
    let engine = engine(json!({"requireOwner": {}}));
    let unowned = database("o", json!({"engine": "postgresql"}), json!({}), json!({}));
    let outcome = admit_in(&engine, "local", &[], vec![create(unowned, "o.yaml:1:1")]);
    assert_eq!(
        messages(&outcome),
        vec!["require-owner: expected an owner label platform.dev/owner, found none"]
    );
    let owned = database(
        "o",
        json!({"engine": "postgresql"}),
        json!({"platform.dev/owner": "team-a"}),
        json!({}),
    );
    assert!(
        admit_in(&engine, "local", &[], vec![create(owned, "o.yaml:1:1")])
            .denials
            .is_empty()
    );

    let custom = engine_with_label();
    let labelled = database(
        "o",
        json!({"engine": "postgresql"}),
        json!({"acme.io/team": "a"}),
        json!({}),
    );
    assert!(
        admit_in(&custom, "local", &[], vec![create(labelled, "o.yaml:1:1")])
            .denials
            .is_empty()
    );
}

fn engine_with_label() -> Guardrails {
    engine(json!({"requireOwner": {"label": "acme.io/team"}}))
}

#[test]
fn public_buckets_are_refused_in_production_only() {
    let engine = engine(json!({"noPublicBuckets": {}}));
    let bucket = object(json!({
        "apiVersion": "platform.dev/v1alpha1", "kind": "BucketClaim",
        "metadata": {"name": "assets"}, "spec": {"public": true}
    }));
    let outcome = admit_in(
        &engine,
        "production",
        &[],
        vec![create(bucket.clone(), "b.yaml:1:1")],
    );
    assert_eq!(
        messages(&outcome),
        vec![
            "no-public-buckets: expected spec.public false in production, found true: public buckets are not allowed there"
        ]
    );
    assert!(
        admit_in(&engine, "staging", &[], vec![create(bucket, "b.yaml:1:1")])
            .denials
            .is_empty()
    );
}

#[test]
fn production_databases_keep_backups() {
    let engine = engine(json!({"requireBackups": {}}));
    let none = database(
        "o",
        json!({"engine": "postgresql", "backup": "none"}),
        json!({}),
        json!({}),
    );
    let outcome = admit_in(&engine, "production", &[], vec![create(none, "o.yaml:1:1")]);
    assert_eq!(
        messages(&outcome),
        vec![
            "require-backups: expected backups in production (spec.backup daily or hourly), found none"
        ]
    );
    let defaulted = database("o", json!({"engine": "postgresql"}), json!({}), json!({}));
    assert!(
        admit_in(
            &engine,
            "production",
            &[],
            vec![create(defaulted, "o.yaml:1:1")]
        )
        .denials
        .is_empty()
    );
}

#[test]
fn sizes_are_limited_per_environment() {
    let engine = engine(json!({"maxSize": {"sizes": {"development": "medium"}, "mode": "Warn"}}));
    let large = database(
        "o",
        json!({"engine": "postgresql", "size": "large"}),
        json!({}),
        json!({}),
    );
    let outcome = admit_in(
        &engine,
        "development",
        &[],
        vec![create(large.clone(), "o.yaml:1:1")],
    );
    assert_eq!(outcome.admitted.len(), 1);
    assert!(
        outcome.warnings[0].ends_with(
            "policy \"max-size\": expected spec.size at most medium in development, found large"
        ),
        "{:?}",
        outcome.warnings
    );
    assert!(
        admit_in(
            &engine,
            "production",
            &[],
            vec![create(large, "o.yaml:1:1")]
        )
        .warnings
        .is_empty()
    );
}

#[test]
fn production_databases_refuse_delete_unless_orphaned_or_excepted() {
    let engine = engine(json!({"protectDatabases": {}}));
    let delete = |stored: crate::model::DynamicObject| AdmissionRequest {
        operation: Operation::Delete,
        object: stored.clone(),
        old_object: Some(std::sync::Arc::new(stored)),
        origin: Some("orders.yaml:1:1".into()),
    };
    let plain = database(
        "orders",
        json!({"engine": "postgresql"}),
        json!({"platform.dev/owner": "team-a"}),
        json!({}),
    );
    let outcome = admit_in(&engine, "production", &[], vec![delete(plain.clone())]);
    assert_eq!(outcome.denials.len(), 1);
    assert!(
        outcome.denials[0]
            .message
            .contains("set spec.deletionPolicy: Orphan first")
    );
    assert!(
        admit_in(&engine, "staging", &[], vec![delete(plain.clone())])
            .denials
            .is_empty()
    );

    let orphan = database(
        "orders",
        json!({"engine": "postgresql", "deletionPolicy": "Orphan"}),
        json!({}),
        json!({}),
    );
    assert!(
        admit_in(&engine, "production", &[], vec![delete(orphan)])
            .denials
            .is_empty()
    );

    let mut excepted = plain;
    excepted.metadata.annotations.insert(
        "platform.dev/policy-exception.protect-databases".into(),
        "replaced by orders-v2, data migrated".into(),
    );
    let outcome = admit_in(&engine, "production", &[], vec![delete(excepted)]);
    assert!(outcome.denials.is_empty());
    assert_eq!(outcome.events.len(), 1);
    assert_eq!(outcome.events[0].reason, "PolicyException");
}

#[test]
fn names_follow_the_configured_pattern() {
    let engine = engine(json!({"namePattern": {"pattern": "(orders|search)-[a-z0-9-]+"}}));
    let bad = database("db1", json!({"engine": "postgresql"}), json!({}), json!({}));
    let outcome = admit_in(&engine, "local", &[], vec![create(bad, "o.yaml:1:1")]);
    assert_eq!(
        messages(&outcome),
        vec!["name-pattern: expected a name matching (orders|search)-[a-z0-9-]+, found \"db1\""]
    );
    // The pattern matches whole names, not a part of one.
    let partial = database(
        "xorders-db",
        json!({"engine": "postgresql"}),
        json!({}),
        json!({}),
    );
    assert_eq!(
        admit_in(&engine, "local", &[], vec![create(partial, "o.yaml:1:1")])
            .denials
            .len(),
        1
    );
    let good = database(
        "orders-db",
        json!({"engine": "postgresql"}),
        json!({}),
        json!({}),
    );
    assert!(
        admit_in(&engine, "local", &[], vec![create(good, "o.yaml:1:1")])
            .denials
            .is_empty()
    );
}

#[test]
fn bad_settings_say_what_is_wrong() {
    let err = GuardrailSettings::from_value(&json!({"requireOwners": {}})).unwrap_err();
    assert!(err.contains("unknown field `requireOwners`"), "{err}");
    let err = GuardrailSettings::from_value(&json!({"maxSize": {"sizes": {"production": "huge"}}}))
        .unwrap_err();
    assert!(err.contains("unknown variant `huge`"), "{err}");
    let settings =
        GuardrailSettings::from_value(&json!({"namePattern": {"pattern": "(unclosed"}})).unwrap();
    let mut engine = Guardrails::new();
    let err = engine.add_guardrails(&settings).unwrap_err();
    assert!(matches!(err, GuardrailError::Settings(_)));
    assert!(
        err.to_string().contains("guardrails.namePattern.pattern"),
        "{err}"
    );
}

#[test]
fn every_guardrail_can_be_switched_on_together() {
    let engine = engine(json!({
        "requireOwner": {}, "noPublicBuckets": {}, "requireBackups": {},
        "maxSize": {"sizes": {"production": "large"}}, "protectDatabases": {},
        "namePattern": {"pattern": "[a-z][a-z0-9-]*"}
    }));
    let names: Vec<&str> = engine.policies().iter().map(|p| p.name()).collect();
    assert_eq!(
        names,
        vec![
            "require-owner",
            "no-public-buckets",
            "require-backups",
            "max-size",
            "protect-databases",
            "name-pattern"
        ]
    );
}
