//! The fake cloud's generated passwords reach the SQLite store (encrypted) as connection
//! details, and never appear in what the engine shows: apply, plan, drift and delete reports,
//! status views, events and errors, formatted with `{:?}`, `{:#?}`, `Display` and serde_json.

use std::collections::BTreeMap;
use std::sync::Arc;

use platform_providers::core::compose::{
    ComposeError, ComposeRequest, Composed, CompositeTypeRef, Composition, CompositionLibrary,
};
use platform_providers::core::engine::Engine;
use platform_providers::core::kinds::{DatabaseClaim, DatabaseClaimSpec, DatabaseEngine, Size};
use platform_providers::core::model::{DynamicObject, ObjectRef, Resource};
use platform_providers::core::provider::Provider;
use platform_providers::core::store::{ListFilter, StateStore};
use platform_providers::store::sqlite::{SecretKey, SecretKeySource, SqliteOptions, SqliteStore};
use platform_testkit::fake::{FakeProvider, Fault, Operation};
use platform_testkit::harness::{TRIO_API_VERSION, TRIO_KINDS, trio_composition};

/// The trio, plus the database's password and uri as the claim's connection details: the
/// secrets then travel through the engine into the store, where a leak could happen.
struct Connected {
    trio: Arc<dyn Composition>,
}

impl Composition for Connected {
    fn name(&self) -> &str {
        "trio-connected"
    }

    fn composite_type(&self) -> &CompositeTypeRef {
        self.trio.composite_type()
    }

    fn labels(&self) -> &BTreeMap<String, String> {
        self.trio.labels()
    }

    fn compose(&self, request: &ComposeRequest<'_>) -> Result<Composed, ComposeError> {
        let mut composed = self.trio.compose(request)?;
        if let Some(database) = request.observed.get("database") {
            for key in ["password", "uri"] {
                if let Some(value) = database.connection_details.get(key) {
                    composed
                        .read_back
                        .connection_details
                        .insert(key.to_owned(), value.clone());
                }
            }
        }
        Ok(composed)
    }
}

fn claim(name: &str, size: Size) -> DynamicObject {
    let mut spec = DatabaseClaimSpec::new(DatabaseEngine::Postgresql);
    spec.size = size;
    DatabaseClaim::new(name, spec).to_dynamic().unwrap()
}

/// Everything shown, collected to be searched at the end.
#[derive(Default)]
struct Shown(Vec<String>);

impl Shown {
    fn debug(&mut self, value: &impl std::fmt::Debug) {
        self.0.push(format!("{value:?}"));
        self.0.push(format!("{value:#?}"));
    }

    fn json(&mut self, value: &impl serde::Serialize) {
        self.0.push(serde_json::to_string(value).unwrap());
    }

    fn both(&mut self, value: &(impl std::fmt::Debug + serde::Serialize)) {
        self.debug(value);
        self.json(value);
    }

    fn error(&mut self, error: &(impl std::fmt::Debug + std::fmt::Display)) {
        self.debug(error);
        self.0.push(error.to_string());
    }
}

async fn show_status(engine: &Engine, key: &ObjectRef, shown: &mut Shown) {
    let view = engine.status(key).await.unwrap();
    shown.debug(&view);
    shown.json(&view.object);
    shown.json(&view.resources);
    shown.json(&view.events);
    for child in &view.children {
        shown.debug(child);
    }
}

