//! Claims with an intent through platformctl: the cheapest feasible offering is chosen and
//! priced, kept while it satisfies (plan names a cheaper one), moved by --reoptimize, and an
//! infeasible intent is an error naming the closest offering; explain shows every candidate.

mod support;

use std::path::Path;

use support::expect;

const CLAIM: &str = "apiVersion: platform.dev/v1alpha1
kind: DatabaseClaim
metadata:
  name: orders-db
spec:
  engine: postgresql
  intent:
    readsPerSecond: READS
    availability: \"99.9\"
";

const CHEAP: &str = "apiVersion: platform.dev/v1alpha1
kind: Offering
metadata: {name: pg-bargain}
spec:
  claimKind: DatabaseClaim
  engine: postgresql
  capacity: {readsPerSecond: 8000}
  availability: \"99.9\"
  monthlyPrice: 50
  sets: {size: medium}
";

fn claim(dir: &Path, reads: u32) {
    std::fs::write(
        dir.join("db.yaml"),
        CLAIM.replace("READS", &reads.to_string()),
    )
    .unwrap();
}

#[test]
fn the_cheapest_feasible_offering_is_applied_kept_and_moved_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    claim(d, 3000);
    let (stdout, stderr) = expect(d, &["plan", "-f", "db.yaml"], 0);
    assert!(
        stderr.contains("offering: DatabaseClaim/default/orders-db -> db-medium (112.00 a month)"),
        "{stderr}"
    );
    assert!(
        stdout.contains("DatabaseClaim default/orders-db  (none)  112.00  (+112.00)"),
        "{stdout}"
    );
    expect(d, &["apply", "-f", "db.yaml"], 0);
    let (described, _) = expect(d, &["get", "DatabaseClaim", "orders-db", "-o", "json"], 0);
    assert!(
        described.contains("\"platform.dev/offering\": \"db-medium\""),
        "{described}"
    );
    assert!(described.contains("\"size\": \"medium\""), "{described}");

    // A cheaper offering appears among the inputs: plan says so, the claim stays.
    std::fs::write(d.join("offering.yaml"), CHEAP).unwrap();
    let (stdout, stderr) = expect(d, &["plan", "-f", "db.yaml", "-f", "offering.yaml"], 0);
    assert!(stderr.contains("db-medium is kept: it still satisfies every need (pg-bargain is cheaper at 50.00; apply --reoptimize moves there)"), "{stderr}");
    assert!(stdout.contains("(no change)"), "{stdout}");
    // The intent changes but db-medium still satisfies it: no change.
    claim(d, 4000);
    let (stdout, _) = expect(d, &["apply", "-f", "db.yaml", "-f", "offering.yaml"], 0);
    assert!(stdout.contains("No changes"), "{stdout}");
    let (stdout, stderr) = expect(
        d,
        &[
            "apply",
            "--reoptimize",
            "-f",
            "db.yaml",
            "-f",
            "offering.yaml",
        ],
        0,
    );
    assert!(stderr.contains("-> pg-bargain (50.00 a month)"), "{stderr}");
    assert!(stdout.contains("No changes"), "the same size: {stdout}");
    let (got, _) = expect(d, &["get", "DatabaseClaim", "orders-db", "-o", "json"], 0);
    assert!(
        got.contains("\"platform.dev/offering\": \"pg-bargain\""),
        "{got}"
    );
    let (stdout, _) = expect(d, &["plan", "-f", "db.yaml", "-f", "offering.yaml"], 0);
    assert!(
        stdout.contains("DatabaseClaim default/orders-db  (none)  50.00  (no change)"),
        "{stdout}"
    );
}

#[test]
fn an_infeasible_intent_fails_plan_naming_the_closest_offering() {
    let dir = tempfile::tempdir().unwrap();
    claim(dir.path(), 500_000);
    let (_, stderr) = expect(dir.path(), &["plan", "-f", "db.yaml"], 1);
    assert!(
        stderr.contains("db.yaml:1:1: spec.intent: DatabaseClaim/default/orders-db: no offering satisfies every need; closest is db-medium (112.00 a month): readsPerSecond requires at least 500000, offers 5000"),
        "{stderr}"
    );
    let (stdout, _) = expect(dir.path(), &["explain", "-f", "db.yaml", "-o", "json"], 1);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["items"][0]["chosen"], serde_json::Value::Null);
}

#[test]
fn explain_json_has_every_candidate_with_its_unmet_needs() {
    let dir = tempfile::tempdir().unwrap();
    claim(dir.path(), 3000);
    let (stdout, _) = expect(dir.path(), &["explain", "-f", "db.yaml", "-o", "json"], 0);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let item = &value["items"][0];
    assert_eq!(item["claim"], "DatabaseClaim/default/orders-db");
    assert_eq!(item["chosen"], "db-medium");
    let candidates = item["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 6, "every DatabaseClaim offering");
    assert_eq!(
        candidates[0],
        serde_json::json!({"offering": "db-small", "monthlyPrice": 27.4, "feasible": false, "unmet": [
            {"need": "readsPerSecond", "required": 3000, "offered": 1000},
            {"need": "availability", "required": 99.9, "offered": 99.5}
        ]})
    );
    assert_eq!(candidates[1]["feasible"], true);
    let (text, _) = expect(dir.path(), &["explain", "-f", "db.yaml"], 0);
    assert!(
        text.contains("  * db-medium 112.00/month feasible"),
        "{text}"
    );
    assert!(
        text.contains("      fail readsPerSecond requires at least 3000, offers 1000"),
        "{text}"
    );
}

#[test]
fn budgets_see_the_chosen_offerings_price() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("db.yaml"),
        CLAIM.replace("READS", "3000").replace(
            "  name: orders-db\n",
            "  name: orders-db\n  labels: {platform.dev/owner: team-orders}\n",
        ),
    )
    .unwrap();
    std::fs::write(d.join("platform.yaml"), "policies:\n  - budget.yaml\n").unwrap();
    std::fs::write(
        d.join("budget.yaml"),
        "apiVersion: platform.dev/v1alpha1\nkind: Budget\nmetadata: {name: orders-team}\nspec: {owner: team-orders, monthlyLimit: 100, mode: Enforce}\n",
    )
    .unwrap();
    // Priced by its size alone the claim would cost 102.40; db-medium costs 112.00.
    let (_, stderr) = expect(d, &["apply", "-f", "db.yaml"], 1);
    assert!(
        stderr.contains("this claim costs 112.00 USD a month"),
        "{stderr}"
    );
    let (stdout, _) = expect(d, &["cost", "-f", "db.yaml", "-o", "json"], 0);
    let cost: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(cost["claims"][0]["monthly"], 112.0, "{stdout}");
}
