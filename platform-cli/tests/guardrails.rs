//! End-to-end tests of guardrails in platformctl: config policies and guardrails on apply and
//! validate, `policy test`, `policy exceptions` and `cost`.

mod support;

use support::{expect, repo};

const SMALL_ONLY: &str = r#"apiVersion: platform.dev/v1alpha1
kind: Policy
metadata: {name: small-only}
spec:
  match: {kinds: [DatabaseClaim]}
  validations:
    - {expression: "object.spec.size == 'small'", message: "only small databases here"}
"#;

const UNOWNED: &str = "apiVersion: platform.dev/v1alpha1\nkind: DatabaseClaim\nmetadata: {name: scratch}\nspec: {engine: sqlite, size: small}\n";

#[test]
fn config_guardrails_deny_apply_and_validate_and_an_exception_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("platform.yaml"), "guardrails:\n  requireOwner: {}\n").unwrap();
    std::fs::write(d.join("scratch.yaml"), UNOWNED).unwrap();

    let (_, err) = expect(d, &["apply", "-f", "scratch.yaml"], 1);
    assert!(err.starts_with("error: request denied:\n"), "{err}");
    assert!(
        err.contains(
            "scratch.yaml:1:1: DatabaseClaim default/scratch denied by policy \"require-owner\""
        ),
        "a denial names the object's file and line: {err}"
    );
    let (_, err) = expect(d, &["validate", "-f", "scratch.yaml"], 1);
    assert_eq!(
        err,
        "scratch.yaml:1:1: DatabaseClaim default/scratch denied by policy \"require-owner\": expected an owner label platform.dev/owner, found none\n1 documents, 1 denied by policy\n"
    );

    // The escape hatch: an annotation with a reason lets it through, recorded and counted.
    let excepted = UNOWNED.replace(
        "metadata: {name: scratch}",
        "metadata:\n  name: scratch\n  annotations: {platform.dev/policy-exception.require-owner: \"demo for the offsite\"}",
    );
    std::fs::write(d.join("scratch.yaml"), excepted).unwrap();
    let (out, _) = expect(d, &["apply", "-f", "scratch.yaml"], 0);
    assert!(out.contains("DatabaseClaim default/scratch Ready"), "{out}");
    let (exceptions, _) = expect(d, &["policy", "exceptions"], 0);
    assert_eq!(
        exceptions,
        "POLICY          OWNER    COUNT\nrequire-owner   (none)   1\n"
    );
}

#[test]
fn policy_test_evaluates_files_without_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("policy.yaml"), SMALL_ONLY).unwrap();
    let quickstart = repo().join("examples/quickstart");
    let (_, err) = expect(
        d,
        &[
            "policy",
            "test",
            "-f",
            "policy.yaml",
            "-f",
            quickstart.to_str().unwrap(),
        ],
        1,
    );
    assert!(
        err.contains("DatabaseClaim default/orders-db denied by policy \"small-only\": only small databases here"),
        "{err}"
    );
    assert!(err.ends_with("2 objects, 1 denied by policy\n"), "{err}");
    assert!(!d.join(".platform").exists(), "no store is opened");

    std::fs::write(d.join("small.yaml"), UNOWNED).unwrap();
    let (out, _) = expect(d, &["policy", "test", "-f", "policy.yaml", "small.yaml"], 0);
    assert_eq!(out, "1 objects admitted by 1 policies\n");
}

#[test]
fn cost_estimates_per_claim_and_owner_and_plan_shows_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let quickstart = repo().join("examples/quickstart");
    let q = quickstart.to_str().unwrap();
    let (json, _) = expect(d, &["cost", "-f", q, "-o", "json"], 0);
    let cost: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(cost["currency"], "USD");
    assert_eq!(cost["claims"].as_array().unwrap().len(), 2);
    let total = cost["total"].as_f64().unwrap();
    assert!(total > 0.0);
    assert_eq!(cost["owners"]["team-orders"].as_f64(), Some(total));

    let (table, _) = expect(d, &["cost", "-f", q], 0);
    assert!(
        table.contains("DatabaseClaim default/orders-db   team-orders"),
        "{table}"
    );
    assert!(
        table.ends_with(&format!("Total: {total:.2} USD per month\n")),
        "{table}"
    );

    let (plan, _) = expect(d, &["plan", "-f", q], 0);
    assert!(
        plan.contains(&format!("Monthly estimate: {total:.2} USD (+{total:.2})\n")),
        "{plan}"
    );
}

#[test]
fn plan_shows_each_claims_estimate_the_change_and_the_owner_total() {
    let dir = tempfile::tempdir().unwrap();
    let repo = repo();
    let claims = dir.path().join("claims");
    std::fs::create_dir(&claims).unwrap();
    std::fs::copy(
        repo.join("examples/quickstart/orders-db.yaml"),
        claims.join("orders-db.yaml"),
    )
    .unwrap();
    let run = |args: &[&str]| support::platformctl(dir.path(), args);
    let first = String::from_utf8_lossy(&run(&["plan", "-f", "claims"]).stdout).into_owned();
    assert!(first.contains("Monthly estimate (USD):"), "{first}");
    assert!(
        first.contains("DatabaseClaim default/orders-db  team-orders  102.40  (+102.40)"),
        "{first}"
    );
    assert!(
        first.contains("owner team-orders: 102.40 (+102.40)"),
        "{first}"
    );
    assert_eq!(run(&["apply", "-f", "claims"]).status.code(), Some(0));
    // A larger size: the plan shows the new price and the change against what is stored.
    let text = std::fs::read_to_string(claims.join("orders-db.yaml"))
        .unwrap()
        .replace("size: medium", "size: large");
    std::fs::write(claims.join("orders-db.yaml"), text).unwrap();
    let second = String::from_utf8_lossy(&run(&["plan", "-f", "claims"]).stdout).into_owned();
    let line = second
        .lines()
        .find(|l| l.contains("DatabaseClaim default/orders-db"))
        .unwrap_or_default()
        .to_owned();
    assert!(line.contains("(+"), "a larger size costs more: {second}");
    assert!(!line.contains("102.40  (+102.40)"), "{second}");
}

