//! A harness: an engine on the in-memory store with fake providers, and the assertions a
//! platform team needs: converged, ready, no duplicates, no leaks.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use platform_core::kinds::{DatabaseClaim, DatabaseClaimSpec, DatabaseEngine};
//! use platform_testkit::harness::{Harness, trio_composition};
//!
//! // A team's composition under test: a DatabaseClaim becomes a role, a database and a grant.
//! let harness = Harness::builder().composition(trio_composition()).build();
//! let claim = DatabaseClaim::new("orders-db", DatabaseClaimSpec::new(DatabaseEngine::Postgresql));
//! let objects = vec![claim.to_dynamic().unwrap()];
//! harness.assert_converged(&objects).await;
//! harness.assert_no_duplicates();
//! harness.assert_no_leaks().await;
//! assert_eq!(harness.cloud().len(), 3);
//! # });
//! ```

mod trio;

pub use trio::{TRIO_API_VERSION, TRIO_KINDS, TrioComposition, trio_composition};

use std::collections::BTreeSet;
use std::sync::Arc;

use platform_core::compose::{Composition, CompositionLibrary};
use platform_core::engine::{ApplyReport, Engine, EngineBuilder};
use platform_core::model::{DynamicObject, Resource};
use platform_core::provider::{Provider, external_name};
use platform_core::store::{ListFilter, MemoryStore, StateStore};

use crate::fake::{FakeCloud, FakeProvider, RealResourceKey};

/// Builds a [`Harness`].
pub struct HarnessBuilder {
    library: CompositionLibrary,
    kinds: Vec<(String, String)>,
    cloud: FakeCloud,
    concurrency: usize,
    seed: u64,
    environment: String,
}

impl Default for HarnessBuilder {
    fn default() -> Self {
        HarnessBuilder {
            library: CompositionLibrary::new(),
            kinds: TRIO_KINDS
                .iter()
                .map(|k| (TRIO_API_VERSION.to_owned(), (*k).to_owned()))
                .collect(),
            cloud: FakeCloud::new(),
            concurrency: 16,
            seed: 1,
            environment: "local".into(),
        }
    }
}

impl HarnessBuilder {
    /// Adds a composition (Rust or declarative).
    pub fn composition(mut self, composition: Arc<dyn Composition>) -> Self {
        // Names are unique in tests; a clash is a bug in the test itself.
        if let Err(e) = self.library.add(composition) {
            panic!("harness: {e}");
        }
        self
    }

    /// Uses a library of compositions.
    pub fn library(mut self, library: CompositionLibrary) -> Self {
        self.library = library;
        self
    }

    /// The managed kinds the fake provider serves (default: the trio composition's kinds).
    pub fn fake_kinds<A: Into<String>, K: Into<String>>(
        mut self,
        kinds: impl IntoIterator<Item = (A, K)>,
    ) -> Self {
        self.kinds = kinds
            .into_iter()
            .map(|(a, k)| (a.into(), k.into()))
            .collect();
        self
    }

    /// Uses an existing fake cloud (to share it across harnesses or keep strict mode).
    pub fn cloud(mut self, cloud: FakeCloud) -> Self {
        self.cloud = cloud;
        self
    }

    /// Provider operations at once (default 16).
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = limit;
        self
    }

    /// Seed of the fake provider's randomness.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The environment compositions are chosen for (default `local`).
    pub fn environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = environment.into();
        self
    }

    /// Builds the harness.
    pub fn build(self) -> Harness {
        let provider = match FakeProvider::builder(self.kinds.clone())
            .cloud(self.cloud.clone())
            .seed(self.seed)
            .build()
        {
            Ok(p) => p,
            Err(e) => panic!("harness: {e}"),
        };
        let store = Arc::new(MemoryStore::new());
        let mut harness = Harness {
            engine: Engine::builder().build(),
            store,
            provider,
            library: self.library,
            concurrency: self.concurrency,
            environment: self.environment,
        };
        harness.restart();
        harness
    }
}

/// An engine on an in-memory store with a fake provider over a fake cloud.
pub struct Harness {
    engine: Engine,
    store: Arc<MemoryStore>,
    provider: FakeProvider,
    library: CompositionLibrary,
    concurrency: usize,
    environment: String,
}

