//! `platformctl validate -f PATH...`

use std::path::PathBuf;
use std::process::ExitCode;

use platform_core::kinds::KindRegistry;
use platform_core::load::Loader;
use platform_core::validate::{ValidationReport, Validator};

use crate::error::CliError;

/// Loads and validates every document; errors on stderr, then the summary line.
pub fn run(registry: &KindRegistry, paths: &[PathBuf]) -> Result<ExitCode, CliError> {
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
        println!("{}", report.summary());
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{report}");
        Ok(ExitCode::FAILURE)
    }
}
