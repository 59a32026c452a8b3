//! Output formats shared by commands.

use serde_json::Value;

use crate::error::CliError;

/// How a command prints documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Multi-document YAML.
    Yaml,
    /// JSON (an array when there are several documents).
    Json,
}

/// Prints documents: YAML separated by `---`, or a JSON array.
pub fn print_documents(documents: &[Value], format: OutputFormat) -> Result<(), CliError> {
    match format {
        OutputFormat::Json => {
            let text = serde_json::to_string_pretty(documents)
                .map_err(|e| CliError::Output(e.to_string()))?;
            println!("{text}");
        }
        OutputFormat::Yaml => {
            let mut out = String::new();
            for (i, doc) in documents.iter().enumerate() {
                if i > 0 {
                    out.push_str("---\n");
                }
                out.push_str(
                    &serde_saphyr::to_string(doc).map_err(|e| CliError::Output(e.to_string()))?,
                );
            }
            print!("{out}");
        }
    }
    Ok(())
}
