//! The fake provider as a test author uses it: lifecycle, strict creates, latency, faults,
//! drift and the call recorder.

use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

use platform_core::provider::layers::ProviderExt;
use platform_core::provider::{ErrorClass, ManagedResource, Provider};
use platform_testkit::fake::{
    Delay, FakeCloud, FakeConfigError, FakeProvider, Fault, FaultEffect, Operation,
};

const API: &str = "fake.dev/v1";
const KIND: &str = "FakeDatabase";

fn resource(name: &str, limit: u32) -> ManagedResource {
    ManagedResource::new(
        serde_json::from_value(json!({
            "apiVersion": API, "kind": KIND,
            "metadata": {"name": name, "namespace": "team-a"},
            "spec": {"connectionLimit": limit, "size": "small"}
        }))
        .unwrap(),
    )
}

fn fake() -> FakeProvider {
    FakeProvider::builder([(API, KIND)]).build().unwrap()
}

#[tokio::test]
async fn lifecycle_with_database_shaped_outputs_and_hidden_secrets() {
    let fake = fake();
    let db = resource("orders", 20);
    assert!(!fake.observe(&db).await.unwrap().exists);

    let applied = fake.create(&db).await.unwrap();
    assert_eq!(applied.outputs["host"], json!("fake.internal"));
    assert_eq!(applied.outputs["port"], json!(5432));
    assert_eq!(applied.outputs["externalName"], json!("team-a-orders"));
    let password = applied.secrets.get("password").unwrap().expose().to_owned();
    assert_eq!(password.len(), 24);
    assert_eq!(
        applied.secrets.get("uri").unwrap().expose(),
        format!("postgres://team-a-orders:{password}@fake.internal:5432/team-a-orders")
    );

    let seen = fake.observe(&db).await.unwrap();
    assert!(seen.exists && seen.up_to_date && seen.ready && seen.diff.is_empty());
    assert_eq!(
        seen.secrets, applied.secrets,
        "observe reads the same password back"
    );

    let bigger = resource("orders", 50);
    let seen = fake.observe(&bigger).await.unwrap();
    assert!(!seen.up_to_date);
    assert_eq!(seen.diff.len(), 1);
    assert_eq!(seen.diff[0].path, "spec.connectionLimit");
    fake.update(&bigger).await.unwrap();
    assert_eq!(
        fake.cloud().get(API, KIND, "team-a-orders").unwrap().spec,
        json!({"connectionLimit": 50, "size": "small"})
    );

    let shown = format!("{fake:?} {applied:?} {seen:?}");
    assert!(!shown.contains(&password), "{shown}");

    fake.delete(&db).await.unwrap();
    fake.delete(&db).await.unwrap();
    assert!(fake.cloud().is_empty());
    let err = fake.update(&db).await.unwrap_err();
    assert_eq!(err.class, ErrorClass::NotFound);
    assert_eq!(
        err.message,
        "cannot update FakeDatabase team-a-orders: it does not exist"
    );
}

#[tokio::test]
async fn an_unserved_kind_is_a_permanent_error_naming_what_is_served() {
    let fake = fake();
    let mut other = resource("orders", 20);
    other.object.kind = "FakeCache".into();
    let err = fake.create(&other).await.unwrap_err();
    assert_eq!(err.class, ErrorClass::Permanent);
    assert_eq!(
        err.message,
        "fake provider does not serve fake.dev/v1 FakeCache; it serves fake.dev/v1 FakeDatabase"
    );
    assert!(fake.cloud().is_empty());
}

#[tokio::test]
async fn drift_made_in_the_cloud_shows_in_observe() {
    let fake = fake();
    let db = resource("orders", 20);
    fake.create(&db).await.unwrap();
    fake.cloud()
        .drift_change(API, KIND, "team-a-orders", "spec.connectionLimit", json!(5))
        .unwrap();
    let seen = fake.observe(&db).await.unwrap();
    assert!(seen.exists && !seen.up_to_date);
    assert_eq!(seen.diff[0].desired, json!(20));
    assert_eq!(seen.diff[0].actual, json!(5));

    fake.cloud()
        .drift_delete(API, KIND, "team-a-orders")
        .unwrap();
    assert!(!fake.observe(&db).await.unwrap().exists);
}

