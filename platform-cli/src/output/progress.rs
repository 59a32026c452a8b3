//! Progress of apply, delete and drift: a line per resource.

use std::io::IsTerminal;

/// Whether colour may be used: stdout is a terminal and `NO_COLOR` is unset or empty.
pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A mark coloured green, yellow or red when colour is allowed.
pub fn mark(symbol: &str, good: Option<bool>) -> String {
    if !colour() {
        return symbol.to_owned();
    }
    let code = match good {
        Some(true) => "32",
        Some(false) => "31",
        None => "33",
    };
    format!("\u{1b}[{code}m{symbol}\u{1b}[0m")
}
