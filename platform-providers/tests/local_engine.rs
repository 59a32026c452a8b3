//! The engine end to end on the local adapter: the quickstart claims become real SQLite files,
//! tables and directories; drift made by hand is found and repaired.

use std::path::Path;
use std::sync::Arc;

use platform_core::compose::CompositionLibrary;
use platform_core::engine::{Action, Engine};
use platform_core::kinds::KindRegistry;
use platform_core::load::Loader;
use platform_core::model::{DynamicObject, ObjectRef, Resource};
use platform_core::validate::Validator;
use platform_providers::local::LocalProvider;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The quickstart objects: the seed database claim, then the application.
fn quickstart() -> Vec<DynamicObject> {
    let loaded = Loader::new().load_paths(&[repo().join("examples/quickstart")]);
    assert!(loaded.diagnostics.is_empty());
    Validator::new(&KindRegistry::builtin())
        .objects(&loaded.documents)
        .unwrap()
}

fn engine(root: &Path) -> Engine {
    let mut library = CompositionLibrary::new();
    library.load_paths(&[repo().join("compositions")]).unwrap();
    Engine::builder()
        .compositions(library)
        .environment("local")
        .provider(Arc::new(LocalProvider::new(root)))
        .build()
}

#[tokio::test]
async fn quickstart_applies_converges_and_repairs_drift() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let objects = quickstart();

    let report = engine.apply(&objects).await.unwrap();
    assert!(report.all_ready(), "{report:#?}");
    let db = report
        .claims
        .iter()
        .find(|c| c.claim.name == "orders-db")
        .unwrap();
    assert_eq!(db.outputs["host"], "localhost");
    assert_eq!(db.outputs["database"], "orders-db");
    let app = report
        .claims
        .iter()
        .find(|c| c.claim.name == "storefront")
        .unwrap();
    assert_eq!(app.children.len(), 4);
    assert_eq!(
        app.outputs["api.DATABASE_HOST"], "localhost",
        "{:?}",
        app.outputs
    );
    assert_eq!(app.outputs["api.QUEUE_NAME"], "default.storefront-events");
    // Secrets stay out of outputs.
    assert!(!app.outputs.contains_key("api.DATABASE_PASSWORD"));
    let secrets = engine
        .store()
        .secrets(&ObjectRef::new("Application", "default", "storefront").in_group("platform.dev"))
        .await
        .unwrap();
    assert_eq!(
        secrets.get("api.DATABASE_PASSWORD").unwrap().expose().len(),
        32
    );
    let db_file = dir.path().join("databases/default/orders-db.sqlite3");
    assert!(db_file.is_file());

    // Applying again changes nothing.
    let again = engine.apply(&objects).await.unwrap();
    assert!(!again.changed(), "{again:#?}");
    assert!(again.all_ready());
    assert!(!engine.plan(&objects).await.unwrap().has_changes());

    // A database file deleted by hand is drift; apply recreates it.
    std::fs::remove_file(&db_file).unwrap();
    let drift = engine.detect_drift().await.unwrap();
    assert_eq!(drift.drifted.len(), 1, "{drift:#?}");
    assert_eq!(drift.drifted[0].resource.name, "orders-db-database");
    let plan = engine.plan(&objects).await.unwrap();
    assert_eq!(plan.counts(), (1, 0, 0), "{plan:#?}");
    let repaired = engine.apply(&objects).await.unwrap();
    assert!(repaired.changed() && repaired.all_ready());
    assert!(db_file.is_file());
    assert!(engine.detect_drift().await.unwrap().drifted.is_empty());

    // Status shows conditions, outputs and events.
    let status = engine.status(&objects[0].object_ref()).await.unwrap();
    let conditions = status.object.status.as_ref().unwrap()["conditions"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(conditions[0]["type"], "Ready");
    assert_eq!(conditions[0]["status"], "True");
    assert_eq!(status.resources.len(), 1);
    assert!(status.events.iter().any(|e| e.reason == "Ready"));
}

#[tokio::test]
async fn deleting_respects_references_and_policies() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let objects = quickstart();
    engine.apply(&objects).await.unwrap();

    // A claim an application still uses cannot be deleted on its own.
    let used = ObjectRef::new("DatabaseClaim", "default", "storefront-db").in_group("platform.dev");
    let err = engine.delete(&used).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "DatabaseClaim default/storefront-db is used by Application default/storefront (requested as spec.resources.db, its outputs used by api.DATABASE_HOST, api.DATABASE_PASSWORD); delete or change Application default/storefront first"
    );

    // Deleting the application deletes its claims and their real resources.
    let report = engine.delete(&objects[1].object_ref()).await.unwrap();
    assert_eq!(report.deleted.len(), 9, "{report:#?}");
    assert!(
        !dir.path()
            .join("databases/default/storefront-db.sqlite3")
            .exists()
    );
    assert!(!dir.path().join("buckets/default-storefront-files").exists());
    // The seed claim is separate and still there.
    let remaining: Vec<String> = engine
        .claims()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.metadata.name)
        .collect();
    assert_eq!(remaining, ["orders-db"]);
}

#[tokio::test]
async fn orphan_policy_keeps_the_real_database() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let mut claim = quickstart().remove(0);
    claim.spec["deletionPolicy"] = serde_json::json!("Orphan");
    engine.apply(std::slice::from_ref(&claim)).await.unwrap();
    let report = engine.delete(&claim.object_ref()).await.unwrap();
    assert_eq!(report.orphaned.len(), 1);
    assert!(
        dir.path()
            .join("databases/default/orders-db.sqlite3")
            .is_file()
    );
    // Applied again, the kept database is adopted, not created twice.
    let plan = engine.plan(std::slice::from_ref(&claim)).await.unwrap();
    assert!(
        matches!(plan.actions[0].action, Action::NoChange),
        "{plan:#?}"
    );
}

#[tokio::test]
async fn an_owned_claim_never_takes_over_a_claim_of_the_same_name() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let mut objects = quickstart();
    // Renamed to `orders`, the application's `db` would be `orders-db`: the seed claim's name.
    objects[1].metadata.name = "orders".into();
    let err = engine.apply(&objects).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "DatabaseClaim default/orders-db already exists and does not belong to Application default/orders; rename the resource in Application default/orders's spec.resources"
    );
    let seed = engine.status(&objects[0].object_ref()).await.unwrap();
    assert!(
        seed.object.metadata.owner_references.is_empty(),
        "the seed claim is untouched"
    );
}
