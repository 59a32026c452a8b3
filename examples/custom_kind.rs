//! A platform team's own claim kind, defined by a JSON Schema file instead of Rust, with its
//! own composition: validated with located errors, then provisioned on the local adapter.
//!
//! `cargo run --release --example custom_kind`

use platform_core::compose::CompositionLibrary;
use platform_core::engine::Engine;
use platform_core::kinds::{KindRegistry, kinds_from_document};
use platform_core::load::{Format, Loader};
use platform_core::validate::Validator;
use platform_providers::local::LocalProvider;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

const CLAIMS: &str = "
apiVersion: acme.io/v1
kind: MessageTopic
metadata: {name: order-events, namespace: shop}
spec: {partitions: 12}
---
apiVersion: acme.io/v1
kind: MessageTopic
metadata: {name: audit}
spec: {partitions: 0, retention: 3}
";

async fn run() -> Result<(), String> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("custom-kind");
    let mut registry = KindRegistry::builtin();
    let loaded = Loader::new().load_paths(&[base.join("kinds")]);
    for doc in &loaded.documents {
        for def in kinds_from_document(doc).map_err(|e| e.to_string())? {
            println!("registered {} from {}", def.gvk, def.origin);
            registry.register(def).map_err(|e| e.to_string())?;
        }
    }

    // The second claim is invalid on purpose: located errors for a kind defined without Rust.
    let claims = Loader::new().load_str(Arc::from("claims.yaml"), CLAIMS, Format::Yaml);
    let validator = Validator::new(&registry);
    let report = validator.validate(&claims.documents);
    println!("{report}");
    if report.diagnostics.len() != 2 {
        return Err("expected the second claim's two errors".into());
    }

    // The first claim goes through the team's composition to a real (local) queue.
    let valid = validator
        .objects(&claims.documents[..1])
        .map_err(|report| report.to_string())?;
    let mut compositions = CompositionLibrary::new();
    compositions
        .load_paths(&[base.join("compositions")])
        .map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let engine = Engine::builder()
        .registry(registry)
        .compositions(compositions)
        .environment("local")
        .provider(Arc::new(LocalProvider::new(dir.path())))
        .build();
    let applied = engine.apply(&valid).await.map_err(|e| e.to_string())?;
    let topic = &applied.claims[0];
    println!(
        "{} ready={} via {} outputs={:?}",
        topic.claim,
        topic.ready,
        topic.composition.as_deref().unwrap_or("-"),
        topic.outputs
    );
    if !applied.all_ready()
        || topic.outputs.get("queue").and_then(|q| q.as_str()) != Some("topic.shop.order-events")
    {
        return Err("the topic did not become a ready queue".into());
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
