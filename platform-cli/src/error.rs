//! Errors of the command-line tool, each one readable paragraph.

use platform_core::kinds::RegistryError;
use platform_core::load::Diagnostic;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The config file has problems; each is located.
    #[error("invalid config:\n{}", lines(.0))]
    Config(Vec<Diagnostic>),
    /// Input files have problems; each is located.
    #[error("invalid input:\n{}", lines(.0))]
    Input(Vec<Diagnostic>),
    /// Rendering a composite failed.
    #[error("cannot render: {0}")]
    Render(String),
    /// A kind could not be registered or found.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Output could not be written or encoded.
    #[error("cannot write output: {0}")]
    Output(String),
}

fn lines(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
