use std::sync::Arc;

use super::*;
use crate::load::{Format, Loader, Location};

const SEED: &str = "apiVersion: platform.company.io/v1alpha1
kind: DatabaseClaim
metadata:
  name: orders-db
spec:
  engine: postgresql
  size: medium
  backup: daily
";

fn check(registry: &KindRegistry, text: &str) -> ValidationReport {
    let loaded = Loader::new().load_str(Arc::from("claims.yaml"), text, Format::Yaml);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    Validator::new(registry).validate(&loaded.documents)
}

fn lines(report: &ValidationReport) -> Vec<String> {
    report.diagnostics.iter().map(ToString::to_string).collect()
}

#[test]
fn seed_example_validates_in_a_configured_group() {
    let registry = KindRegistry::with_claim_group("platform.company.io");
    let report = check(&registry, SEED);
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.summary(), "1 document, 0 errors");
    // The same document is foreign to the default group.
    let report = check(&KindRegistry::builtin(), SEED);
    assert_eq!(
        lines(&report),
        [
            "claims.yaml:1:13: apiVersion: unknown apiVersion \"platform.company.io/v1alpha1\" for kind DatabaseClaim; expected platform.dev/v1alpha1"
        ]
    );
}

#[test]
fn wrong_enum_value_points_at_the_value() {
    let registry = KindRegistry::with_claim_group("platform.company.io");
    let report = check(&registry, &SEED.replace("size: medium", "size: huge"));
    assert_eq!(
        lines(&report),
        [
            "claims.yaml:7:9: spec.size: expected one of small, medium, large, xlarge; found \"huge\""
        ]
    );
}

#[test]
fn wrong_type_unknown_field_and_missing_field_are_all_reported() {
    let text = "apiVersion: platform.dev/v1alpha1
kind: DatabaseClaim
metadata:
  name: orders-db
spec:
  storageGiB: lots
  colour: blue
";
    let report = check(&KindRegistry::builtin(), text);
    let lines = lines(&report);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[0].starts_with("claims.yaml:6:3: spec.engine: required field \"engine\" is missing"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        "claims.yaml:6:15: spec.storageGiB: expected integer, found a string: \"lots\""
    );
    assert!(
        lines[2].starts_with("claims.yaml:7:3: spec.colour: unknown field \"colour\"; expected one of: engine, version, size, storageGiB"),
        "{}",
        lines[2]
    );
    assert_eq!(report.summary(), "1 document, 3 errors");
}

#[test]
fn bad_names_and_labels() {
    let text = "apiVersion: platform.dev/v1alpha1
kind: CacheClaim
metadata:
  name: Orders_Cache
  labels:
    team: platform team
    bad/key/x: a
spec: {}
";
    let report = check(&KindRegistry::builtin(), text);
    let lines = lines(&report);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[0].starts_with("claims.yaml:4:9: metadata.name: expected a DNS-1123 label"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("claims.yaml:6:11: metadata.labels.team: expected letters"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("claims.yaml:7:5: metadata.labels['bad/key/x']: invalid key"),
        "{}",
        lines[2]
    );
}

#[test]
fn unknown_kind_and_missing_fields() {
    let text = "apiVersion: platform.dev/v1alpha1\nkind: Database\nmetadata: {name: a}\nspec: {}\n---\nkind: BucketClaim\n---\n- a list\n";
    let report = check(&KindRegistry::builtin(), text);
    let lines = lines(&report);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[0]
            .starts_with("claims.yaml:2:7: kind: unknown kind \"Database\"; registered kinds: "),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        "claims.yaml:6:1: apiVersion: required field \"apiVersion\" is missing"
    );
    assert_eq!(
        lines[2],
        "claims.yaml:8:1: (document): expected a mapping with apiVersion, kind, metadata and spec, found a sequence"
    );
}

