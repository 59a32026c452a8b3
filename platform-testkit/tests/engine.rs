//! Engine behaviour on the harness: dependency order, cycles, crash safety, faults and retries,
//! permanent errors, management policies and secrets.

use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use platform_core::compose::{
    ComposeError, ComposeRequest, Composed, ComposedResource, CompositeTypeRef, Composition,
    ReadBack,
};
use platform_core::engine::{Backoff, MANAGEMENT_POLICY_ANNOTATION};
use platform_core::kinds::{DatabaseClaim, DatabaseClaimSpec, DatabaseEngine, Size};
use platform_core::model::{DynamicObject, Resource, time::now_rfc3339};
use platform_core::provider::ManagedResource;
use platform_core::store::{CreateIntent, StateStore, Write};
use platform_testkit::fake::{Fault, Operation};
use platform_testkit::harness::{Harness, TRIO_API_VERSION, trio_composition};

fn claim(name: &str, size: Size) -> DynamicObject {
    let mut spec = DatabaseClaimSpec::new(DatabaseEngine::Postgresql);
    spec.size = size;
    DatabaseClaim::new(name, spec).to_dynamic().unwrap()
}

fn trio() -> Harness {
    Harness::builder().composition(trio_composition()).build()
}

#[tokio::test]
async fn creates_follow_dependencies() {
    let harness = trio();
    harness
        .assert_converged(&[claim("orders", Size::Small)])
        .await;
    let creates: Vec<String> = harness
        .provider()
        .calls()
        .into_iter()
        .filter(|c| c.operation == Operation::Create)
        .map(|c| c.kind)
        .collect();
    assert_eq!(creates, ["Role", "Database", "Grant"]);
    // Placeholders were filled from the outputs of the resources they wait for.
    let grant = harness
        .cloud()
        .get(TRIO_API_VERSION, "Grant", "default-orders-grant")
        .unwrap();
    assert_eq!(grant.spec["role"], "default-orders-role");
    assert_eq!(grant.spec["database"], "default-orders-database");
    harness.assert_no_duplicates();
    harness.assert_no_leaks().await;
}

#[tokio::test]
async fn a_size_change_updates_only_what_it_touches() {
    let harness = trio();
    harness
        .assert_converged(&[claim("orders", Size::Small)])
        .await;
    let plan = harness
        .engine()
        .plan(&[claim("orders", Size::Large)])
        .await
        .unwrap();
    assert_eq!(plan.counts(), (0, 1, 0), "{plan:#?}");
    let change = &plan.actions[0];
    assert_eq!(change.name, "role");
    let report = harness
        .assert_converged(&[claim("orders", Size::Large)])
        .await;
    assert!(report.changed());
    let role = harness
        .cloud()
        .get(TRIO_API_VERSION, "Role", "default-orders-role")
        .unwrap();
    assert_eq!(role.spec["connectionLimit"], 100);
    assert_eq!(harness.provider().count(Operation::Update), 1);
}

struct Cyclic {
    type_ref: CompositeTypeRef,
    labels: BTreeMap<String, String>,
}

impl Composition for Cyclic {
    fn name(&self) -> &str {
        "cyclic"
    }
    fn composite_type(&self) -> &CompositeTypeRef {
        &self.type_ref
    }
    fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }
    fn compose(&self, request: &ComposeRequest<'_>) -> Result<Composed, ComposeError> {
        let make = |name: &str, kind: &str, wants: &str| ComposedResource {
            name: name.into(),
            object: json!({"apiVersion": TRIO_API_VERSION, "kind": kind, "metadata": {"name": name},
                           "spec": {"peer": format!("${{resources.{wants}.outputs.host}}")}}),
            ready: false,
        };
        Ok(Composed {
            read_back: ReadBack::new(request.composite.clone()),
            resources: vec![make("a", "Role", "b"), make("b", "Database", "a")],
            ..Composed::default()
        })
    }
}

#[tokio::test]
async fn a_dependency_cycle_is_reported_by_name_and_nothing_is_created() {
    let harness = Harness::builder()
        .composition(Arc::new(Cyclic {
            type_ref: CompositeTypeRef {
                api_version: "platform.dev/v1alpha1".into(),
                kind: "DatabaseClaim".into(),
            },
            labels: BTreeMap::new(),
        }))
        .build();
    let report = harness
        .engine()
        .apply(&[claim("loop", Size::Small)])
        .await
        .unwrap();
    let claim_report = &report.claims[0];
    assert!(!claim_report.ready && !claim_report.synced);
    assert_eq!(
        claim_report.message,
        "DatabaseClaim default/loop: dependency cycle: a -> b -> a"
    );
    assert!(harness.cloud().is_empty());
}

