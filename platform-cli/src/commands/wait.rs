//! `platformctl wait (KIND NAME | --all) [--for Ready] [--timeout 2m]`: waits, reading the
//! state only, until claims are Ready at their current generation; the work is done by
//! whoever reconciles them (`platformctl run` workers, or another apply).

use std::process::ExitCode;
use std::time::Duration;

use platform_core::model::{DynamicObject, ObjectRef, Resource};
use platform_core::store::StateStore;

use crate::config::Config;
use crate::error::CliError;
use crate::output::outln;
use crate::workspace::{Workspace, not_found};

/// How often the state is read again when the store cannot say that it changed.
const READ_EVERY: Duration = Duration::from_millis(250);

/// Arguments of `wait`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Claim kind, such as DatabaseClaim (with NAME); or --all.
    #[arg(required_unless_present = "all", requires = "name")]
    pub kind: Option<String>,
    /// Claim name.
    pub name: Option<String>,
    /// Wait for every stored claim (of the namespace with -n, else of every namespace).
    #[arg(long, conflicts_with_all = ["kind", "name"])]
    pub all: bool,
    /// Namespace; default for KIND NAME: the config's defaultNamespace.
    #[arg(short = 'n', long = "namespace")]
    pub namespace: Option<String>,
    /// The condition waited for.
    #[arg(long = "for", value_enum, default_value = "ready")]
    pub condition: Condition,
    /// How long to wait, such as 90s, 2m or 500ms.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = super::apply::parse_duration)]
    pub timeout: Duration,
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
}

/// A condition `wait` can wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Condition {
    /// The claim's Ready condition is True for its current spec (generation).
    #[value(name = "Ready", alias = "ready")]
    Ready,
}

/// Waits for the claims; exit 1 naming each claim not Ready when the timeout passes.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let workspace = Workspace::open_read_only(config, args.env.as_deref())?;
    let store = workspace.engine.store().clone();
    let deadline = tokio::time::Instant::now() + args.timeout;
    let wanted = match (&args.kind, &args.name) {
        (Some(kind), Some(name)) => {
            let kind = workspace.registry.find_kind(kind)?.gvk.kind.clone();
            let namespace = config.namespace(args.namespace.as_deref());
            Some(workspace.reference(&kind, &namespace, name)?)
        }
        _ => None,
    };
    let mut cursor = latest_change(store.as_ref(), 0).await?;
    loop {
        let claims = workspace.engine.claims().await?;
        let waited: Vec<&DynamicObject> = match &wanted {
            Some(key) => match claims.iter().find(|c| c.object_ref() == *key) {
                Some(claim) => vec![claim],
                None => return Err(not_found(key.clone(), &claims)),
            },
            None => claims
                .iter()
                .filter(|c| args.namespace.as_deref().is_none_or(|n| c.namespace() == n))
                .collect(),
        };
        let pending: Vec<(ObjectRef, String)> = waited
            .iter()
            .filter(|c| !ready_now(c))
            .map(|c| (c.object_ref(), why_not(c)))
            .collect();
        if pending.is_empty() {
            outln!("{} claims Ready.", waited.len());
            return Ok(ExitCode::SUCCESS);
        }
        if tokio::time::Instant::now() >= deadline {
            let what = pending
                .iter()
                .map(|(key, why)| format!("{key} ({why})"))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(CliError::Usage {
                message: format!(
                    "not Ready after {}: {} of {} claims: {what}",
                    super::apply::show_duration(args.timeout),
                    pending.len(),
                    waited.len()
                ),
                hint: Some(
                    "is a reconciler running (`platformctl workers`)? `platformctl describe KIND NAME` shows conditions and events"
                        .into(),
                ),
            });
        }
        tokio::select! {
            _ = store.wait_for_change(cursor) => {}
            _ = tokio::time::sleep(READ_EVERY) => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
        cursor = latest_change(store.as_ref(), cursor).await?;
    }
}

/// The newest change sequence number after `after`.
async fn latest_change(store: &dyn StateStore, mut after: u64) -> Result<u64, CliError> {
    loop {
        let page = store
            .changes(after, 10_000)
            .await
            .map_err(|e| CliError::Engine(e.into()))?;
        match page.last() {
            Some(last) => after = last.seq,
            None => return Ok(after),
        }
    }
}

/// The claim's Ready condition is True and was computed for its current spec.
fn ready_now(claim: &DynamicObject) -> bool {
    let Some(status) = &claim.status else {
        return false;
    };
    let observed = status.get("observedGeneration").and_then(|g| g.as_i64());
    observed.is_some() && observed == claim.metadata.generation && condition(claim, "Ready").0
}

/// Whether a condition is True, and its message.
fn condition(claim: &DynamicObject, type_: &str) -> (bool, String) {
    let found = claim
        .status
        .as_ref()
        .and_then(|s| s.get("conditions"))
        .and_then(|c| c.as_array())
        .and_then(|c| c.iter().find(|c| c["type"] == type_));
    match found {
        Some(c) => (
            c["status"] == "True",
            c["message"].as_str().unwrap_or_default().to_owned(),
        ),
        None => (false, String::new()),
    }
}

/// Why a claim is not Ready yet, in a few words.
fn why_not(claim: &DynamicObject) -> String {
    let observed = claim
        .status
        .as_ref()
        .and_then(|s| s.get("observedGeneration"))
        .and_then(|g| g.as_i64());
    if observed.is_none() || observed != claim.metadata.generation {
        return "not reconciled since its spec changed".into();
    }
    let (synced, message) = condition(claim, "Synced");
    if !synced && !message.is_empty() {
        return message;
    }
    match condition(claim, "Ready") {
        (_, m) if !m.is_empty() => m,
        _ => "not Ready".into(),
    }
}