#[test]
fn the_same_object_twice_is_reported_with_the_first_location() {
    let text = format!("{SEED}---\n{SEED}");
    let registry = KindRegistry::with_claim_group("platform.company.io");
    let report = check(&registry, &text);
    assert_eq!(
        lines(&report),
        [
            "claims.yaml:13:9: metadata.name: DatabaseClaim default/orders-db is defined twice; first at claims.yaml:1:1"
        ]
    );
    // Another namespace is another object.
    let other = SEED.replace(
        "  name: orders-db",
        "  name: orders-db\n  namespace: team-a",
    );
    assert!(check(&registry, &format!("{SEED}---\n{other}")).is_ok());
}

#[test]
fn application_resources_and_placeholders_are_checked() {
    let text = "apiVersion: platform.dev/v1alpha1
kind: Application
metadata:
  name: orders
spec:
  containers:
    - name: api
      image: ghcr.io/acme/orders:1.4.2
      env:
        DB_HOST: ${resources.db.outputs.host}
        CACHE: ${resources.cache.outputs.host}
  resources:
    db:
      kind: DatabaseClaim
      spec: {engine: postgresql, size: tiny}
    q:
      kind: Application
";
    let report = check(&KindRegistry::builtin(), text);
    let lines = lines(&report);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].starts_with("claims.yaml:11:16: spec.containers[0].env.CACHE: placeholder refers to resource \"cache\""), "{}", lines[0]);
    assert_eq!(
        lines[1],
        "claims.yaml:15:40: spec.resources.db.spec.size: expected one of small, medium, large, xlarge; found \"tiny\""
    );
    assert!(
        lines[2].starts_with("claims.yaml:17:13: spec.resources.q.kind: expected a claim kind"),
        "{}",
        lines[2]
    );
}

#[test]
fn objects_apply_typed_defaults_after_validation() {
    let registry = KindRegistry::with_claim_group("platform.company.io");
    let loaded = Loader::new().load_str(Arc::from("x.yaml"), SEED, Format::Yaml);
    let objects = Validator::new(&registry)
        .objects(&loaded.documents)
        .unwrap();
    let typed: crate::kinds::DatabaseClaim = objects[0].to_typed().unwrap();
    assert_eq!(typed.spec.storage_gib, 20);
    assert_eq!(typed.metadata.namespace(), "default");
    assert_eq!(loaded.documents[0].root.location, Location::new(1, 1));
}

#[test]
fn applications_whose_requested_claims_share_a_name_are_reported_with_both_locations() {
    // Application a's b-db and Application a-b's db would both be DatabaseClaim a-b-db.
    let text = "apiVersion: platform.dev/v1alpha1
kind: Application
metadata:
  name: a
  namespace: shop
spec:
  containers:
    - {name: web, image: 'shop/web:1'}
  resources:
    b-db: {kind: DatabaseClaim, spec: {engine: postgresql}}
---
apiVersion: platform.dev/v1alpha1
kind: Application
metadata:
  name: a-b
  namespace: shop
spec:
  containers:
    - {name: web, image: 'shop/web:1'}
  resources:
    db: {kind: DatabaseClaim, spec: {engine: postgresql}}
---
apiVersion: platform.dev/v1alpha1
kind: DatabaseClaim
metadata:
  name: a-b-db
  namespace: shop
spec:
  engine: postgresql
";
    let registry = KindRegistry::with_claim_group("platform.dev");
    let report = check(&registry, text);
    assert_eq!(
        lines(&report),
        [
            "claims.yaml:21:9: spec.resources.db: Application shop/a-b requests DatabaseClaim shop/a-b-db, which is also requested by Application shop/a's spec.resources.b-db at claims.yaml:10:11; rename the resource or the Application",
            "claims.yaml:26:9: metadata.name: DatabaseClaim shop/a-b-db is also the claim requested by Application shop/a's spec.resources.b-db at claims.yaml:10:11; rename one of them",
        ]
    );
    // In another namespace the names do not meet.
    let apart = text.replacen("namespace: shop", "namespace: other", 1);
    assert_eq!(check(&registry, &apart).diagnostics.len(), 1);
}
