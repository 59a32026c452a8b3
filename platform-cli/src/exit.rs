//! Exit codes: what a script may read from `platformctl`'s status.
//!
//! 2 means "changes planned" (`plan --detailed-exitcode`) or "drift found" (`drift`), so a
//! mistyped flag must never exit 2 as clap does by default: CI would read it as drift.

use std::process::ExitCode;

/// A usage error: an unknown command or flag, a missing or invalid argument (sysexits'
/// `EX_USAGE`).
pub const USAGE: u8 = 64;

/// The exit codes as `--help` shows them.
pub const CODES: &str = "Exit codes:
  0   success
  1   error: invalid input or config, a failed operation, claims not Ready with --wait,
      a declined delete
  2   changes planned (plan --detailed-exitcode), drift or leaks found (drift), a repository
      behind its template or drifted from it (template diff, template status)
  64  usage error: unknown command or flag, missing or invalid argument";

/// Prints a command-line parse error (or the help and version clap answers with) and
/// returns its exit code: 0 for `--help` and `--version`, [`USAGE`] for everything else.
pub fn parse_error(err: &clap::Error) -> ExitCode {
    // Printing can only fail when stdout or stderr is gone; the exit code still tells.
    let _ = err.print();
    if err.use_stderr() {
        ExitCode::from(USAGE)
    } else {
        ExitCode::SUCCESS
    }
}
