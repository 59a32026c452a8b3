//! A platform team's own claim kind, defined by a JSON Schema file instead of Rust.
//!
//! `cargo run --release --example custom_kind`

use platform_core::kinds::{KindRegistry, kinds_from_document};
use platform_core::load::{Format, Loader};
use platform_core::validate::Validator;
use std::process::ExitCode;
use std::sync::Arc;

const CLAIMS: &str = "
apiVersion: acme.io/v1
kind: MessageTopic
metadata: {name: order-events}
spec: {partitions: 12}
---
apiVersion: acme.io/v1
kind: MessageTopic
metadata: {name: audit}
spec: {partitions: 0, retention: 3}
";

fn main() -> ExitCode {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/custom-kind/kinds");
    let mut registry = KindRegistry::builtin();
    let loaded = Loader::new().load_paths(&[dir]);
    for doc in &loaded.documents {
        match kinds_from_document(doc) {
            Ok(defs) => {
                for def in defs {
                    println!("registered {} from {}", def.gvk, def.origin);
                    if let Err(e) = registry.register(def) {
                        eprintln!("{e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let claims = Loader::new().load_str(Arc::from("claims.yaml"), CLAIMS, Format::Yaml);
    let report = Validator::new(&registry).validate(&claims.documents);
    // The second claim is invalid on purpose: it shows located errors for a custom kind.
    println!("{report}");
    if report.diagnostics.len() == 2 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