#[test]
fn budgets_count_the_claims_an_application_requests() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let repo = repo();
    std::fs::create_dir(d.join("quickstart")).unwrap();
    for file in ["orders-db.yaml", "storefront-app.yaml"] {
        std::fs::copy(
            repo.join("examples/quickstart").join(file),
            d.join("quickstart").join(file),
        )
        .unwrap();
    }
    let budget = |limit: &str| {
        format!(
            "apiVersion: platform.dev/v1alpha1\nkind: Budget\nmetadata: {{name: orders-team}}\nspec: {{owner: team-orders, monthlyLimit: {limit}, mode: Enforce}}\n"
        )
    };
    std::fs::write(d.join("platform.yaml"), "policies:\n  - budget.yaml\n").unwrap();
    // The database alone (102.40) fits 120; then the storefront's claims in the order of their
    // names: its cache (15) fits, its database (27.40) does not, its queue (10) does not, its
    // bucket (2) does.
    std::fs::write(d.join("budget.yaml"), budget("120")).unwrap();
    let (_, err) = expect(d, &["apply", "-f", "quickstart"], 1);
    assert!(
        err.contains("DatabaseClaim default/storefront-db denied by policy \"budget/orders-team\": owner team-orders would exceed its monthly budget: this claim costs 27.40 USD a month, the owner's total before it is 117.40 USD, the limit 120.00 USD (144.80 USD with it)"),
        "{err}"
    );
    assert!(
        err.contains("QueueClaim default/storefront-events denied by policy \"budget/orders-team\": owner team-orders would exceed its monthly budget: this claim costs 10.00 USD a month, the owner's total before it is 117.40 USD"),
        "{err}"
    );
    assert_eq!(err.matches("denied by policy").count(), 2, "{err}");
    // Exactly at the limit is allowed.
    std::fs::write(d.join("budget.yaml"), budget("156.80")).unwrap();
    expect(d, &["apply", "-f", "quickstart"], 0);
}

/// An Application whose requested database is large: only the requested claim breaks the
/// policy, and it has no size of its own in the file (the kind's default applies).
const APP_WITH_LARGE_DB: &str = "apiVersion: platform.dev/v1alpha1
kind: Application
metadata: {name: shop}
spec:
  containers:
    - {name: web, image: 'shop/web:1'}
  resources:
    db: {kind: DatabaseClaim, spec: {engine: postgresql, size: large}}
    cache: {kind: CacheClaim, spec: {}}
";

#[test]
fn policy_test_denies_exactly_what_apply_denies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("policy.yaml"), SMALL_ONLY).unwrap();
    std::fs::write(d.join("platform.yaml"), "policies: [policy.yaml]\n").unwrap();
    std::fs::write(d.join("app.yaml"), APP_WITH_LARGE_DB).unwrap();
    // The requested claim shop-db is what the policy denies, at apply ...
    let (_, applied) = expect(d, &["apply", "-f", "app.yaml"], 1);
    assert!(
        applied.contains("DatabaseClaim default/shop-db denied by policy \"small-only\""),
        "{applied}"
    );
    // ... and the same at policy test and validate, which used to admit it.
    let (_, tested) = expect(d, &["policy", "test", "-f", "app.yaml"], 1);
    assert!(
        tested.contains("DatabaseClaim default/shop-db denied by policy \"small-only\""),
        "{tested}"
    );
    let (_, validated) = expect(d, &["validate", "-f", "app.yaml"], 1);
    assert!(
        validated.contains("DatabaseClaim default/shop-db denied by policy \"small-only\""),
        "{validated}"
    );
}

/// A CEL rule reads the claim as the engine admits it: with its kind's defaults. A claim that
/// leaves `backup` out gets `daily`, so `backup != 'none'` holds instead of failing on a
/// missing key.
#[test]
fn policy_test_sees_the_kinds_defaults_as_apply_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("policy.yaml"),
        "apiVersion: platform.dev/v1alpha1\nkind: Policy\nmetadata: {name: backups}\nspec:\n  mode: Enforce\n  match: {kinds: [DatabaseClaim]}\n  validations:\n    - expression: \"object.spec.backup != 'none'\"\n      message: databases keep backups\n",
    )
    .unwrap();
    std::fs::write(d.join("db.yaml"), UNOWNED).unwrap();
    let (out, err) = expect(d, &["policy", "test", "-f", "policy.yaml", "db.yaml"], 0);
    assert_eq!(out, "1 objects admitted by 1 policies\n", "{err}");
    std::fs::write(
        d.join("none.yaml"),
        UNOWNED.replace("size: small}", "size: small, backup: none}"),
    )
    .unwrap();
    let (_, err) = expect(d, &["policy", "test", "-f", "policy.yaml", "none.yaml"], 1);
    assert!(err.contains("databases keep backups"), "{err}");
}
