//! Building an engine from its parts.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::{Backoff, Engine, EngineInner, ProgressListener};
use crate::admit::{AdmissionHook, AdmitAll};
use crate::clock::{Clock, SystemClock};
use crate::compose::{Composition, CompositionLibrary, LibraryError};
use crate::kinds::KindRegistry;
use crate::provider::Provider;
use crate::store::{MemoryStore, StateStore};

/// Collects the parts of an [`Engine`]: kinds, providers, compositions, admission and a store.
///
/// ```
/// use platform_core::engine::Engine;
/// let engine = Engine::builder().environment("local").build();
/// assert_eq!(engine.environment(), "local");
/// ```
pub struct EngineBuilder {
    registry: KindRegistry,
    providers: HashMap<String, HashMap<String, Arc<dyn Provider>>>,
    compositions: CompositionLibrary,
    environment: String,
    environment_data: Value,
    defaults: HashMap<String, String>,
    admission: Arc<dyn AdmissionHook>,
    store: Arc<dyn StateStore>,
    concurrency: usize,
    poll_interval: Duration,
    backoff: Backoff,
    ready_poll: Duration,
    progress: Option<Arc<dyn ProgressListener>>,
    production: bool,
    clock: Arc<dyn Clock>,
    actor: String,
    journal_retention: Option<Duration>,
    lease_duration: Duration,
    lease_renewal: Duration,
    worker_id: Option<String>,
}

/// How long journal entries are kept by default: 400 days, enough for DORA's six-month
/// questions a year apart.
pub const DEFAULT_JOURNAL_RETENTION: Duration = Duration::from_secs(400 * 24 * 3600);

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            registry: KindRegistry::builtin(),
            providers: HashMap::new(),
            compositions: CompositionLibrary::new(),
            environment: "local".to_owned(),
            environment_data: Value::Object(Default::default()),
            defaults: HashMap::new(),
            admission: Arc::new(AdmitAll),
            store: Arc::new(MemoryStore::new()),
            concurrency: 16,
            poll_interval: Duration::from_secs(60),
            backoff: Backoff::per_object(),
            ready_poll: Duration::from_millis(500),
            progress: None,
            production: false,
            clock: Arc::new(SystemClock),
            actor: "person".to_owned(),
            journal_retention: Some(DEFAULT_JOURNAL_RETENTION),
            lease_duration: super::lease::LEASE_TTL,
            lease_renewal: super::lease::RENEW_EVERY,
            worker_id: None,
        }
    }
}

impl EngineBuilder {
    /// The kinds the engine accepts (default: the built-in claim kinds in `platform.dev`).
    pub fn registry(mut self, registry: KindRegistry) -> Self {
        self.registry = registry;
        self
    }

    /// Serves the managed kinds a provider declares with that provider.
    pub fn provider(mut self, provider: Arc<dyn Provider>) -> Self {
        for (api_version, kind) in provider.kinds() {
            self.providers
                .entry(api_version)
                .or_default()
                .insert(kind, provider.clone());
        }
        self
    }

    /// Uses a library of compositions and environment configs.
    pub fn compositions(mut self, library: CompositionLibrary) -> Self {
        self.compositions = library;
        self
    }

    /// Adds a composition written in Rust.
    pub fn composition(mut self, composition: Arc<dyn Composition>) -> Result<Self, LibraryError> {
        self.compositions.add(composition)?;
        Ok(self)
    }

    /// The environment the engine provisions into (default `local`); its EnvironmentConfig, when
    /// the library has one of that name, is the root of environment field paths.
    pub fn environment(mut self, name: impl Into<String>) -> Self {
        self.environment = name.into();
        self
    }

    /// Environment data used instead of the library's EnvironmentConfig.
    pub fn environment_data(mut self, data: Value) -> Self {
        self.environment_data = data;
        self
    }

    /// The composition used for a claim kind when several match and the claim names none.
    pub fn default_composition(
        mut self,
        kind: impl Into<String>,
        composition: impl Into<String>,
    ) -> Self {
        self.defaults.insert(kind.into(), composition.into());
        self
    }