#[tokio::test]
async fn a_crash_between_create_and_record_is_resolved_by_observing() {
    let mut harness = trio();
    harness.cloud().set_strict_create(true);
    // The process wrote its intent, the provider created the role, then the process died.
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": TRIO_API_VERSION, "kind": "Role",
        "metadata": {"name": "orders-role", "namespace": "default",
                     "annotations": {"crossplane.io/composition-resource-name": "role"},
                     "ownerReferences": [{"apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim", "name": "orders", "controller": true}]},
        "spec": {"login": true, "connectionLimit": 20}
    }))
    .unwrap();
    let resource = ManagedResource::new(object.clone());
    // As apply does: the claim is stored before anything is created for it.
    harness
        .store()
        .commit(vec![
            Write::Put {
                object: claim("orders", Size::Small),
                expected: platform_core::store::Precondition::Absent,
            },
            Write::PutIntent(CreateIntent {
                key: object.object_ref(),
                object: object.clone(),
                external_name: resource.external_name.clone(),
                started_at: now_rfc3339(),
            }),
        ])
        .await
        .unwrap();
    use platform_core::provider::Provider;
    harness.provider().create(&resource).await.unwrap();

    harness.restart();
    assert_eq!(harness.engine().recover().await.unwrap(), 1);
    assert!(harness.store().intents().await.unwrap().is_empty());
    let adopted = harness
        .store()
        .get(&object.object_ref())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(adopted.status.unwrap()["conditions"][0]["status"], "True");
    // Applying the claim now adopts, never duplicates.
    harness
        .assert_converged(&[claim("orders", Size::Small)])
        .await;
    harness.assert_no_duplicates();
    harness.assert_no_leaks().await;
    assert_eq!(harness.cloud().len(), 3);
}

#[tokio::test]
async fn a_create_that_outlived_its_claims_delete_is_removed_by_recovery() {
    let mut harness = trio();
    // Another process created the role while this claim was being deleted; its record was
    // refused (the claim was gone) and its intent stayed behind.
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": TRIO_API_VERSION, "kind": "Role",
        "metadata": {"name": "gone-role", "namespace": "default",
                     "annotations": {"crossplane.io/composition-resource-name": "role"},
                     "ownerReferences": [{"apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim", "name": "gone", "controller": true}]},
        "spec": {"login": true, "connectionLimit": 20}
    }))
    .unwrap();
    let resource = ManagedResource::new(object.clone());
    harness
        .store()
        .commit(vec![Write::PutIntent(CreateIntent {
            key: object.object_ref(),
            object: object.clone(),
            external_name: resource.external_name.clone(),
            started_at: now_rfc3339(),
        })])
        .await
        .unwrap();
    use platform_core::provider::Provider;
    harness.provider().create(&resource).await.unwrap();
    assert_eq!(harness.cloud().len(), 1);

    harness.restart();
    assert_eq!(harness.engine().recover().await.unwrap(), 1);
    assert!(harness.store().intents().await.unwrap().is_empty());
    assert!(
        harness
            .store()
            .get(&object.object_ref())
            .await
            .unwrap()
            .is_none()
    );
    assert!(harness.cloud().is_empty(), "the leaked role is deleted");
}

#[tokio::test]
async fn a_lost_create_response_never_makes_a_duplicate() {
    let harness = trio();
    harness.cloud().set_strict_create(true);
    harness
        .provider()
        .add_fault(Operation::Create, Fault::lost_response().times(1))
        .unwrap();
    let first = harness
        .engine()
        .apply(&[claim("orders", Size::Small)])
        .await
        .unwrap();
    assert!(!first.all_ready());
    assert!(
        first.claims[0].message.contains("transient error"),
        "{}",
        first.claims[0].message
    );
    // The next reconcile observes the role that was created after all and adopts it.
    harness
        .assert_converged(&[claim("orders", Size::Small)])
        .await;
    harness.assert_no_duplicates();
    harness.assert_no_leaks().await;
}

