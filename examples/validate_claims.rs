//! Validate claim files from Rust and read them as typed objects.
//!
//! `cargo run --release --example validate_claims [PATH...]` (default: examples/quickstart)

use platform_core::kinds::{DatabaseClaim, DatabaseClaimSpec, DatabaseEngine, KindRegistry, Size};
use platform_core::load::Loader;
use platform_core::model::Resource;
use platform_core::validate::Validator;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let paths = if args.is_empty() {
        vec![concat!(env!("CARGO_MANIFEST_DIR"), "/quickstart").to_owned()]
    } else {
        args
    };

    let registry = KindRegistry::builtin();
    let loaded = Loader::new().load_paths(&paths);
    for problem in &loaded.diagnostics {
        eprintln!("{problem}");
    }
    let validator = Validator::new(&registry);
    let objects = match validator.objects(&loaded.documents) {
        Ok(objects) => objects,
        Err(report) => {
            eprintln!("{report}");
            return ExitCode::FAILURE;
        }
    };
    for object in &objects {
        println!("valid: {} ({})", object.object_ref(), object.api_version);
        if object.kind == "DatabaseClaim" {
            // Typed access applies the kind's defaults.
            match object.to_typed::<DatabaseClaimSpec, serde_json::Value>() {
                Ok(db) => println!(
                    "  engine {:?}, size {}, {} GiB",
                    db.spec.engine, db.spec.size, db.spec.storage_gib
                ),
                Err(e) => eprintln!("  cannot read as DatabaseClaim: {e}"),
            }
        }
    }

    // Objects built in code go through the same validation.
    let mut spec = DatabaseClaimSpec::new(DatabaseEngine::Postgresql);
    spec.size = Size::Large;
    let claim = DatabaseClaim::new("billing-db", spec).in_namespace("billing");
    let json = serde_json::to_value(&claim).unwrap_or_default();
    let issues = registry
        .resolve(&claim.api_version, &claim.kind)
        .map(|def| def.schema().object_issues(&json))
        .unwrap_or_default();
    println!(
        "built in code: {} with {} problems",
        claim.object_ref(),
        issues.len()
    );
    ExitCode::SUCCESS
}
