//! The latency, fault and drift layers in front of a provider that is not the fake: a small
//! ledger of records, as a team's own provider would be. Each layer's effect is what a user
//! of the wrapped provider sees: calls take longer, injected faults come back as the errors,
//! drift shows in what observe returns, and every method still reaches the ledger.

use async_trait::async_trait;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

use platform_core::provider::layers::ProviderExt;
use platform_core::provider::{
    Applied, ErrorClass, Found, ManagedResource, Observation, Provider, ProviderError, diff_fields,
};
use platform_core::secret::{SecretMap, SecretValue};
use platform_testkit::conformance::{ProviderSubject, provider_conformance};
use platform_testkit::layers::{
    Delay, Drift, Fault, FaultEffect, Faults, Latency, LayerConfigError, Operation,
};
use platform_testkit::recorder::CallRecorder;

const API: &str = "ledger.dev/v1";
const KIND: &str = "Entry";

/// A provider of the test's own: records in a map, a count of the calls that reached it,
/// fresh credentials on adopt and an inventory of everything it holds.
#[derive(Default)]
struct Ledger {
    records: Mutex<BTreeMap<String, Value>>,
    reached: AtomicUsize,
}

impl Ledger {
    fn reached(&self) -> usize {
        self.reached.load(Ordering::SeqCst)
    }

    fn spec_of(&self, external_name: &str) -> Option<Value> {
        self.records.lock().unwrap().get(external_name).cloned()
    }

    fn reach(&self) {
        self.reached.fetch_add(1, Ordering::SeqCst);
    }
}

fn applied() -> Applied {
    Applied {
        pending: false,
        outputs: [("host".to_owned(), json!("ledger.internal"))].into(),
        secrets: SecretMap::new(),
    }
}

#[async_trait]
impl Provider for Ledger {
    fn name(&self) -> &str {
        "ledger"
    }
    fn kinds(&self) -> Vec<(String, String)> {
        vec![(API.into(), KIND.into())]
    }
    async fn observe(&self, resource: &ManagedResource) -> Result<Observation, ProviderError> {
        self.reach();
        let Some(actual) = self.spec_of(&resource.external_name) else {
            return Ok(Observation::absent());
        };
        let diff = diff_fields("spec", resource.spec(), &actual);
        Ok(Observation {
            exists: true,
            up_to_date: diff.is_empty(),
            ready: true,
            diff,
            outputs: applied().outputs,
            secrets: SecretMap::new(),
        })
    }
    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.reach();
        self.records
            .lock()
            .unwrap()
            .entry(resource.external_name.clone())
            .or_insert_with(|| resource.spec().clone());
        Ok(applied())
    }
    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.reach();
        match self
            .records
            .lock()
            .unwrap()
            .get_mut(&resource.external_name)
        {
            Some(spec) => *spec = resource.spec().clone(),
            None => return Err(ProviderError::not_found("no such entry")),
        }
        Ok(applied())
    }
    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        self.reach();
        self.records.lock().unwrap().remove(&resource.external_name);
        Ok(())
    }
    async fn adopt(&self, _: &ManagedResource) -> Result<Applied, ProviderError> {
        self.reach();
        let mut adopted = applied();
        adopted
            .secrets
            .insert("password", SecretValue::new("fresh-from-adopt"));
        Ok(adopted)
    }
    async fn inventory(&self) -> Result<Option<Vec<Found>>, ProviderError> {
        self.reach();
        let names: Vec<String> = self.records.lock().unwrap().keys().cloned().collect();
        Ok(Some(
            names
                .iter()
                .map(|n| Found {
                    resource: entry(n, 0),
                    owner: None,
                })
                .collect(),
        ))
    }
    fn private_inventory(&self) -> bool {
        true
    }
}

/// An entry whose external name is `name` (in the default namespace: `default-NAME`).
fn entry(name: &str, limit: u32) -> ManagedResource {
    let name = name.strip_prefix("default-").unwrap_or(name);
    ManagedResource::new(
        serde_json::from_value(json!({
            "apiVersion": API, "kind": KIND,
            "metadata": {"name": name},
            "spec": {"limit": limit, "tier": "gold"}
        }))
        .unwrap(),
    )
}

