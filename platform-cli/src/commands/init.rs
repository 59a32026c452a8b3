//! `platformctl init`: a starter config and example claims in the current folder.

use crate::output::outln;
use std::path::Path;
use std::process::ExitCode;

use crate::error::CliError;

/// The starter config written by `init`.
pub const STARTER_CONFIG: &str = r#"# platformctl settings; paths are relative to this file.
apiGroup: platform.dev
state: .platform/state.db        # the SQLite state file
defaultEnvironment: local
environments:
  local:
    providers:
      local: {root: .platform/local}   # SQLite files, tables and folders stand in for services
compositions: []                  # your own compositions, added to the bundled ones
kinds: []                         # extra kinds from CRDs, XRDs or JSON Schemas
"#;

const FILES: &[(&str, &str)] = &[
    ("platform.yaml", STARTER_CONFIG),
    (
        "claims/orders-db.yaml",
        include_str!("../../../examples/quickstart/orders-db.yaml"),
    ),
    (
        "claims/storefront-app.yaml",
        include_str!("../../../examples/quickstart/storefront-app.yaml"),
    ),
];

/// Writes the starter files; refuses when any of them exists.
pub fn run(dir: &Path) -> Result<ExitCode, CliError> {
    let existing: Vec<&str> = FILES
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| dir.join(p).exists())
        .collect();
    if !existing.is_empty() {
        return Err(CliError::Usage {
            message: format!("refusing to overwrite {}", existing.join(", ")),
            hint: Some("run init in an empty folder, or move these files away".into()),
        });
    }
    for (path, text) in FILES {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
        }
        std::fs::write(&target, text).map_err(|e| io_error(&target, e))?;
        outln!("wrote {path}");
    }
    outln!("next: platformctl apply -f claims");
    Ok(ExitCode::SUCCESS)
}

fn io_error(path: &Path, e: std::io::Error) -> CliError {
    CliError::Usage {
        message: format!("cannot write {}: {e}", path.display()),
        hint: None,
    }
}
