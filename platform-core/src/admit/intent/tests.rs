use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::kinds::Need;
use crate::load::{Format, Loader};

fn offering(
    name: &str,
    price: f64,
    capacity: &[(Need, f64)],
    availability: Option<f64>,
) -> Offering {
    Offering {
        name: name.to_owned(),
        claim_kind: "DatabaseClaim".to_owned(),
        engine: None,
        environments: Vec::new(),
        capacity: capacity.iter().copied().collect(),
        availability,
        monthly_price: price,
        sets: Default::default(),
        origin: "test".into(),
    }
}

fn catalog() -> Vec<Offering> {
    vec![
        offering(
            "pg-small",
            25.0,
            &[
                (Need::ReadsPerSecond, 1000.0),
                (Need::StorageGiB, 20.0),
                (Need::LatencyMs, 20.0),
            ],
            Some(99.5),
        ),
        offering(
            "pg-medium",
            100.0,
            &[
                (Need::ReadsPerSecond, 5000.0),
                (Need::StorageGiB, 200.0),
                (Need::LatencyMs, 10.0),
            ],
            Some(99.9),
        ),
        offering(
            "pg-medium-ha",
            410.0,
            &[
                (Need::ReadsPerSecond, 5000.0),
                (Need::StorageGiB, 200.0),
                (Need::LatencyMs, 5.0),
            ],
            Some(99.95),
        ),
        offering(
            "pg-large",
            400.0,
            &[
                (Need::ReadsPerSecond, 20000.0),
                (Need::StorageGiB, 1000.0),
                (Need::LatencyMs, 5.0),
            ],
            Some(99.9),
        ),
    ]
}

fn name(o: Option<&Offering>) -> Option<&str> {
    o.map(|o| o.name.as_str())
}

#[test]
fn the_cheapest_feasible_offering_wins() {
    let offerings = catalog();
    let choice = choose(&[(Need::ReadsPerSecond, 3000.0)], &offerings, None);
    assert_eq!(name(choice.chosen), Some("pg-medium"));
    assert_eq!(choice.reason, Reason::Cheapest);
    let choice = choose(
        &[(Need::ReadsPerSecond, 3000.0), (Need::Availability, 99.95)],
        &offerings,
        None,
    );
    assert_eq!(name(choice.chosen), Some("pg-medium-ha"));
    // Latency is met by a value at most the one asked.
    let choice = choose(&[(Need::LatencyMs, 6.0)], &offerings, None);
    assert_eq!(name(choice.chosen), Some("pg-large"));
}

#[test]
fn ties_are_broken_by_name() {
    let offerings = vec![
        offering("b", 10.0, &[(Need::Connections, 10.0)], None),
        offering("a", 10.0, &[(Need::Connections, 10.0)], None),
    ];
    assert_eq!(
        name(choose(&[(Need::Connections, 5.0)], &offerings, None).chosen),
        Some("a")
    );
}

#[test]
fn a_need_the_offering_does_not_state_is_unmet() {
    let offerings = catalog();
    let choice = choose(&[(Need::MessagesPerSecond, 1.0)], &offerings, None);
    assert_eq!(choice.chosen, None);
    let closest = choice.closest().unwrap();
    assert_eq!(
        closest.offering.name, "pg-small",
        "fewest unmet, then price"
    );
    assert_eq!(
        closest.unmet,
        vec![Unmet {
            need: Need::MessagesPerSecond,
            required: 1.0,
            offered: None
        }]
    );
}

