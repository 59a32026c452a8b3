//! `platformctl schema KIND`

use crate::output::outln;
use std::process::ExitCode;

use platform_core::kinds::KindRegistry;

use crate::error::CliError;

/// Prints the kind's JSON Schema as JSON.
pub fn run(registry: &KindRegistry, kind: &str) -> Result<ExitCode, CliError> {
    let schema = registry.json_schema(kind)?;
    let text =
        serde_json::to_string_pretty(&schema).map_err(|e| CliError::Output(e.to_string()))?;
    outln!("{text}");
    Ok(ExitCode::SUCCESS)
}
