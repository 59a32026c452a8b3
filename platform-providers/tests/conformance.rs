//! The shared conformance suites on this crate's implementations: the local adapter passes the
//! provider suite, the SQLite store the state store suite (the same suites the fakes pass).

use serde_json::json;
use std::sync::Arc;

use platform_core::model::DynamicObject;
use platform_core::provider::{ManagedResource, Provider};
use platform_core::store::StateStore;
use platform_providers::local::{API_VERSION, LocalProvider};
use platform_providers::store::sqlite::{SecretKey, SecretKeySource, SqliteOptions, SqliteStore};
use platform_testkit::conformance::{ProviderSubject, provider_conformance, store_conformance};

fn database(limit: u32) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": "LocalDatabase",
        "metadata": {"name": "orders-db-database", "namespace": "team-a"},
        "spec": {"engine": "sqlite", "file": "team-a/orders-db.sqlite3", "connectionLimit": limit}
    }))
    .unwrap();
    ManagedResource::new(object)
}

#[tokio::test]
async fn the_local_adapter_passes_the_provider_suite() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let provider: Arc<dyn Provider> = Arc::new(LocalProvider::new(&root));
    // Out-of-band drift: someone edits the database's recorded settings by hand.
    let subject = ProviderSubject::new(provider, database(10), database(20), move |_resource| {
        let file = root.join("databases/team-a/orders-db.sqlite3");
        async move {
            let conn = rusqlite::Connection::open(&file).map_err(|e| e.to_string())?;
            conn.execute(
                "UPDATE _platform SET spec = json_set(spec, '$.connectionLimit', 99)",
                [],
            )
            .map_err(|e| e.to_string())?;
            Ok(())
        }
    });
    provider_conformance(subject).await.assert_passed();
}

#[tokio::test]
async fn the_sqlite_store_passes_the_store_suite() {
    let dir = tempfile::tempdir().unwrap();
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let report = store_conformance(|| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = dir.path().join(format!("state-{n}.db"));
        async move {
            let options = SqliteOptions {
                secret_key: SecretKeySource::Key(SecretKey::from_bytes([7u8; 32])),
                ..SqliteOptions::default()
            };
            let store: Arc<dyn StateStore> =
                Arc::new(SqliteStore::open_with(&path, options).unwrap());
            store
        }
    })
    .await;
    report.assert_passed();
}
