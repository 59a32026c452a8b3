//! What the engine records in the journal on its own, on a scripted timeline with a clock the
//! test sets: deployments (success and failure, commits, unplanned), rollbacks, claims created
//! outside templates, policy exceptions, and drift repaired by a person and by the controller.

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

use platform_core::admit::{GuardrailSettings, Guardrails};
use platform_core::clock::ManualClock;
use platform_core::engine::{Deployment, Engine};
use platform_core::model::DynamicObject;
use platform_core::store::{JournalEntry, JournalQuery, StateStore, kinds};
use platform_testkit::fake::{Fault, Operation};
use platform_testkit::harness::{Harness, TRIO_API_VERSION, trio_composition};

/// 2026-11-02T09:00:00Z.
const T0: i64 = 1_793_610_000_000;
const HOUR: i64 = 3_600_000;

fn app(replicas: u32, size: &str, annotations: Value) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "platform.dev/v1alpha1", "kind": "Application",
        "metadata": {"name": "shop", "namespace": "team-a",
                     "labels": {"platform.dev/owner": "team-a"}, "annotations": annotations},
        "spec": {
            "replicas": replicas,
            "containers": [{"name": "shop", "image": "shop:1"}],
            "resources": {"db": {"kind": "DatabaseClaim",
                                 "spec": {"engine": "postgresql", "size": size}}},
        },
    }))
    .unwrap()
}

fn production(harness: &Harness, clock: &ManualClock) -> Engine {
    harness
        .engine_builder()
        .production(true)
        .clock(Arc::new(clock.clone()))
        .actor("alice")
        .build()
}

async fn entries(harness: &Harness, kind: &str) -> Vec<(i64, Value)> {
    let query = JournalQuery {
        kinds: vec![kind.to_owned()],
        ..JournalQuery::default()
    };
    harness
        .store()
        .journal(&query)
        .await
        .unwrap()
        .iter()
        .map(|e: &JournalEntry| (e.time_ms, e.body_value()))
        .collect()
}

async fn apply(engine: &Engine, object: DynamicObject, deployment: Deployment) {
    let checked = engine.check(&[object]).unwrap();
    engine.apply_checked_as(checked, &deployment).await.unwrap();
}

