//! The conformance suites: the fake provider and the in-memory store pass, and broken
//! subjects fail with a report naming the broken checks.

use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

use platform_core::model::DynamicObject;
use platform_core::model::ObjectRef;
use platform_core::provider::{Applied, ManagedResource, Observation, Provider, ProviderError};
use platform_core::secret::SecretMap;
use platform_core::store::{
    Change, CreateIntent, Event, ListFilter, MemoryStore, Precondition, StateStore, StoreError,
    Write,
};
use platform_testkit::conformance::{ProviderSubject, provider_conformance, store_conformance};
use platform_testkit::fake::{FakeCloud, FakeProvider};

const API: &str = "fake.dev/v1";
const KIND: &str = "FakeDatabase";

fn resource(limit: u32) -> ManagedResource {
    ManagedResource::new(
        serde_json::from_value(json!({
            "apiVersion": API, "kind": KIND,
            "metadata": {"name": "conformance", "namespace": "team-a"},
            "spec": {"connectionLimit": limit, "size": "small"}
        }))
        .unwrap(),
    )
}

fn subject(provider: Arc<dyn Provider>, cloud: FakeCloud) -> ProviderSubject {
    ProviderSubject::new(
        provider,
        resource(20),
        resource(50),
        move |r: ManagedResource| {
            let cloud = cloud.clone();
            async move {
                cloud
                    .drift_change(
                        &r.object.api_version,
                        r.kind(),
                        &r.external_name,
                        "spec.connectionLimit",
                        json!(999),
                    )
                    .map_err(|e| e.to_string())
            }
        },
    )
}

#[tokio::test]
async fn the_fake_provider_passes_the_provider_suite() {
    let fake = FakeProvider::builder([(API, KIND)]).build().unwrap();
    let report = provider_conformance(subject(Arc::new(fake.clone()), fake.cloud().clone())).await;
    report.assert_passed();
    assert_eq!(report.checks().len(), 10);
    assert!(fake.cloud().is_empty(), "the suite cleans up after itself");
}

/// Ignores updates and leaks the password through an output: two bugs the suite must catch.
struct Broken(FakeProvider);

#[async_trait]
impl Provider for Broken {
    fn name(&self) -> &str {
        "broken"
    }
    fn kinds(&self) -> Vec<(String, String)> {
        self.0.kinds()
    }
    async fn observe(&self, r: &ManagedResource) -> Result<Observation, ProviderError> {
        let mut seen = self.0.observe(r).await?;
        if let Some(password) = seen.secrets.get("password") {
            let leak = format!("password={}", password.expose());
            seen.outputs.insert("dsn".into(), json!(leak));
        }
        Ok(seen)
    }
    async fn create(&self, r: &ManagedResource) -> Result<Applied, ProviderError> {
        self.0.create(r).await
    }
    async fn update(&self, _: &ManagedResource) -> Result<Applied, ProviderError> {
        Ok(Applied::default())
    }
    async fn delete(&self, r: &ManagedResource) -> Result<(), ProviderError> {
        self.0.delete(r).await
    }
}

#[tokio::test]
async fn a_broken_provider_fails_the_checks_it_breaks() {
    let fake = FakeProvider::builder([(API, KIND)]).build().unwrap();
    let report = provider_conformance(subject(
        Arc::new(Broken(fake.clone())),
        fake.cloud().clone(),
    ))
    .await;
    let failed: Vec<&str> = report.failures().iter().map(|c| c.name).collect();
    assert_eq!(
        failed,
        [
            "update_converges",
            "drift_is_detected",
            "secrets_are_redacted"
        ]
    );
    let text = report.to_string();
    assert!(
        text.starts_with("conformance of provider broken: 7 of 10 checks passed"),
        "{text}"
    );
    assert!(
        text.contains("FAIL update_converges: expected the resource to be up to date after update, found exists true, up to date false, diff [spec.connectionLimit (desired 50, actual 20)]"),
        "{text}"
    );
    assert!(
        text.contains("FAIL secrets_are_redacted: expected the secret \"password\" to be redacted"),
        "{text}"
    );
}

