//! `platformctl crd KIND`

use crate::output::out;
use std::process::ExitCode;

use platform_core::kinds::KindRegistry;

use crate::error::CliError;

/// Prints the kind's CustomResourceDefinition as YAML.
pub fn run(registry: &KindRegistry, kind: &str) -> Result<ExitCode, CliError> {
    let crd = registry.crd(kind)?;
    let text = serde_saphyr::to_string(&crd).map_err(|e| CliError::Output(e.to_string()))?;
    out!("{text}");
    Ok(ExitCode::SUCCESS)
}
