//! Guardrails as a user meets it: policy files, requests, denials, warnings and events.

use serde_json::{Value, json};
use std::sync::Arc;

use super::*;
use crate::load::{Format, Loader};
use crate::model::DynamicObject;

pub(crate) fn engine_from(file: &str, yaml: &str) -> Result<Guardrails, GuardrailError> {
    let loaded = Loader::new().load_str(Arc::from(file), yaml, Format::Yaml);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let mut engine = Guardrails::new();
    engine.add_documents(&loaded.documents)?;
    Ok(engine)
}

pub(crate) fn object(value: Value) -> DynamicObject {
    serde_json::from_value(value).unwrap()
}

pub(crate) fn database(
    name: &str,
    spec: Value,
    labels: Value,
    annotations: Value,
) -> DynamicObject {
    object(json!({
        "apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim",
        "metadata": {"name": name, "labels": labels, "annotations": annotations},
        "spec": spec
    }))
}

pub(crate) fn create(object: DynamicObject, origin: &str) -> AdmissionRequest {
    AdmissionRequest {
        operation: Operation::Create,
        object,
        old_object: None,
        origin: Some(origin.to_owned()),
    }
}

pub(crate) fn admit_in(
    engine: &Guardrails,
    environment: &str,
    stored: &[DynamicObject],
    requests: Vec<AdmissionRequest>,
) -> AdmissionOutcome {
    let data = json!({});
    let context = AdmissionContext {
        environment,
        environment_data: &data,
        stored,
    };
    engine.evaluate(&context, requests)
}

const PRODUCTION_DATABASES: &str = r#"apiVersion: platform.dev/v1alpha1
kind: Policy
metadata: {name: production-databases}
spec:
  mode: Enforce
  match: {kinds: [DatabaseClaim], environments: [production]}
  defaults:
    - {path: spec.backup, value: daily}
  validations:
    - expression: "object.spec.size != 'xlarge' || has(object.metadata.labels.owner)"
      message: "xlarge databases need an owner"
    - expression: "object.spec.backup != 'none'"
      message: "production databases keep backups"
  allowExceptions: true
"#;

fn with_mode(mode: &str) -> Guardrails {
    engine_from(
        "policies/databases.yaml",
        &PRODUCTION_DATABASES.replace("mode: Enforce", &format!("mode: {mode}")),
    )
    .unwrap()
}

fn bad_database() -> DynamicObject {
    database(
        "orders",
        json!({"engine": "postgresql", "size": "xlarge", "backup": "none"}),
        json!({}),
        json!({}),
    )
}

#[test]
fn enforce_denies_with_every_violation_policy_message_and_origin() {
    let engine = with_mode("Enforce");
    let outcome = admit_in(
        &engine,
        "production",
        &[],
        vec![create(bad_database(), "claims/orders.yaml:3:1")],
    );
    assert!(outcome.admitted.is_empty());
    let texts: Vec<String> = outcome.denials.iter().map(ToString::to_string).collect();
    assert_eq!(
        texts,
        vec![
            "claims/orders.yaml:3:1: DatabaseClaim default/orders denied by policy \"production-databases\": xlarge databases need an owner",
            "claims/orders.yaml:3:1: DatabaseClaim default/orders denied by policy \"production-databases\": production databases keep backups",
        ]
    );
}

#[test]
fn every_object_of_a_request_is_checked_before_answering() {
    let engine = with_mode("Enforce");
    let good = database(
        "billing",
        json!({"engine": "postgresql", "size": "small"}),
        json!({}),
        json!({}),
    );
    let mut second = bad_database();
    second.metadata.name = "payments".into();
    let outcome = admit_in(
        &engine,
        "production",
        &[],
        vec![
            create(bad_database(), "a.yaml:1:1"),
            create(good, "b.yaml:1:1"),
            create(second, "c.yaml:1:1"),
        ],
    );
    assert_eq!(outcome.denials.len(), 4);
    assert!(
        outcome.admitted.is_empty(),
        "one denial refuses the whole request"
    );
    assert!(
        outcome
            .denials
            .iter()
            .any(|d| d.origin.as_deref() == Some("c.yaml:1:1"))
    );
}

#[test]
fn warn_admits_and_prints_the_warnings() {
    let engine = with_mode("Warn");
    let outcome = admit_in(
        &engine,
        "production",
        &[],
        vec![create(bad_database(), "orders.yaml:1:1")],
    );
    assert!(outcome.denials.is_empty());
    assert_eq!(outcome.admitted.len(), 1);
    assert_eq!(outcome.warnings.len(), 2);
    assert_eq!(
        outcome.warnings[0],
        "orders.yaml:1:1: DatabaseClaim default/orders: policy \"production-databases\": xlarge databases need an owner"
    );
    assert!(outcome.events.is_empty());
}

