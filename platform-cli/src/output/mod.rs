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

pub mod progress;

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

/// How a stateful command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Readable lines and tables.
    #[default]
    Table,
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

/// Prints one value as YAML or JSON.
pub fn print_value(value: &Value, format: Format) -> Result<(), CliError> {
    match format {
        Format::Json | Format::Table => {
            let text =
                serde_json::to_string_pretty(value).map_err(|e| CliError::Output(e.to_string()))?;
            println!("{text}");
            Ok(())
        }
        Format::Yaml => print_documents(std::slice::from_ref(value), OutputFormat::Yaml),
    }
}

/// Serializes a report to JSON for `-o json|yaml`.
pub fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, CliError> {
    serde_json::to_value(value).map_err(|e| CliError::Output(e.to_string()))
}

/// Prints rows as columns aligned under a header.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}   ", w = widths[i]));
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// A value as a short text: strings without quotes, everything else as JSON.
pub fn short(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
