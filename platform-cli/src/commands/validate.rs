//! `platformctl validate -f PATH...`

use std::path::PathBuf;
use std::process::ExitCode;

use platform_core::admit::Guardrails;
use platform_core::kinds::KindRegistry;
use platform_core::load::Loader;
use platform_core::validate::{ValidationReport, Validator};

use crate::error::CliError;

/// Loads and validates every document, then runs the config's policies for the environment;
/// errors on stderr, then the summary line.
pub fn run(
    registry: &KindRegistry,
    paths: &[PathBuf],
    policies: Option<(&Guardrails, &str, Option<serde_json::Value>)>,
) -> Result<ExitCode, CliError> {
    let loaded = Loader::new().load_paths(paths);
    let mut report = Validator::new(registry).validate(&loaded.documents);
    let mut diagnostics = loaded.diagnostics;
    diagnostics.append(&mut report.diagnostics);
    // Files in input order, problems in line order within a file.
    diagnostics.sort_by(|a, b| a.file.cmp(&b.file).then(a.location.cmp(&b.location)));
    let report = ValidationReport {
        documents: report.documents,
        diagnostics,
    };
    if report.is_ok() {
        if let Some((engine, environment, data)) = policies {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| CliError::Usage {
                    message: format!("cannot start the async runtime: {e}"),
                    hint: None,
                })?;
            let outcome = runtime.block_on(super::policy::admit_offline(
                engine,
                registry,
                &loaded.documents,
                environment,
                data,
            ))?;
            for warning in &outcome.warnings {
                eprintln!("warning: {warning}");
            }
            if !outcome.denials.is_empty() {
                for denial in &outcome.denials {
                    eprintln!("{denial}");
                }
                eprintln!(
                    "{} documents, {} denied by policy",
                    report.documents,
                    outcome.denials.len()
                );
                return Ok(ExitCode::FAILURE);
            }
        }
        println!("{}", report.summary());
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{report}");
        Ok(ExitCode::FAILURE)
    }
}