#[test]
fn audit_only_records_events_and_changes_nothing() {
    let engine = with_mode("Audit");
    let mut object = bad_database();
    object.spec.as_object_mut().unwrap().remove("backup");
    let outcome = admit_in(
        &engine,
        "production",
        &[],
        vec![create(object, "orders.yaml:1:1")],
    );
    assert!(outcome.denials.is_empty() && outcome.warnings.is_empty());
    assert_eq!(
        outcome.admitted[0].spec.get("backup"),
        None,
        "audit does not mutate"
    );
    let messages: Vec<&str> = outcome.events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "policy production-databases would set spec.backup = \"daily\"",
            "policy production-databases: xlarge databases need an owner",
            // The default was only recorded, so the backup rule meets an absent field.
            "policy production-databases: production databases keep backups (the rule could not be evaluated: No such key: backup; expression: object.spec.backup != 'none')",
        ]
    );
    assert!(
        outcome
            .events
            .iter()
            .all(|e| e.reason == AUDIT_EVENT_REASON)
    );
}

#[test]
fn defaults_fill_absent_fields_before_validations_run() {
    let engine = with_mode("Enforce");
    let object = database(
        "orders",
        json!({"engine": "postgresql", "size": "small"}),
        json!({}),
        json!({}),
    );
    let outcome = admit_in(
        &engine,
        "production",
        &[],
        vec![create(object.clone(), "o.yaml:1:1")],
    );
    assert!(outcome.denials.is_empty(), "{:?}", outcome.denials);
    assert_eq!(outcome.admitted[0].spec["backup"], "daily");

    // Outside the matched environment the policy neither mutates nor validates.
    let outcome = admit_in(
        &engine,
        "development",
        &[],
        vec![create(object, "o.yaml:1:1")],
    );
    assert_eq!(outcome.admitted[0].spec.get("backup"), None);
}

#[test]
fn a_default_that_validation_then_refuses_is_reported() {
    let engine = engine_from(
        "p.yaml",
        r#"apiVersion: platform.dev/v1alpha1
kind: Policy
metadata: {name: sizes}
spec:
  defaults: [{path: spec.size, value: medium}]
  validations:
    - {expression: "object.spec.size == 'small'", message: "only small here"}
"#,
    )
    .unwrap();
    let object = database("a", json!({"engine": "postgresql"}), json!({}), json!({}));
    let outcome = admit_in(&engine, "local", &[], vec![create(object, "a.yaml:1:1")]);
    assert_eq!(outcome.denials.len(), 1);
    assert_eq!(outcome.denials[0].message, "only small here");
}

#[test]
fn an_exception_with_a_reason_lets_the_object_through_as_a_recorded_warning() {
    let engine = with_mode("Enforce");
    let object = database(
        "orders",
        json!({"engine": "postgresql", "size": "xlarge", "backup": "none"}),
        json!({"platform.dev/owner": "team-orders"}),
        json!({"platform.dev/policy-exception.production-databases": "data is rebuilt nightly from the lake"}),
    );
    let outcome = admit_in(
        &engine,
        "production",
        &[],
        vec![create(object, "orders.yaml:2:1")],
    );
    assert!(outcome.denials.is_empty(), "{:?}", outcome.denials);
    assert_eq!(outcome.admitted.len(), 1);
    assert_eq!(outcome.warnings.len(), 1);
    assert!(
        outcome.warnings[0]
            .contains("let through by exception (data is rebuilt nightly from the lake)")
    );
    assert!(
        outcome.warnings[0]
            .contains("xlarge databases need an owner; production databases keep backups")
    );
    let counts = exception_counts(&outcome.events);
    assert_eq!(
        counts,
        vec![ExceptionCount {
            policy: "production-databases".into(),
            owner: "team-orders".into(),
            count: 1
        }]
    );
}

#[test]
fn an_exception_without_a_reason_is_refused() {
    let engine = with_mode("Enforce");
    let mut object = bad_database();
    object.metadata.annotations.insert(
        "platform.dev/policy-exception.production-databases".into(),
        "  ".into(),
    );
    let outcome = admit_in(
        &engine,
        "production",
        &[],
        vec![create(object, "orders.yaml:2:1")],
    );
    assert_eq!(outcome.denials.len(), 2);
    assert!(outcome.denials[0].message.ends_with(
        "(exception refused: annotation platform.dev/policy-exception.production-databases needs a reason)"
    ));
    assert!(
        outcome.events.is_empty(),
        "a refused exception is not recorded as used"
    );
}