#[tokio::test]
async fn deployments_rollbacks_and_failures_are_recorded_at_the_clocks_time() {
    let harness = Harness::builder().composition(trio_composition()).build();
    let clock = ManualClock::at(T0);
    let engine = production(&harness, &clock);

    // v1, commits from the annotation.
    apply(
        &engine,
        app(2, "small", json!({"platform.dev/commits": "c1, c0"})),
        Deployment::default(),
    )
    .await;
    // v2, commits from the caller.
    clock.set(T0 + HOUR);
    let v2 = Deployment {
        commits: vec!["c2".into()],
        unplanned: false,
    };
    apply(&engine, app(3, "small", json!({})), v2.clone()).await;
    // The same spec again deploys nothing.
    clock.set(T0 + 2 * HOUR);
    apply(&engine, app(3, "small", json!({})), v2).await;
    // Back to v1: a rollback, and unplanned.
    clock.set(T0 + 3 * HOUR);
    apply(
        &engine,
        app(2, "small", json!({"platform.dev/unplanned": "true"})),
        Deployment::default(),
    )
    .await;
    // A change the provider refuses: a failed deployment.
    harness
        .provider()
        .add_fault(Operation::Update, Fault::permanent())
        .unwrap();
    clock.set(T0 + 4 * HOUR);
    apply(&engine, app(2, "large", json!({})), Deployment::default()).await;

    let deploys = entries(&harness, kinds::DEPLOY).await;
    let summary: Vec<(i64, &str, Value, bool, bool)> = deploys
        .iter()
        .map(|(t, b)| {
            (
                (t - T0) / HOUR,
                b["status"].as_str().unwrap(),
                b["changes"].clone(),
                b["unplanned"].as_bool().unwrap(),
                b["rollback"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (0, "success", json!(["c1", "c0"]), false, false),
            (1, "success", json!(["c2"]), false, false),
            (3, "success", json!([]), true, true),
            (4, "failure", json!([]), false, false),
        ]
    );
    assert!(
        deploys
            .iter()
            .all(|(_, b)| b["service"] == "component:team-a/shop" && b["team"] == "team-a")
    );
    let rollbacks = entries(&harness, kinds::ROLLBACK).await;
    assert_eq!(rollbacks.len(), 1);
    assert_eq!(rollbacks[0].0, T0 + 3 * HOUR);
    assert_eq!(
        rollbacks[0].1["restores"],
        format!("team-a/shop@{T0}"),
        "the rollback names the deployment whose spec it brought back"
    );
    // The Application was created once, outside any template.
    let claims = entries(&harness, kinds::CLAIM).await;
    assert_eq!(claims.len(), 1, "{claims:?}");
    assert_eq!(claims[0].1["template"], Value::Null);
    assert_eq!(claims[0].1["team"], "team-a");
}

/// Two engines on one store (two `platformctl` processes on one state): each finds the
/// rollbacks the other's deployments make, and a spec deployed two releases ago and brought
/// back is a rollback however long the history before it.
#[tokio::test]
async fn engines_sharing_a_store_see_each_others_deployments_when_looking_for_rollbacks() {
    let harness = Harness::builder().composition(trio_composition()).build();
    let clock = ManualClock::at(T0);
    let first = production(&harness, &clock);
    let second = production(&harness, &clock);
    // A long history of other specs before: the look must not depend on reading it all.
    for release in 0..40 {
        let engine = if release % 2 == 0 { &first } else { &second };
        clock.set(T0 + release * HOUR);
        apply(engine, app(2, "small", json!({})), Deployment::default()).await;
        clock.set(T0 + release * HOUR + HOUR / 2);
        apply(
            engine,
            app(3 + (release % 5) as u32, "small", json!({})),
            Deployment::default(),
        )
        .await;
    }
    let before = entries(&harness, kinds::ROLLBACK).await.len();
    // v1 by the first engine, v2 by the second (which the first has not read yet)...
    clock.set(T0 + 100 * HOUR);
    apply(&first, app(9, "small", json!({})), Deployment::default()).await;
    clock.set(T0 + 101 * HOUR);
    apply(&second, app(10, "small", json!({})), Deployment::default()).await;
    // ...and back to v1 by the first: a rollback to its own deployment of v1.
    clock.set(T0 + 102 * HOUR);
    apply(&first, app(9, "small", json!({})), Deployment::default()).await;
    let rollbacks = entries(&harness, kinds::ROLLBACK).await;
    assert_eq!(rollbacks.len(), before + 1, "{rollbacks:?}");
    assert_eq!(
        rollbacks.last().unwrap().1["restores"],
        format!("team-a/shop@{}", T0 + 100 * HOUR)
    );
    // Back to v2 by the second: a rollback to its own earlier deployment of v2, although
    // the latest deployment (by the first) is one it did not make.
    clock.set(T0 + 103 * HOUR);
    apply(&second, app(10, "small", json!({})), Deployment::default()).await;
    let rollbacks = entries(&harness, kinds::ROLLBACK).await;
    assert_eq!(rollbacks.len(), before + 2, "{rollbacks:?}");
    assert_eq!(
        rollbacks.last().unwrap().1["restores"],
        format!("team-a/shop@{}", T0 + 101 * HOUR)
    );
}

#[tokio::test]
async fn outside_production_only_claims_are_recorded() {
    let harness = Harness::builder().composition(trio_composition()).build();
    let clock = ManualClock::at(T0);
    let engine = harness
        .engine_builder()
        .clock(Arc::new(clock.clone()))
        .build();
    let mut templated = app(2, "small", json!({"platform.dev/template": "service"}));
    templated.metadata.name = "made".into();
    apply(&engine, templated, Deployment::default()).await;
    apply(&engine, app(2, "small", json!({})), Deployment::default()).await;
    assert!(entries(&harness, kinds::DEPLOY).await.is_empty());
    let claims = entries(&harness, kinds::CLAIM).await;
    let templates: Vec<&Value> = claims.iter().map(|(_, b)| &b["template"]).collect();
    assert_eq!(templates.len(), 2);
    assert!(templates.contains(&&json!("service")));
    assert!(templates.contains(&&Value::Null));
}

#[tokio::test]
async fn an_exception_is_recorded_once_per_object_and_policy() {
    let harness = Harness::builder().composition(trio_composition()).build();
    let clock = ManualClock::at(T0);
    let mut guardrails = Guardrails::new();
    guardrails
        .add_guardrails(&GuardrailSettings::from_value(&json!({"requireOwner": {}})).unwrap())
        .unwrap();
    let engine = harness
        .engine_builder()
        .admission(Arc::new(guardrails))
        .clock(Arc::new(clock.clone()))
        .build();
    let mut unowned: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim",
        "metadata": {"name": "scratch", "namespace": "team-a", "annotations":
                     {"platform.dev/policy-exception.require-owner": "load test"}},
        "spec": {"engine": "postgresql", "size": "small"},
    }))
    .unwrap();
    apply(&engine, unowned.clone(), Deployment::default()).await;
    clock.advance(HOUR);
    unowned.spec["size"] = json!("medium");
    apply(&engine, unowned, Deployment::default()).await;
    let exceptions = entries(&harness, kinds::EXCEPTION).await;
    assert_eq!(exceptions.len(), 1, "{exceptions:?}");
    assert_eq!(exceptions[0].0, T0, "the first use is the one recorded");
    assert_eq!(exceptions[0].1["policy"], "require-owner");
    assert_eq!(exceptions[0].1["reason"], "load test");
}