#[tokio::test]
async fn the_controller_retries_transient_faults_until_ready_then_stops_on_shutdown() {
    let harness = trio();
    harness
        .provider()
        .add_fault(Operation::Create, Fault::transient().times(3))
        .unwrap();
    let engine = harness
        .engine_builder()
        .backoff(Backoff::new(
            Duration::from_millis(10),
            Duration::from_millis(50),
        ))
        .poll_interval(Duration::from_millis(100))
        .build();
    let objects = [claim("orders", Size::Small)];
    let first = engine.apply(&objects).await.unwrap();
    assert!(!first.all_ready());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let runner = {
        let engine = engine.clone();
        tokio::spawn(async move {
            engine
                .run(async {
                    let _ = stopped.await;
                })
                .await
        })
    };
    let key = objects[0].object_ref();
    let mut ready = false;
    for _ in 0..200 {
        let status = engine.status(&key).await.unwrap();
        if status
            .object
            .status
            .as_ref()
            .is_some_and(|s| s["conditions"][0]["status"] == "True")
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let _ = stop.send(());
    runner.await.unwrap().unwrap();
    assert!(
        ready,
        "the controller did not converge after transient faults"
    );
    assert_eq!(harness.cloud().len(), 3);
    harness.assert_no_duplicates();
}

#[tokio::test]
async fn a_permanent_error_becomes_a_condition_and_is_not_retried_until_the_spec_changes() {
    let harness = trio();
    harness
        .provider()
        .add_fault(Operation::Create, Fault::permanent())
        .unwrap();
    let engine = harness
        .engine_builder()
        .backoff(Backoff::new(
            Duration::from_millis(5),
            Duration::from_millis(20),
        ))
        .poll_interval(Duration::from_millis(30))
        .build();
    let objects = [claim("orders", Size::Small)];
    let report = engine.apply(&objects).await.unwrap();
    assert!(
        report.claims[0].message.contains("permanent error"),
        "{}",
        report.claims[0].message
    );
    let status = engine.status(&objects[0].object_ref()).await.unwrap();
    let synced = &status.object.status.as_ref().unwrap()["conditions"][1];
    assert_eq!(synced["type"], "Synced");
    assert_eq!(synced["status"], "False");
    assert_eq!(synced["reason"], "ReconcileError");
    assert_eq!(harness.provider().count(Operation::Create), 1);

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let runner = {
        let engine = engine.clone();
        tokio::spawn(async move {
            engine
                .run(async {
                    let _ = stopped.await;
                })
                .await
        })
    };
    // The loop reconciles every claim once when it starts, then leaves the permanent failure
    // alone through many polls and backoff periods.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        harness.provider().count(Operation::Create),
        2,
        "{:?}",
        harness.provider().calls()
    );
    // Another process changes the spec: the change feed brings it back, and it is retried.
    let mut changed = status.object.clone();
    changed.spec["size"] = json!("large");
    harness
        .store()
        .commit(vec![Write::Put {
            object: changed,
            expected: platform_core::store::Precondition::Any,
        }])
        .await
        .unwrap();
    let mut retried = false;
    for _ in 0..100 {
        if harness.provider().count(Operation::Create) >= 3 {
            retried = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop.send(());
    runner.await.unwrap().unwrap();
    assert!(retried, "a spec change did not bring the claim back");
}

#[tokio::test]
async fn observe_only_resources_are_never_created_or_deleted() {
    let harness = trio();
    let mut object = claim("imported", Size::Small);
    object
        .metadata
        .annotations
        .insert(MANAGEMENT_POLICY_ANNOTATION.into(), "ObserveOnly".into());
    let report = harness
        .engine()
        .apply(std::slice::from_ref(&object))
        .await
        .unwrap();
    assert!(!report.all_ready());
    assert!(harness.cloud().is_empty());
    assert!(
        report.claims[0].resources[0]
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("ObserveOnly resources are never created"),
        "{report:#?}"
    );
    harness.engine().delete(&object.object_ref()).await.unwrap();
    assert_eq!(harness.provider().count(Operation::Delete), 0);
}

#[tokio::test]
async fn drift_is_found_in_one_sweep_and_corrected() {
    let harness = trio();
    let objects = [claim("a", Size::Small), claim("b", Size::Medium)];
    harness.assert_converged(&objects).await;
    harness
        .cloud()
        .drift_change(
            TRIO_API_VERSION,
            "Role",
            "default-a-role",
            "spec.connectionLimit",
            json!(999),
        )
        .unwrap();
    harness
        .cloud()
        .drift_delete(TRIO_API_VERSION, "Grant", "default-b-grant")
        .unwrap();
    let report = harness.engine().reconcile_once().await.unwrap();
    assert_eq!(report.checked, 6);
    assert_eq!(report.drifted.len(), 2, "{report:#?}");
    assert_eq!(report.corrected, 2);
    assert!(
        harness
            .engine()
            .detect_drift()
            .await
            .unwrap()
            .drifted
            .is_empty()
    );
    let role = harness
        .cloud()
        .get(TRIO_API_VERSION, "Role", "default-a-role")
        .unwrap();
    assert_eq!(role.spec["connectionLimit"], 20);
    harness.assert_no_leaks().await;
}

#[tokio::test]
async fn deletes_run_in_reverse_order_and_are_idempotent() {
    let harness = trio();
    let object = claim("orders", Size::Small);
    harness
        .assert_converged(std::slice::from_ref(&object))
        .await;
    harness.engine().delete(&object.object_ref()).await.unwrap();
    let deletes: Vec<String> = harness
        .provider()
        .calls()
        .into_iter()
        .filter(|c| c.operation == Operation::Delete)
        .map(|c| c.kind)
        .collect();
    assert_eq!(deletes, ["Grant", "Database", "Role"]);
    assert!(harness.cloud().is_empty());
    let again = harness
        .engine()
        .delete(&object.object_ref())
        .await
        .unwrap_err();
    assert_eq!(again.to_string(), "DatabaseClaim default/orders not found");
}

#[tokio::test]
async fn secrets_never_show_in_reports_status_or_errors() {
    let harness = trio();
    let object = claim("orders", Size::Small);
    let report = harness
        .assert_converged(std::slice::from_ref(&object))
        .await;
    let status = harness.engine().status(&object.object_ref()).await.unwrap();
    let shown = format!(
        "{report:?} {status:?} {}",
        serde_json::to_string(&report).unwrap()
    );
    for real in harness.cloud().resources() {
        let password = real.password.expose().to_owned();
        assert!(!shown.contains(&password), "a password leaked into output");
    }
    // The secrets are stored, for the engine to hand to applications.
    let stored = harness
        .store()
        .secrets(&status.resources[0].object_ref())
        .await
        .unwrap();
    assert!(stored.get("password").is_some());
}

#[tokio::test]
async fn a_failed_recreate_leaves_no_create_intent_behind() {
    let harness = trio();
    let objects = [claim("orders", Size::Small)];
    harness.assert_converged(&objects).await;
    harness
        .cloud()
        .drift_delete(TRIO_API_VERSION, "Role", "default-orders-role")
        .unwrap();
    harness
        .provider()
        .add_fault(Operation::Create, Fault::transient().times(1))
        .unwrap();
    let report = harness.engine().apply(&objects).await.unwrap();
    assert!(
        !report.all_ready(),
        "a missing role whose re-create failed is not ready"
    );
    // The record says what happened; an intent would make a restart resurrect an old spec.
    assert!(harness.store().intents().await.unwrap().is_empty());
    harness.assert_converged(&objects).await;
    harness.assert_no_duplicates();
}

#[tokio::test]
async fn policies_see_the_kinds_defaults_on_fields_a_claim_leaves_out() {
    use platform_core::admit::Guardrails;
    use platform_core::load::{Format, Loader};
    let policy = "apiVersion: platform.dev/v1alpha1
kind: Policy
metadata: {name: small-only}
spec:
  mode: Enforce
  match: {kinds: [DatabaseClaim]}
  validations:
    - expression: \"object.spec.size == 'small' && object.spec.storageGiB <= 20\"
      message: only small databases here
";
    let loaded = Loader::new().load_str(std::sync::Arc::from("policy.yaml"), policy, Format::Yaml);
    let mut policies = Guardrails::new();
    policies.add_documents(&loaded.documents).unwrap();
    let harness = trio();
    let engine = harness
        .engine_builder()
        .admission(Arc::new(policies))
        .build();
    // No size and no storageGiB in the claim: the kind's defaults (small, 20) are what policies see.
    let mut object = claim("defaults", Size::Small);
    object.spec.as_object_mut().unwrap().remove("size");
    object.spec.as_object_mut().unwrap().remove("storageGiB");
    let report = engine.apply(std::slice::from_ref(&object)).await.unwrap();
    assert!(report.all_ready(), "{report:#?}");
    let stored = engine.status(&object.object_ref()).await.unwrap();
    assert_eq!(
        stored.object.spec["size"], "small",
        "the stored spec carries the default"
    );
    object.spec["size"] = json!("large");
    let denied = engine
        .apply(std::slice::from_ref(&object))
        .await
        .unwrap_err();
    assert!(
        denied.to_string().contains("only small databases here"),
        "{denied}"
    );
}