#[tokio::test(start_paused = true)]
async fn a_lost_create_reply_retried_blindly_duplicates_in_strict_mode_only() {
    for strict in [false, true] {
        let cloud = FakeCloud::new().with_strict_create(strict);
        let fake = FakeProvider::builder([(API, KIND)])
            .cloud(cloud.clone())
            .fault(Operation::Create, Fault::lost_response().times(1))
            .build()
            .unwrap();
        let provider: Arc<dyn Provider> = Arc::new(fake.clone());
        let retried = provider.with_retry(3);
        retried.create(&resource("orders", 20)).await.unwrap();
        assert_eq!(fake.count(Operation::Create), 2);
        if strict {
            assert_eq!(cloud.len(), 2);
            assert_eq!(cloud.names(KIND), ["team-a-orders", "team-a-orders"]);
            assert_eq!(cloud.duplicates()[0].1, 2);
        } else {
            assert_eq!(cloud.len(), 1);
            assert!(cloud.duplicates().is_empty());
            assert_eq!(
                cloud.get(API, KIND, "team-a-orders").unwrap().create_calls,
                2
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn latency_is_applied_and_seeded() {
    let fixed = FakeProvider::builder([(API, KIND)])
        .latency(Delay::fixed(Duration::from_millis(200)))
        .latency_of(Operation::Delete, Delay::None)
        .build()
        .unwrap();
    let db = resource("orders", 20);
    let start = Instant::now();
    fixed.create(&db).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(200));
    let start = Instant::now();
    fixed.delete(&db).await.unwrap();
    assert_eq!(start.elapsed(), Duration::ZERO);

    let delays = |seed| async move {
        let fake = FakeProvider::builder([(API, KIND)])
            .seed(seed)
            .latency(Delay::uniform(
                Duration::from_millis(10),
                Duration::from_millis(100),
            ))
            .build()
            .unwrap();
        let mut delays = Vec::new();
        for _ in 0..20 {
            let start = Instant::now();
            fake.observe(&resource("orders", 20)).await.unwrap();
            delays.push(start.elapsed());
        }
        delays
    };
    let a = delays(11).await;
    assert_eq!(a, delays(11).await, "the same seed gives the same delays");
    assert_ne!(a, delays(12).await);
    assert!(
        a.iter()
            .all(|d| *d >= Duration::from_millis(10) && *d <= Duration::from_millis(100)),
        "{a:?}"
    );
    assert!(a.windows(2).any(|w| w[0] != w[1]), "delays vary: {a:?}");

    fixed
        .set_latency(Operation::Create, Delay::fixed(Duration::from_secs(3)))
        .unwrap();
    let start = Instant::now();
    fixed.create(&db).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn a_hang_is_cut_by_the_timeout_layer() {
    let fake = FakeProvider::builder([(API, KIND)])
        .fault(Operation::Observe, Fault::hang())
        .build()
        .unwrap();
    let provider: Arc<dyn Provider> = Arc::new(fake.clone());
    let guarded = provider.with_timeout(Duration::from_secs(1));
    let start = Instant::now();
    let err = guarded.observe(&resource("orders", 20)).await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    assert!(err.is_transient());
    assert!(
        err.message.contains("timed out after 1s"),
        "{}",
        err.message
    );
    assert_eq!(fake.calls()[0].fault, Some(FaultEffect::Hang));
}

#[tokio::test]
async fn faults_fire_after_n_calls_and_turn_off_at_run_time() {
    let fake = FakeProvider::builder([(API, KIND)])
        .fault(Operation::Create, Fault::permanent().after(2))
        .build()
        .unwrap();
    let db = resource("orders", 20);
    fake.create(&db).await.unwrap();
    fake.create(&db).await.unwrap();
    let err = fake.create(&db).await.unwrap_err();
    assert_eq!(err.class, ErrorClass::Permanent);
    assert_eq!(
        err.message,
        "injected permanent error: fake create of FakeDatabase team-a-orders"
    );

    fake.add_fault(Operation::Update, Fault::transient())
        .unwrap();
    assert!(fake.update(&db).await.unwrap_err().is_transient());
    assert_eq!(
        fake.cloud()
            .get(API, KIND, "team-a-orders")
            .unwrap()
            .create_calls,
        2,
        "a failed create never reached the cloud"
    );
    fake.clear_faults();
    fake.create(&db).await.unwrap();
    fake.update(&db).await.unwrap();

    let err = fake
        .add_fault(Operation::Delete, Fault::not_found().probability(-0.1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "fault probability of delete must be between 0.0 and 1.0, found -0.1"
    );
    fake.delete(&db).await.unwrap();
}

#[tokio::test]
async fn fault_probability_is_seeded() {
    let failures = |seed| async move {
        let fake = FakeProvider::builder([(API, KIND)])
            .seed(seed)
            .fault(Operation::Observe, Fault::transient().probability(0.3))
            .build()
            .unwrap();
        let mut pattern = Vec::new();
        for _ in 0..50 {
            pattern.push(fake.observe(&resource("orders", 20)).await.is_err());
        }
        pattern
    };
    let a = failures(1).await;
    assert_eq!(a, failures(1).await);
    let failed = a.iter().filter(|f| **f).count();
    assert!((5..=25).contains(&failed), "{failed} of 50 failed");
}

#[tokio::test]
async fn the_recorder_lists_calls_and_explains_failed_assertions() {
    let fake = fake();
    let db = resource("orders", 20);
    fake.observe(&db).await.unwrap();
    fake.create(&db).await.unwrap();
    assert_eq!(fake.count(Operation::Observe), 1);
    assert_eq!(fake.calls()[1].operation, Operation::Create);
    assert_eq!(fake.calls()[1].external_name, "team-a-orders");
    fake.assert_called(Operation::Create, "team-a-orders");
    fake.assert_not_called(Operation::Delete, "team-a-orders");

    let panic = std::panic::catch_unwind(|| fake.assert_called(Operation::Delete, "team-a-orders"))
        .unwrap_err();
    assert_eq!(
        panic.downcast_ref::<String>().unwrap(),
        "expected a delete call on \"team-a-orders\", found none; calls were:\n  1. observe FakeDatabase team-a-orders\n  2. create FakeDatabase team-a-orders"
    );
}

#[test]
fn bad_configuration_is_a_clear_error() {
    let none: [(&str, &str); 0] = [];
    assert_eq!(
        FakeProvider::builder(none).build().unwrap_err(),
        FakeConfigError::NoKinds
    );
    let err = FakeProvider::builder([(API, KIND)])
        .latency_of(
            Operation::Update,
            Delay::uniform(Duration::from_millis(9), Duration::from_millis(1)),
        )
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "latency of update: minimum 9ms is above maximum 1ms"
    );
    let err = FakeProvider::builder([(API, KIND)])
        .fault(Operation::Create, Fault::transient().probability(2.0))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("found 2"), "{err}");
}
