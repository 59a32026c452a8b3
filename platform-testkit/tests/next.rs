//! What a reconcile says comes next, and `Engine::wait` following it: a transient failure backs
//! off and is retried until Ready, a permanent one waits for a new spec, and waiting stops as
//! soon as nothing more can change.

use std::time::Duration;

use platform_core::engine::{Backoff, Next};
use platform_core::kinds::{DatabaseClaim, DatabaseClaimSpec, DatabaseEngine};
use platform_core::model::DynamicObject;
use platform_testkit::fake::{Fault, Operation};
use platform_testkit::harness::{Harness, trio_composition};

fn claim(name: &str) -> DynamicObject {
    DatabaseClaim::new(name, DatabaseClaimSpec::new(DatabaseEngine::Postgresql))
        .to_dynamic()
        .unwrap()
}

fn trio() -> Harness {
    Harness::builder().composition(trio_composition()).build()
}

const BACKOFF: Backoff = Backoff {
    initial: Duration::from_millis(10),
    max: Duration::from_millis(40),
};

#[tokio::test]
async fn a_transient_failure_requeues_with_growing_backoff_and_readiness_awaits_a_change() {
    let harness = trio();
    harness
        .provider()
        .add_fault(Operation::Create, Fault::transient().times(2))
        .unwrap();
    let engine = harness.engine_builder().backoff(BACKOFF).build();
    let objects = [claim("orders")];
    let first = engine.apply(&objects).await.unwrap().claims.remove(0);
    assert!(!first.synced, "{}", first.message);
    assert_eq!(first.next, Next::Requeue(Duration::from_millis(10)));
    let second = engine.reconcile(&first.claim).await.unwrap();
    assert!(!second.synced, "{}", second.message);
    assert_eq!(
        second.next,
        Next::Requeue(Duration::from_millis(20)),
        "the second failure in a row waits twice as long"
    );
    let third = engine.reconcile(&first.claim).await.unwrap();
    assert!(third.all_ready(), "{}", third.message);
    assert_eq!(
        third.next,
        Next::AwaitChange,
        "a Ready claim waits for a change"
    );
}

#[tokio::test]
async fn wait_retries_until_ready() {
    let harness = trio();
    harness
        .provider()
        .add_fault(Operation::Create, Fault::transient().times(3))
        .unwrap();
    let engine = harness.engine_builder().backoff(BACKOFF).build();
    let report = engine.apply(&[claim("orders")]).await.unwrap();
    assert!(!report.all_ready());
    let claims = engine
        .wait(report.claims, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(claims[0].all_ready(), "{}", claims[0].message);
    assert_eq!(
        harness.cloud().len(),
        3,
        "every resource of the trio exists"
    );
    harness.assert_no_duplicates();
}

#[tokio::test]
async fn wait_gives_up_at_once_on_an_error_only_a_new_spec_fixes() {
    let harness = trio();
    harness
        .provider()
        .add_fault(Operation::Create, Fault::permanent())
        .unwrap();
    let engine = harness.engine_builder().backoff(BACKOFF).build();
    let report = engine.apply(&[claim("orders")]).await.unwrap();
    assert_eq!(report.claims[0].next, Next::AwaitChange);
    // Waiting an hour for a claim no retry can fix would hang; it returns at once instead.
    let claims = tokio::time::timeout(
        Duration::from_secs(30),
        engine.wait(report.claims, Duration::from_secs(3600)),
    )
    .await
    .expect("wait returned without waiting out its timeout")
    .unwrap();
    assert!(!claims[0].synced);
    assert!(
        claims[0].message.contains("permanent error"),
        "{}",
        claims[0].message
    );
    assert_eq!(
        harness.provider().count(Operation::Create),
        1,
        "no retry was made"
    );
}

#[tokio::test]
async fn wait_stops_at_its_timeout_while_failures_continue() {
    let harness = trio();
    harness
        .provider()
        .add_fault(Operation::Create, Fault::transient())
        .unwrap();
    let engine = harness.engine_builder().backoff(BACKOFF).build();
    let report = engine.apply(&[claim("orders")]).await.unwrap();
    let claims = engine
        .wait(report.claims, Duration::from_millis(200))
        .await
        .unwrap();
    assert!(!claims[0].synced, "{}", claims[0].message);
    assert!(
        harness.provider().count(Operation::Create) > 2,
        "the claim was retried while waiting: {:?}",
        harness.provider().calls()
    );
}