#[tokio::test(start_paused = true)]
async fn latency_in_front_of_another_provider_is_observed_per_operation() {
    let ledger = Arc::new(Ledger::default());
    let slow = Latency::new(ledger.clone()).seed(5);
    slow.set(Operation::Create, Delay::fixed(Duration::from_millis(300)))
        .unwrap();
    slow.set(Operation::Adopt, Delay::fixed(Duration::from_secs(2)))
        .unwrap();
    let e = entry("a", 1);

    let start = Instant::now();
    slow.create(&e).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(300));
    assert_eq!(
        ledger.spec_of("default-a"),
        Some(json!({"limit": 1, "tier": "gold"}))
    );

    let start = Instant::now();
    assert!(slow.observe(&e).await.unwrap().exists);
    assert_eq!(start.elapsed(), Duration::ZERO, "observe has no delay");

    let start = Instant::now();
    let adopted = slow.adopt(&e).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    assert_eq!(
        adopted.secrets.get("password").map(SecretValue::expose),
        Some("fresh-from-adopt"),
        "adopt reaches the ledger's own adopt"
    );

    // A batch observe is one round trip: one delay.
    slow.set(Operation::Observe, Delay::fixed(Duration::from_millis(40)))
        .unwrap();
    let start = Instant::now();
    let seen = slow.observe_many(&[e.clone(), entry("b", 1)]).await;
    assert_eq!(start.elapsed(), Duration::from_millis(40));
    assert!(seen[0].as_ref().unwrap().exists && !seen[1].as_ref().unwrap().exists);

    // Uniform delays come from the seed: the same seed, the same delays.
    let delays = |seed| async move {
        let slow = Latency::new(Arc::new(Ledger::default())).seed(seed);
        slow.set_all(Delay::uniform(
            Duration::from_millis(10),
            Duration::from_millis(90),
        ))
        .unwrap();
        let mut delays = Vec::new();
        for _ in 0..10 {
            let start = Instant::now();
            slow.inventory().await.unwrap();
            delays.push(start.elapsed());
        }
        delays
    };
    let a = delays(3).await;
    assert_eq!(a, delays(3).await);
    assert!(
        a.iter().all(|d| (10..=90).contains(&d.as_millis())),
        "{a:?}"
    );
    assert!(a.windows(2).any(|w| w[0] != w[1]), "{a:?}");

    assert_eq!(
        slow.set(
            Operation::Delete,
            Delay::uniform(Duration::from_secs(2), Duration::from_secs(1))
        )
        .unwrap_err(),
        LayerConfigError::LatencyRange {
            operation: "delete".into(),
            min: Duration::from_secs(2),
            max: Duration::from_secs(1),
        }
    );
    assert_eq!(slow.delay_of(Operation::Delete), Delay::None);
}

#[tokio::test]
async fn an_injected_fault_surfaces_as_the_error_and_never_reaches_the_provider() {
    let ledger = Arc::new(Ledger::default());
    let recorder = CallRecorder::new();
    let flaky = Faults::new(ledger.clone()).recording(recorder.clone());
    flaky
        .add(Operation::Create, Fault::permanent().after(1).times(1))
        .unwrap();
    let e = entry("a", 1);

    flaky.create(&e).await.unwrap();
    assert_eq!(ledger.reached(), 1);
    let err = flaky.create(&e).await.unwrap_err();
    assert_eq!(err.class, ErrorClass::Permanent);
    assert_eq!(
        err.message,
        "injected permanent error: ledger create of Entry default-a"
    );
    assert_eq!(
        ledger.reached(),
        1,
        "the faulted create never reached the ledger"
    );
    flaky.create(&e).await.unwrap();
    assert_eq!(ledger.reached(), 2, "times(1): the fault fired once");

    // A lost response: the ledger makes the change, the caller gets a transient error.
    flaky
        .add(Operation::Update, Fault::lost_response())
        .unwrap();
    let err = flaky.update(&entry("a", 7)).await.unwrap_err();
    assert!(err.is_transient());
    assert_eq!(
        err.message,
        "injected lost response: ledger update of Entry default-a"
    );
    assert_eq!(ledger.spec_of("default-a").unwrap()["limit"], 7);

    // Inventory and adopt can fail too; clearing lets everything through again.
    flaky.add(Operation::Inventory, Fault::transient()).unwrap();
    let err = flaky.inventory().await.unwrap_err();
    assert_eq!(err.message, "injected transient error: ledger inventory");
    flaky.add(Operation::Adopt, Fault::not_found()).unwrap();
    assert_eq!(
        flaky.adopt(&e).await.unwrap_err().class,
        ErrorClass::NotFound
    );
    flaky.clear();
    assert_eq!(flaky.inventory().await.unwrap().map(|l| l.len()), Some(1));
    flaky.update(&e).await.unwrap();

    let faults: Vec<(Operation, Option<FaultEffect>)> = recorder
        .calls()
        .iter()
        .map(|c| (c.operation, c.fault))
        .collect();
    assert_eq!(
        faults,
        [
            (Operation::Create, None),
            (Operation::Create, Some(FaultEffect::Permanent)),
            (Operation::Create, None),
            (Operation::Update, Some(FaultEffect::LostResponse)),
            (Operation::Inventory, Some(FaultEffect::Transient)),
            (Operation::Adopt, Some(FaultEffect::NotFound)),
            (Operation::Inventory, None),
            (Operation::Update, None),
        ]
    );
    assert!(
        recorder
            .describe()
            .contains("5. inventory (injected transient error)"),
        "{}",
        recorder.describe()
    );

    let err = flaky
        .add(Operation::Observe, Fault::transient().probability(1.5))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "fault probability of observe must be between 0.0 and 1.0, found 1.5"
    );
}