    /// The admission hook (default: admit everything).
    pub fn admission(mut self, hook: Arc<dyn AdmissionHook>) -> Self {
        self.admission = hook;
        self
    }

    /// The state store (default: a new in-memory store).
    pub fn store(mut self, store: Arc<dyn StateStore>) -> Self {
        self.store = store;
        self
    }

    /// How many provider operations run at once (default 16).
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = limit.max(1);
        self
    }

    /// How often the controller loop sweeps for drift (default 60 s, with ±10% jitter).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// How soon a claim whose resources are not Ready yet is reconciled again, by the
    /// controller and by [`Engine::wait`] (default 500 ms).
    pub fn ready_poll(mut self, interval: Duration) -> Self {
        self.ready_poll = interval;
        self
    }

    /// The per-object backoff of the controller loop (default 1 s doubling to 5 min).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// A listener told about each managed resource as the engine finishes with it.
    pub fn progress(mut self, listener: Arc<dyn ProgressListener>) -> Self {
        self.progress = Some(listener);
        self
    }

    /// Marks the environment as production: each apply that changes an Application records a
    /// deployment in the journal (default: not production).
    pub fn production(mut self, production: bool) -> Self {
        self.production = production;
        self
    }

    /// The clock the journal's times come from (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Who asks this engine for work, recorded with the drift a person repairs (default
    /// `person`; `platformctl` gives the login name).
    pub fn actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = actor.into();
        self
    }

    /// How long journal entries are kept: older ones are pruned as the engine records new
    /// ones (default 400 days; `None` keeps everything).
    pub fn journal_retention(mut self, retention: Option<Duration>) -> Self {
        self.journal_retention = retention;
        self
    }

    /// How long a claim lease lasts unless renewed (default 15 s): after a holder on another
    /// host dies, its claims wait this long (plus one poll) before another engine takes them.
    pub fn lease_duration(mut self, duration: Duration) -> Self {
        self.lease_duration = duration.max(Duration::from_millis(100));
        self
    }

    /// How often a held claim lease is renewed (default 5 s); kept below the lease duration.
    pub fn lease_renewal(mut self, every: Duration) -> Self {
        self.lease_renewal = every.max(Duration::from_millis(10));
        self
    }

    /// A name for this engine in the leases it holds (`platformctl run --id NAME`), added to
    /// the holder name so operators see which worker holds what. `:` is replaced by `_`.
    pub fn worker_id(mut self, id: impl Into<String>) -> Self {
        self.worker_id = Some(id.into().replace(':', "_"));
        self
    }

    /// Builds the engine.
    pub fn build(self) -> Engine {
        let environment_data = match self.environment_data.as_object() {
            Some(map) if !map.is_empty() => self.environment_data,
            _ => self
                .compositions
                .environment(&self.environment)
                .map(|e| e.data.clone())
                .unwrap_or(self.environment_data),
        };
        Engine {
            inner: Arc::new(EngineInner {
                registry: self.registry,
                providers: self.providers,
                compositions: self.compositions,
                environment: self.environment,
                environment_data,
                defaults: self.defaults,
                admission: self.admission,
                store: self.store,
                permits: tokio::sync::Semaphore::new(self.concurrency),
                concurrency: self.concurrency,
                poll_interval: self.poll_interval,
                backoff: self.backoff,
                ready_poll: self.ready_poll,
                failures: Default::default(),
                progress: self.progress,
                locks: std::sync::Mutex::new(HashMap::new()),
                holder: super::lease::holder_name(self.worker_id.as_deref()),
                worker_id: self.worker_id,
                lease_ttl: self.lease_duration,
                renew_every: self.lease_renewal.min(self.lease_duration / 2),
                recovered: tokio::sync::OnceCell::new(),
                production: self.production,
                clock: self.clock,
                actor: self.actor,
                journal_retention: self.journal_retention,
                recorded: super::record::Recorded::default(),
            }),
        }
    }
}