#[test]
fn an_exception_to_a_policy_that_allows_none_is_ignored_and_says_so() {
    let engine = engine_from(
        "p.yaml",
        &PRODUCTION_DATABASES.replace("allowExceptions: true", "allowExceptions: false"),
    )
    .unwrap();
    let mut object = bad_database();
    object.metadata.annotations.insert(
        "platform.dev/policy-exception.production-databases".into(),
        "please".into(),
    );
    let outcome = admit_in(
        &engine,
        "production",
        &[],
        vec![create(object, "o.yaml:1:1")],
    );
    assert_eq!(outcome.denials.len(), 2);
    assert!(outcome.denials[0].message.contains("allows no exceptions"));
}

#[test]
fn updates_are_checked_against_the_old_object() {
    let engine = engine_from(
        "policies/shrink.yaml",
        r#"apiVersion: platform.dev/v1alpha1
kind: Policy
metadata: {name: no-shrinking}
spec:
  match: {kinds: [DatabaseClaim], operations: [update]}
  validations:
    - expression: "object.spec.storageGiB >= oldObject.spec.storageGiB"
      message: "storage cannot shrink"
"#,
    )
    .unwrap();
    let old = database(
        "orders",
        json!({"engine": "postgresql", "storageGiB": 100}),
        json!({}),
        json!({}),
    );
    let smaller = database(
        "orders",
        json!({"engine": "postgresql", "storageGiB": 50}),
        json!({}),
        json!({}),
    );
    let update = |new: DynamicObject| AdmissionRequest {
        operation: Operation::Update,
        object: new,
        old_object: Some(std::sync::Arc::new(old.clone())),
        origin: Some("orders.yaml:1:1".into()),
    };
    let outcome = admit_in(
        &engine,
        "production",
        std::slice::from_ref(&old),
        vec![update(smaller.clone())],
    );
    assert_eq!(outcome.denials.len(), 1);
    assert_eq!(outcome.denials[0].message, "storage cannot shrink");

    let bigger = database(
        "orders",
        json!({"engine": "postgresql", "storageGiB": 200}),
        json!({}),
        json!({}),
    );
    assert!(
        admit_in(&engine, "production", &[], vec![update(bigger)])
            .denials
            .is_empty()
    );

    // The policy matches updates only: creating a small database is fine.
    assert!(
        admit_in(
            &engine,
            "production",
            &[],
            vec![create(smaller, "o.yaml:1:1")]
        )
        .denials
        .is_empty()
    );
}

#[test]
fn a_rule_that_cannot_be_evaluated_denies_and_explains_why() {
    let engine = engine_from(
        "p.yaml",
        r#"apiVersion: platform.dev/v1alpha1
kind: Policy
metadata: {name: replicas}
spec:
  validations:
    - {expression: "object.spec.replicas <= 3", message: "at most three replicas"}
"#,
    )
    .unwrap();
    let object = database("a", json!({"engine": "postgresql"}), json!({}), json!({}));
    let outcome = admit_in(&engine, "local", &[], vec![create(object, "a.yaml:1:1")]);
    assert_eq!(outcome.denials.len(), 1);
    let message = &outcome.denials[0].message;
    assert!(
        message.starts_with("at most three replicas (the rule could not be evaluated"),
        "{message}"
    );
    assert!(message.contains("replicas"), "{message}");
}

#[test]
fn broken_cel_is_reported_with_file_line_and_expression() {
    let err = engine_from(
        "policies/broken.yaml",
        r#"apiVersion: platform.dev/v1alpha1
kind: Policy
metadata: {name: broken}
spec:
  validations:
    - expression: "object.spec.size =="
    - expression: "objet.spec.size == 'small'"
"#,
    )
    .unwrap_err();
    let GuardrailError::Invalid(found) = &err else {
        panic!("{err}");
    };
    assert_eq!(found.len(), 2, "{err}");
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("policies/broken.yaml:6:19: spec.validations[0].expression: expected a valid CEL expression in policy \"broken\", found \"object.spec.size ==\": syntax error"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("policies/broken.yaml:7:19: spec.validations[1].expression: expected a CEL expression that can give a boolean in policy \"broken\", found \"objet.spec.size == 'small'\": type error"),
        "{text}"
    );
    assert!(lines[1].contains("unknown variable 'objet'"), "{text}");
}