#[tokio::test]
async fn a_badly_formed_subject_is_reported_before_anything_runs() {
    let fake = FakeProvider::builder([(API, KIND)]).build().unwrap();
    let same = ProviderSubject::new(
        Arc::new(fake.clone()),
        resource(20),
        resource(20),
        |_| async { Ok(()) },
    );
    let report = provider_conformance(same).await;
    assert_eq!(report.checks().len(), 1);
    assert_eq!(
        report.failures()[0].failure.as_deref(),
        Some("expected the changed resource to change a spec field, found none changed")
    );
    assert!(fake.calls().is_empty());
}

#[tokio::test]
async fn the_memory_store_passes_the_store_suite() {
    let report =
        store_conformance(|| async { Arc::new(MemoryStore::new()) as Arc<dyn StateStore> }).await;
    report.assert_passed();
    assert_eq!(report.checks().len(), 19);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_store_passes_with_writers_on_parallel_threads() {
    store_conformance(|| async { Arc::new(MemoryStore::new()) as Arc<dyn StateStore> })
        .await
        .assert_passed();
}

/// Treats every precondition as `Any`: last writer wins, the bug optimistic concurrency prevents.
struct IgnoresPreconditions(MemoryStore);

#[async_trait]
impl StateStore for IgnoresPreconditions {
    async fn get(&self, key: &ObjectRef) -> Result<Option<DynamicObject>, StoreError> {
        self.0.get(key).await
    }
    async fn list(&self, filter: &ListFilter) -> Result<Vec<DynamicObject>, StoreError> {
        self.0.list(filter).await
    }
    async fn commit(&self, writes: Vec<Write>) -> Result<Vec<DynamicObject>, StoreError> {
        let writes = writes
            .into_iter()
            .map(|w| match w {
                Write::Put { object, .. } => Write::Put {
                    object,
                    expected: Precondition::Any,
                },
                Write::Delete { key, .. } => Write::Delete {
                    key,
                    expected: Precondition::Any,
                },
                other => other,
            })
            .collect();
        self.0.commit(writes).await
    }
    async fn secrets(&self, key: &ObjectRef) -> Result<SecretMap, StoreError> {
        self.0.secrets(key).await
    }
    async fn intents(&self) -> Result<Vec<CreateIntent>, StoreError> {
        self.0.intents().await
    }
    async fn events(&self, key: &ObjectRef) -> Result<Vec<Event>, StoreError> {
        self.0.events(key).await
    }
    async fn changes(&self, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        self.0.changes(after, limit).await
    }
    async fn acquire_lease(
        &self,
        key: &ObjectRef,
        holder: &str,
        ttl: std::time::Duration,
        take_over: Option<&str>,
    ) -> Result<platform_core::store::LeaseOutcome, StoreError> {
        self.0.acquire_lease(key, holder, ttl, take_over).await
    }
    async fn release_lease(&self, lease: &platform_core::store::Lease) -> Result<(), StoreError> {
        self.0.release_lease(lease).await
    }

    async fn journal_append(
        &self,
        entries: Vec<platform_core::store::JournalEntry>,
    ) -> Result<usize, StoreError> {
        self.0.journal_append(entries).await
    }

    async fn journal(
        &self,
        query: &platform_core::store::JournalQuery,
    ) -> Result<Vec<platform_core::store::JournalEntry>, StoreError> {
        self.0.journal(query).await
    }

    async fn journal_prune(&self, before_ms: i64) -> Result<usize, StoreError> {
        self.0.journal_prune(before_ms).await
    }
}

#[tokio::test]
async fn a_store_ignoring_preconditions_fails_the_concurrency_checks() {
    let report = store_conformance(|| async {
        Arc::new(IgnoresPreconditions(MemoryStore::new())) as Arc<dyn StateStore>
    })
    .await;
    let failed: Vec<&str> = report.failures().iter().map(|c| c.name).collect();
    assert_eq!(
        failed,
        [
            "stale_version_is_refused",
            "absent_precondition",
            "batch_is_atomic",
            "secrets_round_trip_and_redacted",
            "racing_writers_one_wins"
        ]
    );
    assert!(
        report
            .to_string()
            .contains("FAIL stale_version_is_refused: put with a stale resourceVersion: expected a conflict, found success"),
        "{report}"
    );
}
