//! `platformctl cost -f PATH... [-o json]`: monthly estimates per claim and per owner.

use crate::output::outln;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use platform_core::admit::cost::owner_of;
use platform_core::admit::{DEFAULT_OWNER_LABEL, Money, PriceList};
use platform_core::kinds::{ApplicationSpec, ResourceRequest};
use platform_core::model::{DynamicObject, Resource, TypedKind};
use serde_json::json;

use crate::config::Config;
use crate::error::CliError;
use crate::output::{self, Format};
use crate::workspace::load_claims;

/// Arguments of `cost`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders of claims.
    #[arg(short = 'f', long = "filename", required = true, num_args = 1.., value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: Format,
}

/// The monthly estimate of one claim (an Application's is the sum of the claims it requests).
#[derive(Debug, Clone)]
pub struct ClaimCost {
    /// `Kind namespace/name`.
    pub claim: String,
    /// The owner label's value.
    pub owner: String,
    /// The monthly estimate.
    pub monthly: Money,
}

/// The config's price list, else the example prices.
pub fn price_list(config: &Config) -> Result<(PriceList, String), CliError> {
    Ok(match config.policy_engine()? {
        Some(engine) => (engine.price_list().clone(), engine.owner_label().to_owned()),
        None => (PriceList::example(), DEFAULT_OWNER_LABEL.to_owned()),
    })
}

/// Estimates every object.
pub fn estimate(
    prices: &PriceList,
    owner_label: &str,
    objects: &[DynamicObject],
) -> Vec<ClaimCost> {
    objects
        .iter()
        .map(|object| {
            let mut monthly = prices.monthly(object);
            for request in requested(object) {
                let spec = serde_json::Value::Object(request.spec);
                if let Some(e) = prices.estimate_spec(&request.kind, &spec) {
                    monthly += e.monthly;
                }
            }
            ClaimCost {
                claim: object.object_ref().to_string(),
                owner: owner_of(object, owner_label).to_owned(),
                monthly,
            }
        })
        .collect()
}

/// The claims an Application requests (its typed `spec.resources`); none for other kinds.
fn requested(object: &DynamicObject) -> Vec<ResourceRequest> {
    if object.kind != ApplicationSpec::KIND {
        return Vec::new();
    }
    object
        .spec_as::<ApplicationSpec>()
        .map(|spec| spec.resources.into_values().collect())
        .unwrap_or_default()
}

/// The total of estimates.
pub fn total(costs: &[ClaimCost]) -> Money {
    let mut sum = Money::ZERO;
    for c in costs {
        sum += c.monthly;
    }
    sum
}

fn number(m: Money) -> serde_json::Value {
    json!(m.to_f64())
}

/// Prints the estimate per claim, per owner and in total.
pub fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let registry = config.registry()?;
    let (checked, offering_documents) = load_claims(&registry, &config.score_types, &args.paths)?;
    // Claims with an intent cost what the offering chosen for them costs (no store here:
    // the cheapest feasible one).
    let (environment, _) = config.environment(None)?;
    let offerings = crate::intent::offerings(config, &offering_documents)?;
    let objects: Vec<_> = crate::intent::resolve(&offerings, &environment, false, checked, &[])?
        .into_iter()
        .map(platform_core::validate::Checked::into_object)
        .collect();
    let (prices, owner_label) = price_list(config)?;
    let costs = estimate(&prices, &owner_label, &objects);
    let mut owners: BTreeMap<String, Money> = BTreeMap::new();
    for c in &costs {
        let entry = owners.entry(c.owner.clone()).or_insert(Money::ZERO);
        *entry += c.monthly;
    }
    let currency = prices.currency().to_owned();
    match args.output {
        Format::Table => {
            let rows: Vec<Vec<String>> = costs
                .iter()
                .map(|c| {
                    vec![
                        c.claim.clone(),
                        c.owner.clone(),
                        format!("{} {currency}", c.monthly),
                    ]
                })
                .collect();
            output::print_table(&["CLAIM", "OWNER", "MONTHLY"], &rows);
            outln!();
            let rows: Vec<Vec<String>> = owners
                .iter()
                .map(|(o, m)| vec![o.clone(), format!("{m} {currency}")])
                .collect();
            output::print_table(&["OWNER", "MONTHLY"], &rows);
            outln!();
            outln!("Total: {} {currency} per month", total(&costs));
        }
        format => {
            let value = json!({
                "currency": currency,
                "claims": costs.iter().map(|c| json!({"claim": c.claim, "owner": c.owner, "monthly": number(c.monthly)})).collect::<Vec<_>>(),
                "owners": owners.iter().map(|(o, m)| (o.clone(), number(*m))).collect::<serde_json::Map<_, _>>(),
                "total": number(total(&costs)),
            });
            output::print_value(&value, format)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A change in money as `+12.50`, `-3.00` or `no change`.
fn signed(delta: Money) -> String {
    if delta > Money::ZERO {
        format!("+{delta}")
    } else if delta < Money::ZERO {
        format!("{delta}")
    } else {
        "no change".to_owned()
    }
}

/// The monthly estimate of a request: per claim with the change it makes against what is
/// stored (`before`), per owner, and in total; as text for tables and as data.
pub fn estimate_summary(
    config: &Config,
    objects: &[DynamicObject],
    before: &[DynamicObject],
) -> Result<(String, serde_json::Value), CliError> {
    let (prices, owner_label) = price_list(config)?;
    let costs = estimate(&prices, &owner_label, objects);
    let previous: BTreeMap<String, Money> = estimate(&prices, &owner_label, before)
        .into_iter()
        .map(|c| (c.claim, c.monthly))
        .collect();
    let currency = prices.currency().to_owned();
    let mut owners: BTreeMap<String, (Money, Money)> = BTreeMap::new();
    let mut lines = vec![format!("Monthly estimate ({currency}):")];
    let width = costs.iter().map(|c| c.claim.len()).max().unwrap_or(0);
    let mut claims = Vec::with_capacity(costs.len());
    for c in &costs {
        let was = previous.get(&c.claim).copied().unwrap_or(Money::ZERO);
        let owner = owners
            .entry(c.owner.clone())
            .or_insert((Money::ZERO, Money::ZERO));
        owner.0 += c.monthly;
        owner.1 += was;
        lines.push(format!(
            "  {:<width$}  {}  {}  ({})",
            c.claim,
            c.owner,
            c.monthly,
            signed(c.monthly - was)
        ));
        claims.push(json!({"claim": c.claim, "owner": c.owner, "monthly": number(c.monthly), "change": number(c.monthly - was)}));
    }
    for (owner, (now, was)) in &owners {
        lines.push(format!("  owner {owner}: {now} ({})", signed(*now - *was)));
    }
    let sum = total(&costs);
    let was: Money = costs
        .iter()
        .map(|c| previous.get(&c.claim).copied().unwrap_or(Money::ZERO))
        .sum();
    lines.push(format!(
        "Monthly estimate: {sum} {currency} ({})",
        signed(sum - was)
    ));
    let data = json!({
        "currency": currency,
        "claims": claims,
        "owners": owners.iter().map(|(o, (now, was))| (o.clone(), json!({"monthly": number(*now), "change": number(*now - *was)}))).collect::<serde_json::Map<_, _>>(),
        "total": number(sum),
        "change": number(sum - was),
    });
    Ok((lines.join("\n"), data))
}