impl Harness {
    /// Starts building a harness.
    pub fn builder() -> HarnessBuilder {
        HarnessBuilder::default()
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The fake provider (faults, latency, call recorder).
    pub fn provider(&self) -> &FakeProvider {
        &self.provider
    }

    /// The fake cloud (real resources, drift).
    pub fn cloud(&self) -> &FakeCloud {
        self.provider.cloud()
    }

    /// The state store.
    pub fn store(&self) -> &Arc<MemoryStore> {
        &self.store
    }

    /// An engine builder preset with this harness's parts, for engines with other settings.
    pub fn engine_builder(&self) -> EngineBuilder {
        let provider: Arc<dyn Provider> = Arc::new(self.provider.clone());
        let store: Arc<dyn StateStore> = self.store.clone();
        Engine::builder()
            .compositions(self.library.clone())
            .environment(self.environment.clone())
            .provider(provider)
            .store(store)
            .concurrency(self.concurrency)
    }

    /// Drops the engine and builds a new one on the same store and cloud: a process restart.
    pub fn restart(&mut self) {
        self.engine = self.engine_builder().build();
    }

    /// Applies objects and panics unless every claim is ready and a plan then shows no change.
    pub async fn assert_converged(&self, objects: &[DynamicObject]) -> ApplyReport {
        let report = match self.engine.apply(objects).await {
            Ok(r) => r,
            Err(e) => panic!("apply failed: {e}"),
        };
        assert!(report.all_ready(), "not every claim is ready: {report:#?}");
        let plan = match self.engine.plan(objects).await {
            Ok(p) => p,
            Err(e) => panic!("plan failed: {e}"),
        };
        assert!(
            !plan.has_changes(),
            "converged objects still plan changes: {plan:#?}"
        );
        report
    }

    /// Panics unless the stored claim is Ready.
    pub async fn assert_ready(&self, object: &DynamicObject) {
        let status = match self.engine.status(&object.object_ref()).await {
            Ok(s) => s,
            Err(e) => panic!("no status for {}: {e}", object.object_ref()),
        };
        let ready = status
            .object
            .status
            .as_ref()
            .and_then(|s| s.get("conditions"))
            .and_then(|c| c.as_array())
            .is_some_and(|c| {
                c.iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            });
        assert!(
            ready,
            "{} is not Ready: {:#?}",
            object.object_ref(),
            status.object.status
        );
    }

    /// Panics when any managed resource exists more than once in the fake cloud.
    pub fn assert_no_duplicates(&self) {
        let duplicates = self.cloud().duplicates();
        assert!(
            duplicates.is_empty(),
            "duplicated real resources: {duplicates:?}"
        );
    }

    /// Panics unless the fake cloud holds exactly the managed resources the store records.
    pub async fn assert_no_leaks(&self) {
        let leaks = self.leaks().await;
        assert!(
            leaks.0.is_empty(),
            "real resources with no record (leaked): {:?}",
            leaks.0
        );
        assert!(
            leaks.1.is_empty(),
            "records with no real resource: {:?}",
            leaks.1
        );
    }

    /// Real resources without a record, and ready records without a real resource.
    pub async fn leaks(&self) -> (Vec<RealResourceKey>, Vec<RealResourceKey>) {
        let stored = match self.store.list(&ListFilter::all()).await {
            Ok(s) => s,
            Err(e) => panic!("store: {e}"),
        };
        let served: BTreeSet<(String, String)> = self.provider.kinds().into_iter().collect();
        let recorded: BTreeSet<RealResourceKey> = stored
            .iter()
            .filter(|o| served.contains(&(o.api_version.clone(), o.kind.clone())))
            .filter(|o| {
                o.status
                    .as_ref()
                    .and_then(|s| s.get("conditions"))
                    .and_then(|c| c.as_array())
                    .is_some_and(|c| {
                        c.iter()
                            .any(|c| c["type"] == "Synced" && c["status"] == "True")
                    })
            })
            .map(|o| RealResourceKey::new(o.api_version.clone(), o.kind.clone(), external_name(o)))
            .collect();
        let real: BTreeSet<RealResourceKey> = self
            .cloud()
            .resources()
            .into_iter()
            .map(|r| r.key)
            .collect();
        (
            real.difference(&recorded).cloned().collect(),
            recorded.difference(&real).cloned().collect(),
        )
    }
}
