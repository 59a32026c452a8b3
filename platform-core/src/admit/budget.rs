//! Team budgets: `kind: Budget`, a monthly limit per owner. Each claim that would push its
//! owner's monthly total over the limit is denied (Enforce) or warned about (Warn), claim by
//! claim in request order (see [`check_budgets`]).
//!
//! ```yaml
//! apiVersion: platform.dev/v1alpha1
//! kind: Budget
//! metadata: {name: payments}
//! spec: {owner: team-payments, monthlyLimit: 2000, mode: Enforce}
//! ```

use std::collections::HashMap;

use super::AdmissionRequest;
use super::cost::{Money, PriceList, owner_of};
use super::header::read_header;
use super::policy::Mode;
use crate::load::{Diagnostic, Document, Field, FieldReader};
use crate::model::{DynamicObject, ObjectRef, Resource};

/// A monthly spending limit of one owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// The budget's name.
    pub name: String,
    /// The owner (value of the owner label) it limits.
    pub owner: String,
    /// The monthly limit, in the price list's currency.
    pub monthly_limit: Money,
    /// Enforce (deny) or Warn.
    pub mode: Mode,
}

impl Budget {
    /// Reads a Budget document; every problem is reported, located.
    pub fn from_document(doc: &Document) -> Result<Budget, Vec<Diagnostic>> {
        let mut r = FieldReader::new(doc.file.clone());
        let name = read_header(&mut r, doc, 63).unwrap_or_default();
        let Some(spec) = r.required(Field::root(&doc.root).get("spec"), "a mapping") else {
            return Err(r.into_problems());
        };
        if r.mapping(&spec, &["owner", "monthlyLimit", "mode"])
            .is_none()
        {
            return Err(r.into_problems());
        }
        let owner = r
            .required(spec.get("owner"), "the owner label value it limits")
            .and_then(|f| r.non_empty_string(&f));
        let limit = r
            .required(spec.get("monthlyLimit"), "a monthly amount")
            .and_then(|f| r.amount(&f));
        let mode_field = spec.get("mode");
        let mode = match (mode_field.node(), mode_field.as_str()) {
            (None, _) | (_, Some("Enforce")) => Some(Mode::Enforce),
            (_, Some("Warn")) => Some(Mode::Warn),
            _ => {
                r.expected_value(&mode_field, "Enforce or Warn");
                None
            }
        };
        match (owner, limit, mode) {
            (Some(owner), Some(limit), Some(mode)) => r.finish(Budget {
                name,
                owner,
                monthly_limit: Money::from_units(limit),
                mode,
            }),
            _ => Err(r.into_problems()),
        }
    }
}

/// A claim that would push its owner over a budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetExceeded {
    /// The budget's name.
    pub budget: String,
    /// Enforce or Warn.
    pub mode: Mode,
    /// The claim that takes its owner's running total over the limit.
    pub object: ObjectRef,
    /// Index of that claim in the request.
    pub index: usize,
    /// The owner the budget limits.
    pub owner: String,
    /// The claim's monthly cost as requested.
    pub cost: Money,
    /// Its monthly cost before the request, when it is stored for the same owner.
    pub previous_cost: Option<Money>,
    /// The owner's monthly total before this claim: what the store holds and the claims
    /// admitted before it in the request.
    pub total_before: Money,
    /// The budget's monthly limit.
    pub limit: Money,
    /// The message naming the owner, the claim's cost, the total before it and the limit.
    pub message: String,
}