#[tokio::test(start_paused = true)]
async fn a_hang_in_front_of_another_provider_is_cut_by_the_core_timeout_layer() {
    let ledger = Arc::new(Ledger::default());
    let faults = Faults::new(ledger.clone());
    faults.add(Operation::Delete, Fault::hang()).unwrap();
    let faults: Arc<dyn Provider> = Arc::new(faults);
    let guarded = faults.with_timeout(Duration::from_secs(3));
    let start = Instant::now();
    let err = guarded.delete(&entry("a", 1)).await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(3));
    assert!(
        err.message.contains("timed out after 3s"),
        "{}",
        err.message
    );
    assert_eq!(ledger.reached(), 0);
}

#[tokio::test]
async fn observe_many_draws_a_fault_per_resource_and_batches_the_rest() {
    let ledger = Arc::new(Ledger::default());
    let faults = Faults::new(ledger.clone());
    for name in ["a", "b", "c"] {
        ledger.create(&entry(name, 1)).await.unwrap();
    }
    faults
        .add(Operation::Observe, Fault::transient().after(1).times(1))
        .unwrap();
    let seen = faults
        .observe_many(&[entry("a", 1), entry("b", 1), entry("c", 1)])
        .await;
    assert!(seen[0].as_ref().unwrap().exists);
    assert_eq!(
        seen[1].as_ref().unwrap_err().message,
        "injected transient error: ledger observe of Entry default-b"
    );
    assert!(seen[2].as_ref().unwrap().exists);
}

#[tokio::test]
async fn faults_are_seeded() {
    let pattern = |seed| async move {
        let faults = Faults::new(Arc::new(Ledger::default())).seed(seed);
        faults
            .add(Operation::Observe, Fault::transient().probability(0.3))
            .unwrap();
        let mut failed = Vec::new();
        for _ in 0..60 {
            failed.push(faults.observe(&entry("a", 1)).await.is_err());
        }
        failed
    };
    let a = pattern(9).await;
    assert_eq!(a, pattern(9).await);
    assert_ne!(a, pattern(10).await);
    let failures = a.iter().filter(|f| **f).count();
    assert!((6..=30).contains(&failures), "{failures} of 60");
}