#[test]
fn policy_documents_report_every_mistake_located() {
    let err = engine_from(
        "policies/typos.yaml",
        r#"apiVersion: platform.dev/v1alpha1
kind: Policy
metadata: {name: Typos}
spec:
  mode: Strict
  match: {kind: [DatabaseClaim], operations: [patch]}
  defaults:
    - {path: status.ready, value: true}
  validation: []
"#,
    )
    .unwrap_err();
    let text = err.to_string();
    for expected in [
        "policies/typos.yaml:3:18: metadata.name:",
        "policies/typos.yaml:9:3: spec.validation: unknown field \"validation\": expected one of mode, match, defaults, validations, allowExceptions",
        "policies/typos.yaml:5:9: spec.mode: expected Enforce, Warn or Audit, found \"Strict\"",
        "spec.match.kind: unknown field \"kind\"",
        "spec.match.operations[0]: expected create, update or delete, found \"patch\"",
        "spec.defaults[0].path: expected a path under spec",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn documents_of_other_kinds_and_duplicate_names_are_refused_and_nothing_is_added() {
    let mut engine = Guardrails::new();
    let yaml = format!(
        "{PRODUCTION_DATABASES}---\n{PRODUCTION_DATABASES}---\napiVersion: platform.dev/v1alpha1\nkind: DatabaseClaim\nmetadata: {{name: x}}\nspec: {{engine: postgresql}}\n"
    );
    let loaded = Loader::new().load_str(Arc::from("all.yaml"), &yaml, Format::Yaml);
    let err = engine
        .add_documents(&loaded.documents)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("policy \"production-databases\" is defined twice"),
        "{err}"
    );
    assert!(err.contains("expected a Policy, PriceList or Budget (platform.dev/v1alpha1), found \"DatabaseClaim\""), "{err}");
    assert!(engine.policies().is_empty());
}

#[test]
fn policies_load_from_files_and_folders() {
    let dir = std::env::temp_dir().join(format!("platform-guardrails-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("teams")).unwrap();
    std::fs::write(dir.join("databases.yaml"), PRODUCTION_DATABASES).unwrap();
    std::fs::write(
        dir.join("teams/orders.yaml"),
        "apiVersion: platform.dev/v1alpha1\nkind: Budget\nmetadata: {name: orders}\nspec: {owner: team-orders, monthlyLimit: 300}\n",
    )
    .unwrap();
    let mut engine = Guardrails::new();
    let result = engine.load_paths(&[&dir]);
    std::fs::remove_dir_all(&dir).ok();
    result.unwrap();
    assert_eq!(engine.policies().len(), 1);
    assert_eq!(engine.budgets()[0].monthly_limit, Money::from_units(300.0));
}

#[test]
fn typed_policies_run_beside_declarative_ones() {
    struct DurableQueues;
    impl Policy for DurableQueues {
        fn name(&self) -> &str {
            "durable-queues"
        }
        fn mode(&self) -> Mode {
            Mode::Warn
        }
        fn matches(&self, input: &PolicyInput<'_>) -> bool {
            input.object.kind == "QueueClaim"
        }
        fn validate(&self, input: &PolicyInput<'_>) -> Vec<String> {
            if input.object.spec.get("durable") == Some(&json!(false)) {
                vec!["queues should be durable".into()]
            } else {
                Vec::new()
            }
        }
    }
    let mut engine = with_mode("Enforce");
    engine.add_policy(Arc::new(DurableQueues)).unwrap();
    assert!(matches!(
        engine.add_policy(Arc::new(DurableQueues)),
        Err(GuardrailError::DuplicatePolicy(_))
    ));
    let queue = object(json!({
        "apiVersion": "platform.dev/v1alpha1", "kind": "QueueClaim",
        "metadata": {"name": "jobs"}, "spec": {"engine": "rabbitmq", "durable": false}
    }));
    let outcome = admit_in(
        &engine,
        "production",
        &[],
        vec![create(queue, "q.yaml:1:1")],
    );
    assert_eq!(outcome.admitted.len(), 1);
    assert!(outcome.warnings[0].ends_with("policy \"durable-queues\": queues should be durable"));
}

#[tokio::test]
async fn the_engine_is_an_admission_hook() {
    let engine: Arc<dyn AdmissionHook> = Arc::new(with_mode("Enforce"));
    let data = json!({});
    let context = AdmissionContext {
        environment: "production",
        environment_data: &data,
        stored: &[],
    };
    let outcome = engine
        .admit(&context, vec![create(bad_database(), "o.yaml:1:1")])
        .await;
    assert_eq!(outcome.denials.len(), 2);
}
