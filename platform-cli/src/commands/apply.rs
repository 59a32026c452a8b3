//! `platformctl apply -f PATH... [--env E] [--wait] [--timeout DURATION]`

use crate::output::outln;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use platform_core::engine::{Action, ApplyReport, ClaimReport, Deployment};
use platform_core::model::DynamicObject;

use crate::config::Config;
use crate::error::CliError;
use crate::output::progress::{Progress, mark};
use crate::output::{self, Format};
use crate::workspace::{Workspace, load_claims};

/// Arguments of `apply`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders of claims.
    #[arg(short = 'f', long = "filename", required = true, num_args = 1.., value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Return only when every claim is Ready, or fail when the timeout passes.
    #[arg(long)]
    pub wait: bool,
    /// Store the admitted claims and return at once, leaving the work to the `platformctl
    /// run` workers sharing a PostgreSQL state (follow with `platformctl wait`).
    #[arg(long = "async", conflicts_with = "wait")]
    pub submit_only: bool,
    /// Move claims with an intent to the cheapest offering that satisfies it, even when the
    /// current one still does.
    #[arg(long)]
    pub reoptimize: bool,
    /// How long `--wait` waits, such as 90s, 5m or 500ms.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: Format,
    /// The commits this apply deploys (recorded with the deployment in a production
    /// environment; also the annotation `platform.dev/commits`, comma-separated).
    #[arg(long = "commit", value_name = "SHA")]
    pub commits: Vec<String>,
    /// This deployment fixes a user-facing problem (rework; also the annotation
    /// `platform.dev/unplanned: "true"`).
    #[arg(long)]
    pub unplanned: bool,
}

/// A duration such as `90s`, `5m`, `1h` or `500ms`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    // A bare number is seconds, as before humantime read the rest ("1h30m", "500ms", "2 min").
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map(Duration::from_secs).map_err(|e| {
            format!("expected a duration such as 90s, 5m or 500ms, found {text:?}: {e}")
        });
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("expected a duration such as 90s, 5m or 500ms, found {text:?}: {e}"))
}

/// Applies the claims, prints each resource and its claim's outputs.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let progress = Progress::start("applying");
    let workspace = match Workspace::open_with(config, args.env.as_deref(), progress.listener()) {
        Ok(w) => w,
        Err(e) => {
            progress.finish();
            return Err(e);
        }
    };
    let (checked, offering_documents) =
        match load_claims(&workspace.registry, &workspace.score_types, &args.paths) {
            Ok(o) => o,
            Err(e) => {
                progress.finish();
                return Err(e);
            }
        };
    let objects: Vec<DynamicObject> = checked.iter().map(|c| c.object().clone()).collect();
    let before = workspace.stored_versions(&objects).await?;
    let resolved = config
        .environment(args.env.as_deref())
        .and_then(|(environment, _)| {
            let offerings = crate::intent::offerings(config, &offering_documents)?;
            crate::intent::resolve(&offerings, &environment, args.reoptimize, checked, &before)
        });
    let checked = match resolved {
        Ok(checked) => checked,
        Err(e) => {
            progress.finish();
            return Err(e);
        }
    };
    if args.submit_only {
        progress.finish();
        return super::submit::run(&workspace, checked, args.output).await;
    }
    let objects: Vec<DynamicObject> = checked.iter().map(|c| c.object().clone()).collect();
    progress.message(format!("applying {} claims", objects.len()));
    let deployment = Deployment {
        commits: args.commits.clone(),
        unplanned: args.unplanned,
    };
    let applied = workspace
        .engine
        .apply_checked_as(checked, &deployment)
        .await;
    let mut report = match applied {
        Ok(report) => report,
        Err(e) => {
            progress.finish();
            return Err(e.into());
        }
    };
    let changed = report.changed();
    if args.wait && !report.all_ready() {
        let waiting = report.claims.iter().filter(|c| !c.all_ready()).count();
        progress.message(format!("waiting for {waiting} claims to be Ready"));
        let claims = std::mem::take(&mut report.claims);
        report.claims = workspace.engine.wait(claims, args.timeout).await?;
    }
    progress.finish();
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    let (estimate, estimate_data) = super::cost::estimate_summary(config, &objects, &before)?;
    match args.output {
        Format::Table => print_report(&report, changed, &estimate),
        format => {
            let mut value = output::to_value(&report)?;
            value["monthlyEstimate"] = estimate_data;
            output::print_value(&value, format)?;
        }
    }
    let failed: Vec<&ClaimReport> = unready(&report)
        .into_iter()
        .filter(|c| !c.synced || args.wait)
        .collect();
    if failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let what = failed
        .iter()
        .map(|c| format!("{} ({})", c.claim, reason(c)))
        .collect::<Vec<_>>()
        .join("; ");
    Err(CliError::Usage {
        message: if args.wait && failed.iter().all(|c| c.synced) {
            format!("not Ready after {}: {what}", show_duration(args.timeout))
        } else {
            format!("not applied: {what}")
        },
        hint: Some("`platformctl describe KIND NAME` shows conditions and events".into()),
    })
}

