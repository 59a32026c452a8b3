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
use super::policy::Mode;
use super::reader::{Reader, child, describe};
use crate::load::{Diagnostic, Document, PathSegment};
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
        let mut r = Reader::new(doc);
        let name = r.header(doc, 63).unwrap_or_default();
        let spec_path = [PathSegment::Key("spec".into())];
        let Some(spec) = r.required(&doc.root, &[], "spec", "a mapping") else {
            return Err(r.problems);
        };
        if r.mapping(spec, &spec_path, &["owner", "monthlyLimit", "mode"])
            .is_none()
        {
            return Err(r.problems);
        }
        let owner = r
            .required(spec, &spec_path, "owner", "the owner label value it limits")
            .and_then(|n| r.string(n, &child(&spec_path, "owner")));
        let limit = r
            .required(spec, &spec_path, "monthlyLimit", "a monthly amount")
            .and_then(|n| r.amount(n, &child(&spec_path, "monthlyLimit")));
        let mode = match spec.get("mode") {
            None => Some(Mode::Enforce),
            Some(n) => match n.as_str() {
                Some("Enforce") => Some(Mode::Enforce),
                Some("Warn") => Some(Mode::Warn),
                _ => {
                    r.fail(
                        n.location,
                        &child(&spec_path, "mode"),
                        format!("expected Enforce or Warn, found {}", describe(n)),
                    );
                    None
                }
            },
        };
        match (owner, limit, mode) {
            (Some(owner), Some(limit), Some(mode)) if r.problems.is_empty() => Ok(Budget {
                name,
                owner,
                monthly_limit: Money::from_units(limit),
                mode,
            }),
            _ => Err(r.problems),
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
