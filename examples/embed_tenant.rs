//! A Rust service that provisions per tenant: a database, a cache user and a queue for every
//! new tenant, through the SDK API on the embedded local adapter; then lists them and deletes
//! one tenant.
//!
//! `cargo run --release --example embed_tenant`

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use platform_core::compose::CompositionLibrary;
use platform_core::engine::Engine;
use platform_core::kinds::{
    CacheClaim, CacheClaimSpec, DatabaseClaim, DatabaseClaimSpec, DatabaseEngine, QueueClaim,
    QueueClaimSpec, QueueEngine,
};
use platform_core::model::{DynamicObject, Resource};
use platform_providers::local::LocalProvider;

/// The claims one tenant needs, in the tenant's own namespace.
fn tenant(name: &str) -> Result<Vec<DynamicObject>, serde_json::Error> {
    Ok(vec![
        DatabaseClaim::new("db", DatabaseClaimSpec::new(DatabaseEngine::Sqlite))
            .in_namespace(name)
            .to_dynamic()?,
        CacheClaim::new("sessions", CacheClaimSpec::default())
            .in_namespace(name)
            .to_dynamic()?,
        QueueClaim::new("jobs", QueueClaimSpec::new(QueueEngine::Rabbitmq))
            .in_namespace(name)
            .to_dynamic()?,
    ])
}

async fn run() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut compositions = CompositionLibrary::new();
    compositions
        .load_paths(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("../compositions/local")])
        .map_err(|e| e.to_string())?;
    let engine = Engine::builder()
        .compositions(compositions)
        .environment("local")
        .provider(Arc::new(LocalProvider::new(dir.path())))
        .build();

    for name in ["acme", "globex"] {
        let report = engine
            .apply(&tenant(name).map_err(|e| e.to_string())?)
            .await
            .map_err(|e| e.to_string())?;
        if !report.all_ready() {
            return Err(format!("tenant {name} is not ready: {report:?}"));
        }
        println!("tenant {name}: {} claims ready", report.claims.len());
    }

    for claim in engine.claims().await.map_err(|e| e.to_string())? {
        let outputs = claim
            .status
            .as_ref()
            .and_then(|s| s.get("outputs"))
            .cloned()
            .unwrap_or_default();
        println!("  {}: {}", claim.object_ref(), outputs);
    }

    for claim in tenant("acme").map_err(|e| e.to_string())? {
        engine
            .delete(&claim.object_ref())
            .await
            .map_err(|e| e.to_string())?;
    }
    let left: Vec<String> = engine
        .claims()
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .map(|c| c.object_ref().to_string())
        .collect();
    println!("after deleting tenant acme: {}", left.join(", "));
    if left.iter().any(|c| c.contains("acme/")) || left.len() != 3 {
        return Err("tenant acme was not deleted cleanly".into());
    }
    Ok(())
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