#[tokio::test]
async fn generated_passwords_never_appear_in_reports_status_events_or_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open_with(
            dir.path().join("state.db"),
            SqliteOptions {
                secret_key: SecretKeySource::Key(SecretKey::from_bytes([3; 32])),
                ..SqliteOptions::default()
            },
        )
        .unwrap(),
    );
    let fake = FakeProvider::builder(TRIO_KINDS.map(|k| (TRIO_API_VERSION, k)))
        .seed(11)
        .build()
        .unwrap();
    let mut library = CompositionLibrary::new();
    library
        .add(Arc::new(Connected {
            trio: trio_composition(),
        }))
        .unwrap();
    let provider: Arc<dyn Provider> = Arc::new(fake.clone());
    let engine = Engine::builder()
        .compositions(library)
        .provider(provider)
        .store(store.clone())
        .build();
    let mut shown = Shown::default();
    let claims = [claim("orders", Size::Small), claim("billing", Size::Medium)];
    let keys: Vec<ObjectRef> = claims.iter().map(|c| c.object_ref()).collect();

    // Plan and apply.
    shown.both(&engine.plan(&claims).await.unwrap());
    let report = engine.apply(&claims).await.unwrap();
    assert!(report.all_ready(), "{report:#?}");
    shown.both(&report);
    // The second pass composes with the observed connection details.
    shown.both(&engine.apply(&claims).await.unwrap());
    let resized = [claim("orders", Size::Large), claims[1].clone()];
    shown.both(&engine.plan(&resized).await.unwrap());
    shown.both(&engine.apply(&resized).await.unwrap());
    for key in &keys {
        show_status(&engine, key, &mut shown).await;
    }

    // The passwords did reach the store, as the claim's connection details.
    let passwords: Vec<String> = fake
        .cloud()
        .resources()
        .iter()
        .map(|r| r.password.expose().to_owned())
        .collect();
    assert_eq!(passwords.len(), 6);
    let secrets = store.secrets(&keys[0]).await.unwrap();
    let stored = secrets
        .get("password")
        .expect("the claim's password connection detail")
        .expose();
    assert!(passwords.iter().any(|p| p == stored));
    shown.debug(&secrets);

    // Drift, corrected; then a correction that fails.
    fake.cloud()
        .drift_change(
            TRIO_API_VERSION,
            "Role",
            "default-orders-role",
            "spec.connectionLimit",
            1.into(),
        )
        .unwrap();
    shown.both(&engine.detect_drift().await.unwrap());
    shown.both(&engine.reconcile_once().await.unwrap());
    fake.cloud()
        .drift_change(
            TRIO_API_VERSION,
            "Role",
            "default-billing-role",
            "spec.connectionLimit",
            2.into(),
        )
        .unwrap();
    fake.add_fault(Operation::Update, Fault::permanent())
        .unwrap();
    let failed = engine.reconcile_once().await;
    match &failed {
        Ok(report) => shown.both(report),
        Err(e) => shown.error(e),
    }
    let failed_apply = engine.apply(&[claim("billing", Size::Large)]).await;
    match &failed_apply {
        Ok(report) => {
            assert!(!report.all_ready() || report.claims.iter().any(|c| !c.synced));
            shown.both(report);
        }
        Err(e) => shown.error(e),
    }
    fake.clear_faults();
    for key in &keys {
        show_status(&engine, key, &mut shown).await;
        shown.json(&store.events(key).await.unwrap());
    }
    shown.json(&store.list(&ListFilter::all()).await.unwrap());
    shown.json(&store.intents().await.unwrap());

    // Errors: an unknown claim.
    let mut missing = ObjectRef::new("DatabaseClaim", "default", "nope");
    missing.group = "platform.dev".into();
    shown.error(&engine.status(&missing).await.unwrap_err());
    match engine.delete(&missing).await {
        Ok(report) => shown.both(&report),
        Err(e) => shown.error(&e),
    }

    // Delete.
    for key in &keys {
        shown.both(&engine.delete(key).await.unwrap());
    }
    assert!(fake.cloud().is_empty());
    shown.debug(&fake);
    shown.debug(fake.cloud());
    shown.debug(&engine);

    let all = shown.0.join("\n");
    assert!(
        all.contains("default-orders-role"),
        "the search is over real output"
    );
    for password in &passwords {
        assert!(
            !all.contains(password.as_str()),
            "a generated password appears in shown output:\n{}",
            shown
                .0
                .iter()
                .find(|s| s.contains(password.as_str()))
                .unwrap()
        );
    }
}
