//! Team budgets: `kind: Budget`, a monthly limit per owner. A request that would push an owner's
//! monthly total over its limit is denied (Enforce) or warned about (Warn).
//!
//! ```yaml
//! apiVersion: platform.dev/v1alpha1
//! kind: Budget
//! metadata: {name: payments}
//! spec: {owner: team-payments, monthlyLimit: 2000, mode: Enforce}
//! ```

use std::collections::{BTreeMap, HashMap};

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

/// A budget a request would break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetExceeded {
    /// The budget's name.
    pub budget: String,
    /// Enforce or Warn.
    pub mode: Mode,
    /// The request object that raises the owner's cost (the first one, when several do).
    pub object: ObjectRef,
    /// Index of that object in the request.
    pub index: usize,
    /// The message naming owner, limit, current and new total.
    pub message: String,
}

/// The budgets a request breaks: those whose owner's new total is over the limit and higher than
/// the current total (a request that lowers an owner's cost always passes).
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
    let budgeted = |owner: &str| budgets.iter().any(|b| b.owner == owner);
    let mut current: BTreeMap<&str, Money> = BTreeMap::new();
    let mut after: HashMap<ObjectRef, (String, Money)> = HashMap::new();
    for object in stored {
        let owner = owner_of(object, owner_label);
        if !budgeted(owner) {
            continue;
        }
        let amount = prices.monthly(object);
        *current.entry(owner).or_default() += amount;
        after.insert(object.object_ref(), (owner.to_owned(), amount));
    }
    // Which request object first raises each owner's cost.
    let mut raisers: BTreeMap<String, (usize, ObjectRef)> = BTreeMap::new();
    let mut changed: BTreeMap<String, Money> = BTreeMap::new();
    for (index, request) in requests.iter().enumerate() {
        let key = request.object.object_ref();
        let previous = after.remove(&key);
        let before_amount = previous.as_ref().map_or(Money::ZERO, |(_, m)| *m);
        if let Some((owner, amount)) = &previous {
            *changed.entry(owner.clone()).or_default() += Money::ZERO - *amount;
        }
        if request.operation == super::Operation::Delete {
            continue;
        }
        let owner = owner_of(&request.object, owner_label);
        if !budgeted(owner) {
            continue;
        }
        let amount = prices.monthly(&request.object);
        *changed.entry(owner.to_owned()).or_default() += amount;
        let moved = previous.as_ref().is_some_and(|(o, _)| o != owner);
        if (amount > before_amount || moved) && amount > Money::ZERO {
            raisers
                .entry(owner.to_owned())
                .or_insert_with(|| (index, key.clone()));
        }
        after.insert(key, (owner.to_owned(), amount));
    }
    let mut exceeded = Vec::new();
    for budget in budgets {
        let now = current
            .get(budget.owner.as_str())
            .copied()
            .unwrap_or_default();
        let new = now + changed.get(&budget.owner).copied().unwrap_or_default();
        if new <= budget.monthly_limit || new <= now {
            continue;
        }
        let Some((index, object)) = raisers.get(&budget.owner).cloned() else {
            continue;
        };
        let currency = prices.currency();
        exceeded.push(BudgetExceeded {
            budget: budget.name.clone(),
            mode: budget.mode,
            object,
            index,
            message: format!(
                "owner {} would exceed its monthly budget: limit {} {currency}, current total {} {currency}, new total {} {currency}",
                budget.owner, budget.monthly_limit, now, new
            ),
        });
    }
    exceeded
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::admit::tests::{admit_in, create, database, engine_from};
    use crate::admit::{AdmissionRequest, Operation};
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
    fn a_request_over_the_limit_is_denied_with_owner_limit_and_totals() {
        let engine = engine_from("budgets.yaml", BUDGET).unwrap();
        let stored = [
            db("a", "small", "team-orders"),
            db("z", "xlarge", "someone-else"),
        ];
        let outcome = admit_in(
            &engine,
            "production",
            &stored,
            vec![
                create(db("b", "small", "team-orders"), "b.yaml:1:1"),
                create(db("c", "medium", "team-orders"), "c.yaml:1:1"),
            ],
        );
        assert_eq!(outcome.denials.len(), 1);
        assert_eq!(
            outcome.denials[0].to_string(),
            "b.yaml:1:1: DatabaseClaim default/b denied by policy \"budget/orders\": owner team-orders would exceed its monthly budget: limit 129.80 USD, current total 27.40 USD, new total 157.20 USD"
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
                .contains("limit 129.80 USD, current total 0.00 USD, new total 1602.40 USD"),
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
        assert!(
            outcome.denials[0]
                .message
                .contains("current total 0.00 USD, new total 402.40 USD")
        );
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
}
