//! Progress of apply, delete and drift: a line per resource.

use std::io::IsTerminal;
use std::sync::Arc;

use platform_core::engine::{Action, ProgressEvent, ProgressListener};

/// Whether colour may be used: stdout is a terminal and `NO_COLOR` is unset or empty.
pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A mark coloured green, yellow or red when colour is allowed.
pub fn mark(symbol: &str, good: Option<bool>) -> String {
    if !colour() {
        return symbol.to_owned();
    }
    paint(symbol, good)
}

/// A mark in green, red or yellow, whatever the terminal.
fn paint(symbol: &str, good: Option<bool>) -> String {
    let style = console::style(symbol).force_styling(true);
    match good {
        Some(true) => style.green(),
        Some(false) => style.red(),
        None => style.yellow(),
    }
    .to_string()
}

/// A progress bar counting resources while the engine works, with a line per resource printed
/// above it as each finishes; shown only when stdout is a terminal (otherwise the final report
/// is the plain lines). Clones share one bar.
#[derive(Clone)]
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// Starts the bar (a no-op when stdout is not a terminal).
    pub fn start(message: impl Into<String>) -> Progress {
        if !std::io::stdout().is_terminal() {
            return Progress { bar: None };
        }
        let bar = indicatif::ProgressBar::new_spinner();
        let template = if colour() {
            "{spinner:.cyan} {msg} [{pos} resources] ({elapsed})"
        } else {
            "{spinner} {msg} [{pos} resources] ({elapsed})"
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

    /// Prints a line above the bar, or plainly.
    pub fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => outln!("{text}"),
        }
    }

    /// A listener for the engine that prints a line per finished resource above the bar and
    /// counts it; `None` when there is no bar (the final report says the same, plainly).
    pub fn listener(&self) -> Option<Arc<dyn ProgressListener>> {
        let bar = self.bar.clone()?;
        Some(Arc::new(move |event: ProgressEvent<'_>| {
            bar.inc(1);
            bar.println(event_line(&event));
        }))
    }

    /// Removes the bar; the lines printed above it stay.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// One line for one finished resource: `+ Role team-a-orders-db-role (team_a_orders_db) created, Ready`.
pub fn event_line(event: &ProgressEvent<'_>) -> String {
    match event {
        ProgressEvent::Reconciled(r) => {
            let (symbol, done) = match r.action {
                Action::Create => ("+", "created"),
                Action::Update { .. } => ("~", "updated"),
                Action::Delete => ("-", "deleted"),
                Action::NoChange => ("=", "unchanged"),
            };
            let state = if r.ready {
                mark("Ready", Some(true))
            } else {
                mark("NotReady", Some(false))
            };
            let why = r
                .message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            format!(
                "{} {} {} ({}) {done}, {state}{why}",
                mark(symbol, Some(r.ready)),
                r.resource.kind,
                r.resource.name,
                r.external_name
            )
        }
        ProgressEvent::Deleted {
            resource,
            external_name,
            kept,
        } => format!(
            "{} {} {} ({external_name}) {}",
            mark("-", Some(true)),
            resource.kind,
            resource.name,
            if *kept {
                "kept by policy, record removed"
            } else {
                "deleted"
            }
        ),
        ProgressEvent::Observed {
            resource,
            external_name,
            exists,
            diff,
            error,
        } => {
            let (symbol, good, what) = match (error, exists, diff.is_empty()) {
                (Some(e), _, _) => ("!", Some(false), format!("cannot observe: {e}")),
                (None, false, _) => ("-", Some(false), "missing".to_owned()),
                (None, true, false) => (
                    "~",
                    None,
                    format!(
                        "drifted: {}",
                        diff.iter()
                            .map(|d| d.path.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
                (None, true, true) => ("=", Some(true), "in sync".to_owned()),
            };
            format!(
                "{} {} {} ({external_name}) {what}",
                mark(symbol, good),
                resource.kind,
                resource.name
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_green_red_and_yellow_in_ansi() {
        assert_eq!(paint("✓", Some(true)), "\u{1b}[32m✓\u{1b}[0m");
        assert_eq!(paint("✗", Some(false)), "\u{1b}[31m✗\u{1b}[0m");
        assert_eq!(paint("~", None), "\u{1b}[33m~\u{1b}[0m");
    }
    use platform_core::engine::ResourceReport;
    use platform_core::model::ObjectRef;
    use platform_core::provider::FieldDiff;

    // Tests run without a terminal, so lines carry no colour codes.
    #[test]
    fn each_event_is_one_readable_line() {
        let resource = ObjectRef::new("Role", "team-a", "orders-db-role");
        let report = ResourceReport {
            name: "role".into(),
            resource: resource.clone(),
            external_name: "team_a_orders_db".into(),
            action: Action::Create,
            ready: true,
            message: None,
            outputs: Default::default(),
        };
        assert_eq!(
            event_line(&ProgressEvent::Reconciled(&report)),
            "+ Role orders-db-role (team_a_orders_db) created, Ready"
        );
        let deleted = ProgressEvent::Deleted {
            resource: &resource,
            external_name: "team_a_orders_db",
            kept: true,
        };
        assert_eq!(
            event_line(&deleted),
            "- Role orders-db-role (team_a_orders_db) kept by policy, record removed"
        );
        let diff = [FieldDiff {
            path: "spec.connectionLimit".into(),
            desired: 20.into(),
            actual: 5.into(),
        }];
        let observed = ProgressEvent::Observed {
            resource: &resource,
            external_name: "team_a_orders_db",
            exists: true,
            diff: &diff,
            error: None,
        };
        assert_eq!(
            event_line(&observed),
            "~ Role orders-db-role (team_a_orders_db) drifted: spec.connectionLimit"
        );
    }
}