#[test]
fn hysteresis_keeps_a_feasible_current_offering_and_names_a_cheaper_one() {
    let offerings = catalog();
    // The intent shrank: pg-small would do, but pg-medium still satisfies it.
    let choice = choose(
        &[(Need::ReadsPerSecond, 500.0)],
        &offerings,
        Some("pg-medium"),
    );
    assert_eq!(name(choice.chosen), Some("pg-medium"));
    assert_eq!(choice.reason, Reason::Kept);
    assert_eq!(name(choice.cheaper), Some("pg-small"));
    assert!(
        choice.explanation().contains("pg-small is cheaper"),
        "{}",
        choice.explanation()
    );
    // Reoptimizing is choosing without a current offering.
    assert_eq!(
        name(choose(&[(Need::ReadsPerSecond, 500.0)], &offerings, None).chosen),
        Some("pg-small")
    );
    // The current one no longer satisfies: move to the cheapest that does.
    let choice = choose(
        &[(Need::ReadsPerSecond, 10000.0)],
        &offerings,
        Some("pg-medium"),
    );
    assert_eq!(name(choice.chosen), Some("pg-large"));
    assert_eq!(choice.reason, Reason::Cheapest);
}

#[test]
fn an_infeasible_intent_names_the_closest_offering_and_each_unmet_need() {
    let offerings = catalog();
    let choice = choose(
        &[(Need::ReadsPerSecond, 50000.0), (Need::Availability, 99.99)],
        &offerings,
        None,
    );
    assert_eq!(choice.chosen, None);
    assert_eq!(choice.reason, Reason::Infeasible);
    let text = choice.explanation();
    assert_eq!(
        text,
        "no offering satisfies every need; closest is pg-small (25.00 a month): readsPerSecond requires at least 50000, offers 1000; availability requires at least 99.99, offers 99.5"
    );
}

fn read(text: &str) -> Result<Vec<Offering>, Vec<String>> {
    let loaded = Loader::new().load_str("offerings.yaml".into(), text, Format::Yaml);
    offerings_from_documents(&loaded.documents)
        .map_err(|p| p.iter().map(ToString::to_string).collect())
}

#[test]
fn offering_documents_are_read_with_located_errors() {
    let good = "apiVersion: platform.dev/v1alpha1\nkind: Offering\nmetadata: {name: pg-medium-ha}\nspec:\n  claimKind: DatabaseClaim\n  engine: postgresql\n  environments: [production]\n  capacity: {readsPerSecond: 5000, writesPerSecond: 1000, storageGiB: 200, connections: 300, latencyMs: 5}\n  availability: \"99.95\"\n  monthlyPrice: 410.00\n  sets: {size: medium, highAvailability: true}\n";
    let offerings = read(good).unwrap();
    assert_eq!(offerings[0].capacity[&Need::Connections], 300.0);
    assert_eq!(offerings[0].availability, Some(99.95));
    assert!(offerings[0].serves("DatabaseClaim", Some("postgresql"), "production"));
    assert!(!offerings[0].serves("DatabaseClaim", Some("mysql"), "production"));
    assert!(!offerings[0].serves("DatabaseClaim", Some("postgresql"), "staging"));
    let bad = good
        .replace("readsPerSecond: 5000", "readsPerSecond: -5")
        .replace("\"99.95\"", "\"100.5\"")
        .replace("latencyMs: 5", "latencyMs: 5, iops: 3")
        .replace("connections: 300", "connections: 1e300");
    let problems = read(&bad).unwrap_err();
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("offerings.yaml:8:30: spec.capacity.readsPerSecond: ")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p
            .contains("spec.availability: expected a percentage from 0 to 100")
            && p.contains("\"100.5\"")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("unknown capacity \"iops\"")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("spec.capacity.connections: expected at most 1e12, found 1e300")),
        "{problems:#?}"
    );
}

/// The reference: every feasible offering, cheapest by price then name.
fn brute_force<'o>(needs: &[(Need, f64)], offerings: &'o [Offering]) -> Option<&'o Offering> {
    let mut best: Option<&Offering> = None;
    for o in offerings {
        let feasible = needs.iter().all(|&(need, required)| match o.offered(need) {
            None => false,
            Some(v) if need == Need::LatencyMs => v <= required,
            Some(v) => v >= required,
        });
        if !feasible {
            continue;
        }
        best = match best {
            Some(b) if (b.monthly_price, &b.name) <= (o.monthly_price, &o.name) => Some(b),
            _ => Some(o),
        };
    }
    best
}