#[tokio::test]
async fn drift_repairs_name_the_person_or_the_controller() {
    let harness = Harness::builder().composition(trio_composition()).build();
    let clock = ManualClock::at(T0);
    let engine = harness
        .engine_builder()
        .clock(Arc::new(clock.clone()))
        .actor("alice")
        .poll_interval(Duration::from_millis(100))
        .build();
    apply(&engine, app(2, "small", json!({})), Deployment::default()).await;
    let role = "team-a-shop-db-role";
    harness
        .cloud()
        .drift_change(
            TRIO_API_VERSION,
            "Role",
            role,
            "spec.connectionLimit",
            json!(999),
        )
        .unwrap();
    clock.set(T0 + HOUR);
    let report = engine.reconcile_once().await.unwrap();
    assert_eq!(report.corrected, 1, "{report:#?}");
    let drift = entries(&harness, kinds::DRIFT).await;
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert_eq!(drift[0].0, T0 + HOUR);
    assert_eq!(drift[0].1["by"], "person");
    assert_eq!(drift[0].1["actor"], "alice");
    assert_eq!(drift[0].1["drift"], "changed");

    // The controller finds the next drift on a poll and repairs it on its own.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn({
        let engine = engine.clone();
        async move {
            engine
                .run(async {
                    stopped.await.ok();
                })
                .await
        }
    });
    // Its first pass (everything, as if changed while it was down) finds nothing to do.
    tokio::time::sleep(Duration::from_millis(300)).await;
    harness
        .cloud()
        .drift_delete(TRIO_API_VERSION, "Grant", "team-a-shop-db-grant")
        .unwrap();
    clock.set(T0 + 2 * HOUR);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let repaired = loop {
        let drift = entries(&harness, kinds::DRIFT).await;
        if let Some((t, b)) = drift.iter().find(|(_, b)| b["by"] == "controller") {
            break (*t, b.clone());
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the controller repaired nothing: {drift:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    stop.send(()).unwrap();
    running.await.unwrap().unwrap();
    assert_eq!(repaired.0, T0 + 2 * HOUR);
    assert_eq!(repaired.1["drift"], "missing");
    assert_eq!(repaired.1["actor"], Value::Null);
    assert!(
        harness
            .cloud()
            .get(TRIO_API_VERSION, "Grant", "team-a-shop-db-grant")
            .is_some()
    );
}
