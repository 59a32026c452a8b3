//! Output formats shared by commands, and printing to stdout that survives a closed reader.

/// `println!` to stdout, except that once the reader has gone (`platformctl get -o json |
/// head`) the rest is dropped instead of panicking: the command still finishes its work and
/// exits with its own code.
macro_rules! outln {
    () => {
        $crate::output::write_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` to stdout with [`outln!`]'s handling of a closed reader.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_out(format_args!($($arg)*))
    };
}

pub(crate) use {out, outln};

/// Whether stdout's reader has gone; nothing more is written then.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes to stdout unless its reader has gone; a failed write marks it gone.
pub fn write_out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_fmt(args)
        .and_then(|()| stdout.flush())
        .is_err()
    {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
}

use comfy_table::Table;
use comfy_table::presets::NOTHING;
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
            outln!("{text}");
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
            out!("{out}");
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
            outln!("{text}");
            Ok(())
        }
        Format::Yaml => print_documents(std::slice::from_ref(value), OutputFormat::Yaml),
    }
}

/// Serializes a report to JSON for `-o json|yaml`.
pub fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, CliError> {
    serde_json::to_value(value).map_err(|e| CliError::Output(e.to_string()))
}

/// Rows as columns aligned under a header: no borders, columns three spaces apart.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> Table {
    let mut table = Table::new();
    table.load_style(NOTHING).set_header(header.to_vec());
    table.add_rows(rows.iter().cloned());
    for column in table.column_iter_mut() {
        column.set_padding((0, 3));
    }
    table
}

/// The lines of [`table`], each indented by `indent`, without trailing spaces.
fn table_lines(indent: &str, header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    table(header, rows)
        .lines()
        .map(|line| format!("{indent}{line}").trim_end().to_owned())
        .collect()
}

/// Prints rows as columns aligned under a header, each line indented by `indent`.
pub fn print_table_indented(indent: &str, header: &[&str], rows: &[Vec<String>]) {
    for line in table_lines(indent, header, rows) {
        outln!("{line}");
    }
}

/// Prints rows as columns aligned under a header.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    print_table_indented("", header, rows);
}

/// A value as a short text: strings without quotes, everything else as JSON.
pub fn short(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn columns_are_as_wide_as_their_widest_cell_and_three_spaces_apart() {
        let rows = [
            row(&["orders-db", "team-orders", "102.40 USD"]),
            row(&["storefront", "", "54.40 USD"]),
        ];
        assert_eq!(
            table_lines("", &["CLAIM", "OWNER", "MONTHLY"], &rows),
            [
                "CLAIM        OWNER         MONTHLY",
                "orders-db    team-orders   102.40 USD",
                "storefront                 54.40 USD",
            ]
        );
        assert_eq!(
            table_lines("  ", &["TYPE", "STATUS"], &[row(&["Ready", "True"])]),
            ["  TYPE    STATUS", "  Ready   True"]
        );
        assert_eq!(table_lines("", &["NAME", "VALUE"], &[]), ["NAME   VALUE"]);
    }

    #[test]
    fn width_counts_characters_not_bytes() {
        assert_eq!(
            table_lines("", &["ITEM", "X"], &[row(&["×2", "y"])]),
            ["ITEM   X", "×2     y"]
        );
    }
}
