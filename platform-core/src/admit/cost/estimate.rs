//! Estimates of objects and requests, and totals per owner.

use std::collections::BTreeMap;

use super::{Estimate, Money, PriceList};
use crate::admit::exception::NO_OWNER;
use crate::admit::intent::{OFFERING_ANNOTATION, OFFERING_PRICE_ANNOTATION};
use crate::admit::{AdmissionRequest, Operation};
use crate::model::DynamicObject;

/// What a request changes in the monthly cost of one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostChange {
    /// The monthly price before the request (zero for a create).
    pub before: Money,
    /// The monthly price after it (zero for a delete).
    pub after: Money,
}

impl CostChange {
    /// After minus before.
    pub fn delta(&self) -> Money {
        self.after - self.before
    }
}

/// The owner of an object: the value of its owner label, [`NO_OWNER`] when absent or empty.
pub fn owner_of<'a>(object: &'a DynamicObject, owner_label: &str) -> &'a str {
    object
        .metadata
        .labels
        .get(owner_label)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .unwrap_or(NO_OWNER)
}

impl PriceList {
    /// The monthly price of an object; `None` when its kind has no price. A claim served by
    /// an offering chosen for its intent costs the offering's price.
    pub fn estimate(&self, object: &DynamicObject) -> Option<Estimate> {
        if let Some(price) = offering_price(object) {
            return Some(price);
        }
        self.estimate_spec(&object.kind, &object.spec)
    }

    /// The monthly price of an object, zero when its kind has no price.
    pub fn monthly(&self, object: &DynamicObject) -> Money {
        self.estimate(object).map_or(Money::ZERO, |e| e.monthly)
    }

    /// The change a request makes to the monthly cost of its object.
    pub fn change(&self, request: &AdmissionRequest) -> CostChange {
        let stored = request.old_object.as_deref();
        match request.operation {
            Operation::Create => CostChange {
                before: stored.map_or(Money::ZERO, |o| self.monthly(o)),
                after: self.monthly(&request.object),
            },
            Operation::Update => CostChange {
                before: stored.map_or(Money::ZERO, |o| self.monthly(o)),
                after: self.monthly(&request.object),
            },
            Operation::Delete => CostChange {
                before: self.monthly(stored.unwrap_or(&request.object)),
                after: Money::ZERO,
            },
        }
    }

    /// The monthly total of every owner (objects without one under [`NO_OWNER`]).
    pub fn totals_by_owner<'a>(
        &self,
        objects: impl IntoIterator<Item = &'a DynamicObject>,
        owner_label: &str,
    ) -> BTreeMap<String, Money> {
        let mut totals: BTreeMap<String, Money> = BTreeMap::new();
        for object in objects {
            let amount = self.monthly(object);
            let owner = owner_of(object, owner_label);
            match totals.get_mut(owner) {
                Some(total) => *total += amount,
                None => {
                    totals.insert(owner.to_owned(), amount);
                }
            }
        }
        totals
    }
}

/// The price of the offering chosen for an object's intent, from its annotations.
fn offering_price(object: &DynamicObject) -> Option<Estimate> {
    let annotations = &object.metadata.annotations;
    let name = annotations.get(OFFERING_ANNOTATION)?;
    let amount: rust_decimal::Decimal = annotations.get(OFFERING_PRICE_ANNOTATION)?.parse().ok()?;
    let monthly = Money::from_decimal(amount);
    Some(Estimate {
        monthly,
        lines: vec![super::EstimateLine {
            item: format!("offering {name}"),
            amount: monthly,
        }],
    })
}