#[tokio::test]
async fn drift_changes_what_observe_returns_until_the_platform_repairs_it() {
    let ledger = Arc::new(Ledger::default());
    let drift = Drift::new(ledger.clone());
    let e = entry("a", 20);
    drift.create(&e).await.unwrap();

    drift
        .change(API, KIND, "default-a", "spec.limit", json!(5))
        .unwrap();
    drift
        .change(
            API,
            KIND,
            "default-a",
            "outputs.host",
            json!("moved.internal"),
        )
        .unwrap();
    let seen = drift.observe(&e).await.unwrap();
    assert!(seen.exists && !seen.up_to_date);
    assert_eq!(seen.diff.len(), 1);
    assert_eq!(seen.diff[0].path, "spec.limit");
    assert_eq!(seen.diff[0].desired, json!(20));
    assert_eq!(seen.diff[0].actual, json!(5));
    assert_eq!(seen.outputs["host"], json!("moved.internal"));
    assert_eq!(
        ledger.spec_of("default-a").unwrap()["limit"],
        20,
        "the real record is untouched"
    );
    // A field the platform does not ask for is no drift.
    drift
        .change(API, KIND, "default-a", "spec.comment", json!("hi"))
        .unwrap();
    assert_eq!(drift.observe(&e).await.unwrap().diff.len(), 1);

    // The platform's update repairs it.
    drift.update(&e).await.unwrap();
    assert!(drift.is_empty());
    let seen = drift.observe(&e).await.unwrap();
    assert!(seen.up_to_date && seen.diff.is_empty());
    assert_eq!(seen.outputs["host"], json!("ledger.internal"));

    // Deleted out of band: absent to observe and to a batch, left out of the inventory.
    drift.create(&entry("b", 1)).await.unwrap();
    drift.delete(API, KIND, "default-a");
    assert!(!drift.observe(&e).await.unwrap().exists);
    let batch = drift.observe_many(&[e.clone(), entry("b", 1)]).await;
    assert!(!batch[0].as_ref().unwrap().exists && batch[1].as_ref().unwrap().exists);
    let listed = drift.inventory().await.unwrap().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].resource.external_name, "default-b");
    // The platform recreates it.
    drift.create(&e).await.unwrap();
    assert!(drift.observe(&e).await.unwrap().exists);

    let err = drift
        .change(API, KIND, "default-a", "status.phase", json!("x"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "drift path \"status.phase\": expected the path to start with spec or outputs, found \"status\""
    );
    assert!(
        drift
            .change(API, KIND, "default-a", "spec", json!(1))
            .is_err()
    );
    // A path through a value that is not an object is the observer's permanent error.
    drift
        .change(API, KIND, "default-a", "spec.limit.max", json!(1))
        .unwrap();
    let err = drift.observe(&e).await.unwrap_err();
    assert_eq!(err.class, ErrorClass::Permanent);
    assert_eq!(
        err.message,
        "drift path \"spec.limit.max\": spec.limit is a number, not an object (drift of Entry default-a)"
    );
    drift.clear();
    assert!(drift.observe(&e).await.unwrap().up_to_date);
}

#[tokio::test]
async fn another_provider_behind_the_drift_layer_passes_the_provider_suite() {
    let drift = Arc::new(Drift::new(Arc::new(Ledger::default())));
    let changes = drift.clone();
    let subject = ProviderSubject::new(
        drift.clone(),
        entry("suite", 20),
        entry("suite", 50),
        move |r: ManagedResource| {
            let changes = changes.clone();
            async move {
                changes
                    .change(
                        &r.object.api_version,
                        r.kind(),
                        &r.external_name,
                        "spec.limit",
                        json!(999),
                    )
                    .map_err(|e| e.to_string())
            }
        },
    );
    provider_conformance(subject).await.assert_passed();
}

#[tokio::test]
async fn every_layer_forwards_every_method_to_the_provider_it_wraps() {
    let ledger = Arc::new(Ledger::default());
    ledger.create(&entry("a", 1)).await.unwrap();
    let layers: [(&str, Arc<dyn Provider>); 3] = [
        ("latency", Arc::new(Latency::new(ledger.clone()))),
        ("faults", Arc::new(Faults::new(ledger.clone()))),
        ("drift", Arc::new(Drift::new(ledger.clone()))),
    ];
    for (layer, wrapped) in layers {
        assert_eq!(wrapped.name(), "ledger", "{layer}");
        assert_eq!(wrapped.kinds(), ledger.kinds(), "{layer}");
        assert!(wrapped.private_inventory(), "{layer}");
        // The trait's default adopt observes and hands out no password: a layer that forgot
        // to forward adopt would lose the fresh credentials of crash recovery.
        let adopted = wrapped.adopt(&entry("a", 1)).await.unwrap();
        assert!(adopted.secrets.get("password").is_some(), "{layer}");
        assert_eq!(
            wrapped.inventory().await.unwrap().map(|l| l.len()),
            Some(1),
            "{layer}"
        );
        let reached = ledger.reached();
        let seen = wrapped.observe_many(&[entry("a", 1), entry("z", 1)]).await;
        assert_eq!(seen.len(), 2, "{layer}");
        assert!(ledger.reached() > reached, "{layer}");
        wrapped.update(&entry("a", 2)).await.unwrap();
        assert_eq!(ledger.spec_of("default-a").unwrap()["limit"], 2, "{layer}");
        wrapped.delete(&entry("a", 2)).await.unwrap();
        assert!(ledger.spec_of("default-a").is_none(), "{layer}");
        wrapped.create(&entry("a", 1)).await.unwrap();
        assert!(
            wrapped.observe(&entry("a", 1)).await.unwrap().up_to_date,
            "{layer}"
        );
    }
}
