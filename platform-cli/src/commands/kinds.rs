//! `platformctl kinds`

use crate::output::outln;
use std::process::ExitCode;

use platform_core::kinds::KindRegistry;

use crate::error::CliError;

/// Prints a table of kinds: name, apiVersion and where each came from.
pub fn run(registry: &KindRegistry) -> Result<ExitCode, CliError> {
    let rows: Vec<[String; 3]> = registry
        .kinds()
        .map(|k| {
            [
                k.gvk.kind.clone(),
                k.gvk.api_version(),
                k.origin.to_string(),
            ]
        })
        .collect();
    let header = [
        "KIND".to_owned(),
        "APIVERSION".to_owned(),
        "SOURCE".to_owned(),
    ];
    let width = |i: usize| {
        rows.iter()
            .chain([&header])
            .map(|r| r[i].len())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1) = (width(0), width(1));
    for row in std::iter::once(&header).chain(rows.iter()) {
        outln!("{:<w0$}   {:<w1$}   {}", row[0], row[1], row[2]);
    }
    Ok(ExitCode::SUCCESS)
}
