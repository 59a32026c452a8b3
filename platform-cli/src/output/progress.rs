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

/// A spinner with a message while the engine works, shown only when stdout is a terminal.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// Starts a spinner (a no-op when stdout is not a terminal).
    pub fn start(message: impl Into<String>) -> Progress {
        if !std::io::stdout().is_terminal() {
            return Progress { bar: None };
        }
        let bar = indicatif::ProgressBar::new_spinner();
        let template = if colour() {
            "{spinner:.cyan} {msg} ({elapsed})"
        } else {
            "{spinner} {msg} ({elapsed})"
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_message(message.into());
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        Progress { bar: Some(bar) }
    }

    /// Changes the message.
    pub fn message(&self, message: impl Into<String>) {
        if let Some(bar) = &self.bar {
            bar.set_message(message.into());
        }
    }

    /// Prints a line above the spinner, or plainly.
    pub fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => println!("{text}"),
        }
    }

    /// Removes the spinner.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
