use serde_json::json;
use std::sync::Arc;

use super::*;
use crate::admit::tests::{create, database, object};
use crate::admit::{AdmissionRequest, Operation};
use crate::load::{Format, Loader};

fn price_list(yaml: &str) -> Result<PriceList, String> {
    let loaded = Loader::new().load_str(Arc::from("prices.yaml"), yaml, Format::Yaml);
    PriceList::from_document(&loaded.documents[0]).map_err(|d| {
        d.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })
}

#[test]
fn example_prices_estimate_size_storage_and_high_availability() {
    let prices = PriceList::example();
    assert_eq!(prices.currency(), "USD");
    let db = database(
        "orders",
        json!({"engine": "postgresql", "size": "large", "storageGiB": 100, "highAvailability": true}),
        json!({}),
        json!({}),
    );
    let estimate = prices.estimate(&db).unwrap();
    // (400 + 100 × 0.12) × 2
    assert_eq!(estimate.monthly.to_string(), "824.00");
    let items: Vec<&str> = estimate.lines.iter().map(|l| l.item.as_str()).collect();
    assert_eq!(
        items,
        vec!["size large", "storageGiB 100", "high availability ×2"]
    );

    // Absent fields take the kind's defaults: small, 20 GiB, no standby.
    let bare = database("b", json!({"engine": "postgresql"}), json!({}), json!({}));
    assert_eq!(prices.monthly(&bare).to_string(), "27.40");

    let app = object(
        json!({"apiVersion": "platform.dev/v1alpha1", "kind": "Application", "metadata": {"name": "a"}, "spec": {}}),
    );
    assert_eq!(
        prices.estimate(&app),
        None,
        "unpriced kinds have no estimate"
    );
}

#[test]
fn a_team_price_list_replaces_the_example() {
    let prices = price_list(
        r#"apiVersion: platform.dev/v1alpha1
kind: PriceList
metadata: {name: acme}
spec:
  currency: EUR
  prices:
    - kind: DatabaseClaim
      base: 5
      size: {prices: {small: 10, medium: 20}, default: small}
"#,
    )
    .unwrap();
    let db = database(
        "o",
        json!({"engine": "postgresql", "size": "medium"}),
        json!({}),
        json!({}),
    );
    assert_eq!(prices.monthly(&db).to_string(), "25.00");
    assert_eq!(prices.currency(), "EUR");
}

#[test]
fn price_list_mistakes_are_located() {
    let err = price_list(
        r#"apiVersion: platform.dev/v1alpha1
kind: PriceList
metadata: {name: acme}
spec:
  prices:
    - kind: DatabaseClaim
      size: {field: size, prices: {small: -1}}
      storage: {perUnit: cheap}
      highAvailability: {multiplier: 0.5}
"#,
    )
    .unwrap_err();
    for expected in [
        "prices.yaml:5:3: spec.currency: required field \"currency\" is missing",
        "prices.yaml:7:21: spec.prices[0].size.field: expected a path under spec such as spec.size, found \"size\"",
        "prices.yaml:7:43: spec.prices[0].size.prices.small: expected a number of zero or more, found -1",
        "prices.yaml:8:26: spec.prices[0].storage.perUnit: expected a number of zero or more, found \"cheap\"",
        "prices.yaml:9:38: spec.prices[0].highAvailability.multiplier: expected a factor of 1 or more, found 0.5",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
}

#[test]
fn the_change_of_a_request_and_totals_per_owner() {
    let prices = PriceList::example();
    let small = database(
        "o",
        json!({"engine": "postgresql", "size": "small", "storageGiB": 20}),
        json!({"platform.dev/owner": "team-a"}),
        json!({}),
    );
    let medium = database(
        "o",
        json!({"engine": "postgresql", "size": "medium", "storageGiB": 20}),
        json!({"platform.dev/owner": "team-a"}),
        json!({}),
    );
    let update = AdmissionRequest {
        operation: Operation::Update,
        object: medium.clone(),
        old_object: Some(std::sync::Arc::new(small.clone())),
        origin: None,
    };
    let change = prices.change(&update);
    assert_eq!(change.before.to_string(), "27.40");
    assert_eq!(change.after.to_string(), "102.40");
    assert_eq!(change.delta().to_string(), "75.00");
    let delete = AdmissionRequest {
        operation: Operation::Delete,
        ..update
    };
    assert_eq!(prices.change(&delete).delta().to_string(), "-27.40");
    assert_eq!(
        prices.change(&create(small.clone(), "x")).before,
        Money::ZERO
    );

    let mut other = small.clone();
    other.metadata.labels.clear();
    let totals = prices.totals_by_owner([&small, &medium, &other], "platform.dev/owner");
    assert_eq!(totals["team-a"].to_string(), "129.80");
    assert_eq!(totals["(none)"].to_string(), "27.40");
}
