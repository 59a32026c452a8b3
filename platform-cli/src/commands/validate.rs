//! `platformctl validate -f PATH...`

use crate::output::outln;
use std::path::PathBuf;
use std::process::ExitCode;

use platform_core::admit::Guardrails;
use platform_core::engine::Engine;
use platform_core::kinds::KindRegistry;
use platform_core::load::Loader;
use platform_core::validate::{ValidationReport, Validator, locate};

use crate::error::CliError;

/// Loads and validates every document, checks that the compositions `engine` would choose can
/// fill every placeholder, then runs the config's policies for the environment; errors on
/// stderr, then the summary line.
pub fn run(
    registry: &KindRegistry,
    engine: &Engine,
    paths: &[PathBuf],
    policies: Option<(&Guardrails, &str, Option<serde_json::Value>)>,
) -> Result<ExitCode, CliError> {
    let loaded = Loader::new().load_paths(paths);
    let mut diagnostics = loaded.diagnostics;
    // One validation: the checked objects serve the placeholder check and the policies.
    let checked = match Validator::new(registry).checked(&loaded.documents) {
        Ok(checked) => {
            for (object, doc) in checked.iter().zip(&loaded.documents) {
                for issue in engine.unfillable_placeholders(object.object()) {
                    diagnostics.push(locate(doc, &issue));
                }
            }
            checked
        }
        Err(mut report) => {
            diagnostics.append(&mut report.diagnostics);
            Vec::new()
        }
    };
    // Files in input order, problems in line order within a file.
    diagnostics.sort_by(|a, b| a.file.cmp(&b.file).then(a.location.cmp(&b.location)));
    let report = ValidationReport {
        documents: loaded.documents.len(),
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
                checked,
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
        outln!("{}", report.summary());
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{report}");
        Ok(ExitCode::FAILURE)
    }
}