/// A duration as typed: `5m`, `90s`, `500ms`.
pub fn show_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if d.subsec_millis() != 0 || secs == 0 {
        format!("{}ms", d.as_millis())
    } else if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

fn unready(report: &ApplyReport) -> Vec<&ClaimReport> {
    fn walk<'a>(claim: &'a ClaimReport, out: &mut Vec<&'a ClaimReport>) {
        // A claim waiting only for its children is named through them.
        if !claim.synced || (!claim.ready && claim.children.iter().all(ClaimReport::all_ready)) {
            out.push(claim);
        }
        for child in &claim.children {
            walk(child, out);
        }
    }
    let mut out = Vec::new();
    for claim in &report.claims {
        walk(claim, &mut out);
    }
    out
}

fn reason(claim: &ClaimReport) -> String {
    if !claim.message.is_empty() {
        return claim.message.clone();
    }
    let waiting: Vec<String> = claim
        .resources
        .iter()
        .filter(|r| !r.ready)
        .map(|r| match &r.message {
            Some(m) => format!("{} {}: {m}", r.resource.kind, r.resource.name),
            None => format!("{} {} is not Ready", r.resource.kind, r.resource.name),
        })
        .collect();
    if waiting.is_empty() {
        "not Ready".into()
    } else {
        waiting.join(", ")
    }
}

fn print_report(report: &ApplyReport, changed: bool, estimate: &str) {
    let resources = report.resources();
    let count = |f: fn(&Action) -> bool| resources.iter().filter(|r| f(&r.action)).count();
    let unready = resources.iter().filter(|r| !r.ready).count();
    // A run where a claim failed says so; it never ends on "Apply complete" or "No changes".
    let failed = self::unready(report).iter().filter(|c| !c.synced).count();
    // Quiet only when nothing happened: every claim as it was, Ready.
    if !changed && unready == 0 && failed == 0 {
        outln!("No changes: {} resources are up to date.", resources.len());
        return;
    }
    for claim in &report.claims {
        print_claim(claim, 0);
    }
    outln!("{estimate}");
    let done = format!(
        "{} created, {} updated, {} deleted",
        count(|a| matches!(a, Action::Create)),
        count(|a| matches!(a, Action::Update { .. })),
        count(|a| matches!(a, Action::Delete)),
    );
    if failed > 0 {
        outln!("Apply failed: {failed} claims not applied; {done}.");
    } else if changed {
        outln!("Apply complete: {done}.");
    }
    if unready > 0 {
        outln!("{unready} of {} resources are not Ready.", resources.len());
    }
}

fn print_claim(claim: &ClaimReport, depth: usize) {
    let indent = "  ".repeat(depth);
    let state = if claim.all_ready() {
        mark("Ready", Some(true))
    } else if !claim.synced {
        mark("Failed", Some(false))
    } else {
        mark("NotReady", None)
    };
    let via = claim
        .composition
        .as_deref()
        .map(|c| format!(" (composition {c})"))
        .unwrap_or_default();
    outln!("{indent}{} {state}{via}", claim.claim);
    if !claim.all_ready() && !claim.message.is_empty() {
        outln!("{indent}  reason: {}", claim.message);
    }
    for r in &claim.resources {
        let done = match r.action {
            Action::Create => "created",
            Action::Update { .. } => "updated",
            Action::Delete => "deleted",
            Action::NoChange => "unchanged",
        };
        let ready = if r.ready {
            mark("Ready", Some(true))
        } else {
            mark("NotReady", Some(false))
        };
        let why = r
            .message
            .as_deref()
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        outln!(
            "{indent}  {} {} ({}) {done}, {ready}{why}",
            r.resource.kind,
            r.resource.name,
            r.external_name
        );
    }
    for child in &claim.children {
        print_claim(child, depth + 1);
    }
    if !claim.outputs.is_empty() {
        outln!("{indent}  outputs:");
        for (key, value) in &claim.outputs {
            outln!("{indent}    {key}: {}", output::short(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        for (text, expected) in [
            ("90s", Duration::from_secs(90)),
            ("5m", Duration::from_secs(300)),
            ("500ms", Duration::from_millis(500)),
            ("1h30m", Duration::from_secs(5400)),
            ("2 min", Duration::from_secs(120)),
            ("90", Duration::from_secs(90)),
        ] {
            assert_eq!(parse_duration(text), Ok(expected), "{text}");
        }
        for bad in ["soon", "", "5 parsecs", "99999999999999999999999"] {
            let error = parse_duration(bad).unwrap_err();
            assert!(
                error.starts_with("expected a duration such as 90s, 5m or 500ms"),
                "{bad}: {error}"
            );
        }
    }
}
