//! `platformctl validate -f PATH...`

use crate::output::outln;
use std::path::PathBuf;
use std::process::ExitCode;

use platform_core::admit::Guardrails;
use platform_core::engine::Engine;
use platform_core::kinds::KindRegistry;
use platform_core::kinds::score::ScoreTypes;
use platform_core::validate::{ValidationReport, Validator, locate};

use crate::error::CliError;
use crate::workspace::load_inputs;

/// Loads and validates every document, checks that the compositions `engine` would choose can
/// fill every placeholder, then runs the config's policies for the environment; errors on
/// stderr, then the summary line.
///
/// Score workloads are checked against the official Score schema; what they ask that this
/// platform cannot serve (an unmapped resource type, a missing file source, an output the
/// chosen composition never fills) is a located warning here, and an error from plan and apply.
pub fn run(
    registry: &KindRegistry,
    score_types: &ScoreTypes,
    engine: &Engine,
    paths: &[PathBuf],
    policies: Option<(&Guardrails, &str, Option<serde_json::Value>)>,
) -> Result<ExitCode, CliError> {
    let inputs = load_inputs(registry, score_types, paths);
    let loaded = inputs.expansion;
    let mut diagnostics = inputs.problems;
    if let Err(problems) = platform_core::admit::intent::offerings_from_documents(&inputs.offerings)
    {
        diagnostics.extend(problems);
    }
    diagnostics.extend(loaded.errors);
    let mut warnings = loaded.warnings;
    warnings.extend(loaded.unserved);
    // One validation: the checked objects serve the placeholder check and the policies.
    let checked = match Validator::new(registry).checked(&loaded.documents) {
        Ok(checked) => {
            for ((object, doc), from_score) in checked
                .iter()
                .zip(&loaded.documents)
                .zip(&loaded.from_score)
            {
                for issue in engine.unfillable_placeholders(object.object()) {
                    if *from_score {
                        warnings.push(locate(doc, &issue));
                    } else {
                        diagnostics.push(locate(doc, &issue));
                    }
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
    warnings.sort_by(|a, b| a.file.cmp(&b.file).then(a.location.cmp(&b.location)));
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    diagnostics.sort_by(|a, b| a.file.cmp(&b.file).then(a.location.cmp(&b.location)));
    let report = ValidationReport {
        documents: loaded.inputs + inputs.offerings.len(),
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