fn arb_offerings() -> impl Strategy<Value = Vec<Offering>> {
    prop::collection::vec(
        (
            prop::collection::btree_map(0usize..7, 0u32..200, 0..7),
            prop::option::of(90u32..=100),
            0u32..50,
        ),
        0..12,
    )
    .prop_map(|items| {
        items
            .into_iter()
            .enumerate()
            .map(|(i, (capacity, availability, price))| {
                let capacity: BTreeMap<Need, f64> = capacity
                    .into_iter()
                    .map(|(n, v)| (Need::ALL[n], f64::from(v)))
                    .collect();
                // Few prices, so ties by name are common.
                offering(
                    &format!("o{:02}", (i * 7) % 13),
                    f64::from(price % 5) * 10.0,
                    &capacity.into_iter().collect::<Vec<_>>(),
                    availability.map(f64::from),
                )
            })
            .collect()
    })
}

fn arb_needs() -> impl Strategy<Value = Vec<(Need, f64)>> {
    prop::collection::btree_map(0usize..8, 0u32..200, 0..4).prop_map(|m| {
        m.into_iter()
            .map(|(n, v)| {
                let need = Need::ALL[n];
                let v = if need == Need::Availability {
                    90.0 + f64::from(v % 11)
                } else {
                    f64::from(v)
                };
                (need, v)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn choice_equals_brute_force_cheapest_feasible(offerings in arb_offerings(), needs in arb_needs()) {
        // Duplicate names would make "ties by name" ambiguous; offerings have unique names.
        let mut seen = std::collections::BTreeSet::new();
        let offerings: Vec<Offering> = offerings.into_iter().filter(|o| seen.insert(o.name.clone())).collect();
        let choice = choose(&needs, &offerings, None);
        prop_assert_eq!(name(choice.chosen), name(brute_force(&needs, &offerings)));
        for c in &choice.candidates() {
            prop_assert_eq!(feasible(&needs, c.offering), c.feasible());
            prop_assert_eq!(c.feasible(), brute_force(&needs, std::slice::from_ref(c.offering)).is_some());
        }
        // Hysteresis never keeps an infeasible offering, and keeps any feasible one.
        for o in &offerings {
            let kept = choose(&needs, &offerings, Some(&o.name));
            let feasible = brute_force(&needs, std::slice::from_ref(o)).is_some();
            if feasible {
                prop_assert_eq!(name(kept.chosen), Some(o.name.as_str()));
            } else {
                prop_assert_eq!(name(kept.chosen), name(choice.chosen));
            }
        }
    }
}

fn checked_claim(text: &str) -> Vec<crate::validate::Checked> {
    let registry = crate::kinds::KindRegistry::builtin();
    let loaded = Loader::new().load_str("claims.yaml".into(), text, Format::Yaml);
    crate::validate::Validator::new(&registry)
        .checked(&loaded.documents)
        .unwrap_or_else(|r| panic!("{r}"))
}

const ORDERS_DB: &str = "apiVersion: platform.dev/v1alpha1\nkind: DatabaseClaim\nmetadata: {name: orders-db}\nspec:\n  engine: postgresql\n  intent: {readsPerSecond: 3000, availability: \"99.9\"}\n";

#[test]
fn the_example_offerings_read_cleanly_and_cover_every_intent_kind() {
    let offerings = example_offerings();
    assert!(offerings.len() >= 10);
    for kind in ["DatabaseClaim", "CacheClaim", "QueueClaim"] {
        assert!(offerings.iter().any(|o| o.claim_kind == kind), "{kind}");
    }
}

#[test]
fn resolving_sets_the_offerings_fields_and_its_price_is_the_claims_cost() {
    let offerings = example_offerings();
    let resolver = IntentResolver::new(&offerings, "local", false);
    let (resolved, notes) = resolver.resolve(checked_claim(ORDERS_DB), &[]).unwrap();
    let object = resolved[0].object();
    assert_eq!(object.spec["size"], "medium");
    assert_eq!(
        object.metadata.annotations[OFFERING_ANNOTATION],
        "db-medium"
    );
    assert_eq!(notes[0].offering, "db-medium");
    assert_eq!(notes[0].claim, "DatabaseClaim/default/orders-db");
    let prices = crate::admit::PriceList::example();
    assert_eq!(prices.monthly(object).to_string(), "112.00");
}

#[test]
fn a_stored_offering_is_kept_while_it_satisfies_and_reoptimize_moves() {
    let offerings = example_offerings();
    let mut stored = checked_claim(ORDERS_DB).remove(0).into_object();
    stored
        .metadata
        .annotations
        .insert(OFFERING_ANNOTATION.into(), "db-large".into());
    let kept = IntentResolver::new(&offerings, "local", false)
        .resolve(checked_claim(ORDERS_DB), std::slice::from_ref(&stored))
        .unwrap();
    assert_eq!(
        kept.0[0].object().metadata.annotations[OFFERING_ANNOTATION],
        "db-large"
    );
    assert!(kept.1[0].cheaper_exists);
    assert!(
        kept.1[0].explanation.contains("db-medium is cheaper"),
        "{}",
        kept.1[0].explanation
    );
    let moved = IntentResolver::new(&offerings, "local", true)
        .resolve(checked_claim(ORDERS_DB), std::slice::from_ref(&stored))
        .unwrap();
    assert_eq!(
        moved.0[0].object().metadata.annotations[OFFERING_ANNOTATION],
        "db-medium"
    );
}

#[test]
fn an_infeasible_intent_is_a_located_error_naming_the_closest_offering() {
    let offerings = example_offerings();
    let text = ORDERS_DB.replace(
        "readsPerSecond: 3000",
        "readsPerSecond: 500000, storageGiB: 10",
    );
    let problems = IntentResolver::new(&offerings, "local", false)
        .resolve(checked_claim(&text), &[])
        .unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0],
        "claims.yaml:1:1: spec.intent: DatabaseClaim/default/orders-db: no offering satisfies every need; closest is db-medium (112.00 a month): readsPerSecond requires at least 500000, offers 5000"
    );
}

#[test]
fn hostile_intents_and_size_with_intent_are_located_errors() {
    let registry = crate::kinds::KindRegistry::builtin();
    let text = "apiVersion: platform.dev/v1alpha1\nkind: CacheClaim\nmetadata: {name: c}\nspec:\n  size: small\n  intent:\n    readsPerSecond: -1\n    availability: \"100.5\"\n    memoryMiB: 1e300\n";
    let loaded = Loader::new().load_str("claims.yaml".into(), text, Format::Yaml);
    let report = crate::validate::Validator::new(&registry).validate(&loaded.documents);
    let lines: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(
        lines[0]
            .starts_with("claims.yaml:7:5: spec.intent: expected either spec.size or spec.intent"),
        "{lines:#?}"
    );
    assert!(
        lines[1].starts_with("claims.yaml:7:21: spec.intent.readsPerSecond: "),
        "{lines:#?}"
    );
    assert!(
        lines[2].starts_with("claims.yaml:8:19: spec.intent.availability: "),
        "{lines:#?}"
    );
    assert!(
        lines[3].starts_with("claims.yaml:9:16: spec.intent.memoryMiB: "),
        "{lines:#?}"
    );
}

#[test]
fn an_intent_inside_an_applications_request_is_refused_not_ignored() {
    let offerings = example_offerings();
    let text = "apiVersion: platform.dev/v1alpha1\nkind: Application\nmetadata: {name: web}\nspec:\n  containers: [{name: main, image: x}]\n  resources:\n    db:\n      kind: DatabaseClaim\n      spec: {engine: postgresql, intent: {readsPerSecond: 10}}\n";
    let problems = IntentResolver::new(&offerings, "local", false)
        .resolve(checked_claim(text), &[])
        .unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].starts_with("claims.yaml:1:1: spec.resources.db.spec.intent: Application/default/web requests a claim with an intent"),
        "{}",
        problems[0]
    );
}