/// The claims of a request that break a budget, in request order.
///
/// Claims are admitted one by one in the order of `requests` (the engine passes the objects
/// in the order they were read, then the claims each Application requests, Application by
/// Application and in the order of their names under `spec.resources`), with a running monthly total per owner that starts from what `stored`
/// holds. A claim breaks its owner's budget when it raises the owner's cost (it is new, costs
/// more than its stored version, or moves from another owner) and takes the running total
/// over the limit; it is reported with its own monthly cost, the owner's total before it and
/// the limit. A claim that breaks an Enforce budget is not counted, so every later claim is
/// judged against the claims actually admitted: the admitted claims never exceed a budget,
/// and a claim is refused only if it would. A claim that keeps or lowers its cost always
/// passes, even when its owner is already over the limit; a delete lowers the running total
/// from where it appears.
pub fn check_budgets(
    budgets: &[Budget],
    prices: &PriceList,
    owner_label: &str,
    stored: &[DynamicObject],
    requests: &[AdmissionRequest],
) -> Vec<BudgetExceeded> {
    if budgets.is_empty() || requests.is_empty() {
        return Vec::new();
    }
    let budget_of = |owner: &str| budgets.iter().find(|b| b.owner == owner);
    // The running total of each budgeted owner, and what each object adds to it now.
    let mut totals: HashMap<String, Money> = HashMap::new();
    let mut counted: HashMap<ObjectRef, (String, Money)> = HashMap::new();
    for object in stored {
        let owner = owner_of(object, owner_label);
        if budget_of(owner).is_none() {
            continue;
        }
        let amount = prices.monthly(object);
        *totals.entry(owner.to_owned()).or_default() += amount;
        counted.insert(object.object_ref(), (owner.to_owned(), amount));
    }
    let currency = prices.currency();
    let mut exceeded = Vec::new();
    for (index, request) in requests.iter().enumerate() {
        let key = request.object.object_ref();
        let previous = counted.remove(&key);
        if let Some((owner, amount)) = &previous {
            let total = totals.entry(owner.clone()).or_default();
            *total = *total - *amount;
        }
        if request.operation == super::Operation::Delete {
            continue;
        }
        let owner = owner_of(&request.object, owner_label);
        let Some(budget) = budget_of(owner) else {
            continue;
        };
        let cost = prices.monthly(&request.object);
        let previous_cost = previous
            .as_ref()
            .filter(|(o, _)| o == owner)
            .map(|(_, amount)| *amount);
        let without = totals.get(owner).copied().unwrap_or_default();
        let total_before = without + previous_cost.unwrap_or_default();
        let total_after = without + cost;
        let raises = cost > Money::ZERO && previous_cost.is_none_or(|was| cost > was);
        if raises && total_after > budget.monthly_limit {
            let costs = match previous_cost {
                None => format!("this claim costs {cost} {currency} a month"),
                Some(was) => format!(
                    "this claim would cost {cost} {currency} a month instead of {was} {currency}"
                ),
            };
            exceeded.push(BudgetExceeded {
                budget: budget.name.clone(),
                mode: budget.mode,
                object: key.clone(),
                index,
                owner: owner.to_owned(),
                cost,
                previous_cost,
                total_before,
                limit: budget.monthly_limit,
                message: format!(
                    "owner {owner} would exceed its monthly budget: {costs}, the owner's total before it is {total_before} {currency}, the limit {} {currency} ({total_after} {currency} with it)",
                    budget.monthly_limit
                ),
            });
            if budget.mode == Mode::Enforce {
                // Refused: the stored version stays, and so does what it costs.
                if let Some((owner, amount)) = previous {
                    *totals.entry(owner.clone()).or_default() += amount;
                    counted.insert(key, (owner, amount));
                }
                continue;
            }
        }
        totals.insert(owner.to_owned(), total_after);
        counted.insert(key, (owner.to_owned(), cost));
    }
    exceeded
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use std::collections::BTreeMap;

    use super::{Budget, Money, check_budgets, owner_of};
    use crate::admit::tests::{admit_in, create, database, engine_from};
    use crate::admit::{AdmissionRequest, DEFAULT_OWNER_LABEL, Guardrails, Mode, Operation};
    use crate::model::DynamicObject;

    const BUDGET: &str = "apiVersion: platform.dev/v1alpha1\nkind: Budget\nmetadata: {name: orders}\nspec: {owner: team-orders, monthlyLimit: 129.80, mode: Enforce}\n";

    fn db(name: &str, size: &str, owner: &str) -> DynamicObject {
        database(
            name,
            json!({"engine": "postgresql", "size": size, "storageGiB": 20}),
            json!({"platform.dev/owner": owner}),
            json!({}),
        )
    }

    #[test]
    fn a_request_that_reaches_the_limit_exactly_is_admitted() {
        let engine = engine_from("budgets.yaml", BUDGET).unwrap();
        // 27.40 stored + 102.40 new = 129.80, the limit.
        let stored = [db("a", "small", "team-orders")];
        let outcome = admit_in(
            &engine,
            "production",
            &stored,
            vec![create(db("b", "medium", "team-orders"), "b.yaml:1:1")],
        );
        assert!(outcome.denials.is_empty(), "{:?}", outcome.denials);
    }

    #[test]
    fn only_the_claim_that_crosses_the_limit_is_denied_with_its_own_figures() {
        let engine = engine_from("budgets.yaml", BUDGET).unwrap();
        let stored = [
            db("a", "small", "team-orders"),
            db("z", "xlarge", "someone-else"),
        ];
        // 27.40 stored; b (27.40) fits, c (102.40) takes the owner to 157.20, over 129.80.
        let outcome = admit_in(
            &engine,
            "production",
            &stored,
            vec![
                create(db("b", "small", "team-orders"), "b.yaml:1:1"),
                create(db("c", "medium", "team-orders"), "c.yaml:1:1"),
            ],
        );
        let denials: Vec<String> = outcome.denials.iter().map(ToString::to_string).collect();
        assert_eq!(
            denials,
            [
                "c.yaml:1:1: DatabaseClaim default/c denied by policy \"budget/orders\": owner team-orders would exceed its monthly budget: this claim costs 102.40 USD a month, the owner's total before it is 54.80 USD, the limit 129.80 USD (157.20 USD with it)"
            ]
        );
    }

    #[test]
    fn a_denied_claim_is_not_counted_against_the_claims_after_it() {
        let engine = engine_from("budgets.yaml", BUDGET).unwrap();
        // 102.40 fits; 402.40 more does not; 27.40 more reaches 129.80 exactly.
        let outcome = admit_in(
            &engine,
            "production",
            &[],
            vec![
                create(db("a", "medium", "team-orders"), "a.yaml:1:1"),
                create(db("b", "large", "team-orders"), "b.yaml:1:1"),
                create(db("c", "small", "team-orders"), "c.yaml:1:1"),
                create(db("d", "small", "team-orders"), "d.yaml:1:1"),
            ],
        );
        let denied: Vec<(&str, &str)> = outcome
            .denials
            .iter()
            .map(|d| (d.origin.as_deref().unwrap(), d.message.as_str()))
            .collect();
        assert_eq!(
            denied,
            [
                (
                    "b.yaml:1:1",
                    "owner team-orders would exceed its monthly budget: this claim costs 402.40 USD a month, the owner's total before it is 102.40 USD, the limit 129.80 USD (504.80 USD with it)"
                ),
                (
                    "d.yaml:1:1",
                    "owner team-orders would exceed its monthly budget: this claim costs 27.40 USD a month, the owner's total before it is 129.80 USD, the limit 129.80 USD (157.20 USD with it)"
                ),
            ]
        );
    }

    #[test]
    fn a_claim_that_grows_names_its_cost_before_and_after() {
        let engine = engine_from("budgets.yaml", BUDGET).unwrap();
        let small = db("a", "small", "team-orders");
        let stored = [small.clone(), db("b", "medium", "team-orders")];
        let grow = AdmissionRequest {
            operation: Operation::Update,
            object: db("a", "medium", "team-orders"),
            old_object: Some(std::sync::Arc::new(small)),
            origin: Some("a.yaml:1:1".into()),
        };
        let outcome = admit_in(&engine, "production", &stored, vec![grow]);
        assert_eq!(
            outcome.denials[0].message,
            "owner team-orders would exceed its monthly budget: this claim would cost 102.40 USD a month instead of 27.40 USD, the owner's total before it is 129.80 USD, the limit 129.80 USD (204.80 USD with it)"
        );
    }

    #[test]
    fn a_warn_budget_admits_with_a_warning() {
        let engine = engine_from("budgets.yaml", &BUDGET.replace("Enforce", "Warn")).unwrap();
        let outcome = admit_in(
            &engine,
            "production",
            &[],
            vec![create(db("b", "xlarge", "team-orders"), "b.yaml:1:1")],
        );
        assert!(outcome.denials.is_empty());
        assert_eq!(outcome.admitted.len(), 1);
        assert!(
            outcome.warnings[0]
                .contains("this claim costs 1602.40 USD a month, the owner's total before it is 0.00 USD, the limit 129.80 USD (1602.40 USD with it)"),
            "{:?}",
            outcome.warnings
        );
    }

    #[test]
    fn an_owner_already_over_budget_may_still_shrink() {
        let engine = engine_from("budgets.yaml", BUDGET).unwrap();
        let big = db("a", "xlarge", "team-orders");
        let stored = [big.clone()];
        let shrink = AdmissionRequest {
            operation: Operation::Update,
            object: db("a", "large", "team-orders"),
            old_object: Some(std::sync::Arc::new(big.clone())),
            origin: None,
        };
        assert!(
            admit_in(&engine, "production", &stored, vec![shrink])
                .denials
                .is_empty()
        );
        let grow_elsewhere = create(db("b", "small", "team-orders"), "b.yaml:1:1");
        assert_eq!(
            admit_in(&engine, "production", &stored, vec![grow_elsewhere])
                .denials
                .len(),
            1
        );
    }

    #[test]
    fn moving_a_claim_to_another_owner_counts_against_the_new_owner() {
        let engine = engine_from("budgets.yaml", BUDGET).unwrap();
        let theirs = db("a", "large", "team-search");
        let moved = AdmissionRequest {
            operation: Operation::Update,
            object: db("a", "large", "team-orders"),
            old_object: Some(std::sync::Arc::new(theirs.clone())),
            origin: Some("a.yaml:1:1".into()),
        };
        let outcome = admit_in(&engine, "production", &[theirs], vec![moved]);
        assert_eq!(outcome.denials.len(), 1);
        assert!(outcome.denials[0].message.contains(
            "this claim costs 402.40 USD a month, the owner's total before it is 0.00 USD"
        ));
    }

    #[test]
    fn budget_mistakes_are_located() {
        let err = engine_from(
            "budgets.yaml",
            "apiVersion: platform.dev/v1alpha1\nkind: Budget\nmetadata: {name: orders}\nspec: {owner: '', monthlyLimit: lots, mode: Audit}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("budgets.yaml:4:15: spec.owner: expected a non-empty string, found \"\""),
            "{err}"
        );
        assert!(err.contains("budgets.yaml:4:33: spec.monthlyLimit: expected a number of zero or more, found \"lots\""), "{err}");
        assert!(
            err.contains("spec.mode: expected Enforce or Warn, found \"Audit\""),
            "{err}"
        );
        let twice = format!(
            "{BUDGET}---\n{}",
            BUDGET.replace("name: orders", "name: orders-2")
        );
        let err = engine_from("budgets.yaml", &twice).unwrap_err().to_string();
        assert!(
            err.contains("owner \"team-orders\" has two budgets, \"orders\" and \"orders-2\""),
            "{err}"
        );
    }

    const OWNERS: [&str; 2] = ["team-orders", "someone-else"];
    const SIZES: [&str; 4] = ["small", "medium", "large", "xlarge"];

    proptest::proptest! {
        /// Claims admitted one by one in request order: the owner's admitted claims never
        /// exceed the limit, and a claim is denied exactly when adding it to the claims
        /// admitted before it would exceed the limit (a plain recount, not a running total).
        #[test]
        fn admitted_claims_fit_the_budget_and_only_crossing_claims_are_denied(
            limit_cents in 0i64..250_000,
            stored in proptest::collection::vec((0usize..6, 0usize..2, 0usize..4), 0..5),
            // Each step: claim 0..6, owner 0..2, a size, or a delete.
            steps in proptest::collection::vec(
                (0usize..6, 0usize..2, proptest::option::weighted(0.8, 0usize..4)),
                0..8,
            ),
        ) {
            let limit = Money::from_cents(limit_cents);
            let mut engine = Guardrails::new();
            engine
                .add_budget(Budget {
                    name: "orders".into(),
                    owner: "team-orders".into(),
                    monthly_limit: limit,
                    mode: Mode::Enforce,
                })
                .unwrap();
            let prices = engine.price_list().clone();
            let claim = |i: usize, owner: usize, size: usize| {
                db(&format!("db-{i}"), SIZES[size], OWNERS[owner])
            };
            // What the store holds, by claim name (a later entry of one name replaces the first).
            let mut state: BTreeMap<String, DynamicObject> = BTreeMap::new();
            for &(i, owner, size) in &stored {
                let object = claim(i, owner, size);
                state.insert(object.metadata.name.clone(), object);
            }
            let stored: Vec<DynamicObject> = state.values().cloned().collect();
            let total = |state: &BTreeMap<String, DynamicObject>| -> Money {
                state
                    .values()
                    .filter(|o| owner_of(o, DEFAULT_OWNER_LABEL) == "team-orders")
                    .map(|o| prices.monthly(o))
                    .sum()
            };
            let started_within = total(&state) <= limit;
            let requests: Vec<AdmissionRequest> = steps
                .iter()
                .map(|&(i, owner, size)| {
                    let name = format!("db-{i}");
                    let old = state.get(&name).cloned().map(std::sync::Arc::new);
                    match size {
                        None => AdmissionRequest {
                            operation: Operation::Delete,
                            object: old.as_deref().cloned().unwrap_or_else(|| claim(i, owner, 0)),
                            old_object: old,
                            origin: None,
                        },
                        Some(size) => AdmissionRequest {
                            operation: if old.is_some() { Operation::Update } else { Operation::Create },
                            object: claim(i, owner, size),
                            old_object: old,
                            origin: None,
                        },
                    }
                })
                .collect();
            let found = check_budgets(
                engine.budgets(),
                &prices,
                DEFAULT_OWNER_LABEL,
                &stored,
                &requests,
            );
            let denied: Vec<usize> = found.iter().map(|e| e.index).collect();
            // The model: apply each request unless it raises team-orders' cost past the limit.
            let mut expected = Vec::new();
            for (index, request) in requests.iter().enumerate() {
                let name = request.object.metadata.name.clone();
                if request.operation == Operation::Delete {
                    state.remove(&name);
                    continue;
                }
                let mut with = state.clone();
                with.insert(name.clone(), request.object.clone());
                let raises = total(&with) > total(&state);
                if owner_of(&request.object, DEFAULT_OWNER_LABEL) == "team-orders"
                    && raises
                    && total(&with) > limit
                {
                    expected.push(index);
                } else {
                    state = with;
                }
                if started_within {
                    proptest::prop_assert!(total(&state) <= limit);
                }
            }
            proptest::prop_assert_eq!(&denied, &expected);
            for e in &found {
                let with = e.total_before - e.previous_cost.unwrap_or_default() + e.cost;
                proptest::prop_assert!(with > e.limit, "{}", e.message);
                proptest::prop_assert!(e.message.contains(&format!("this claim costs {} USD", e.cost))
                    || e.message.contains(&format!("this claim would cost {} USD", e.cost)), "{}", e.message);
            }
        }
    }
}
