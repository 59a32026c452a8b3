//! The choice: the cheapest offering that satisfies every stated need (ties by name), kept
//! while it still satisfies them (hysteresis), with every candidate's verdict for `explain`.

use std::cmp::Ordering;
use std::fmt;

use super::offering::Offering;
use crate::kinds::Need;

/// A need an offering does not meet.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmet {
    /// The need.
    pub need: Need,
    /// What the intent asks.
    pub required: f64,
    /// What the offering provides; `None` when it does not say (which never meets a need).
    pub offered: Option<f64>,
}

impl fmt::Display for Unmet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = if self.need.at_most() {
            "at most"
        } else {
            "at least"
        };
        match self.offered {
            Some(offered) => write!(
                f,
                "{} requires {bound} {}, offers {}",
                self.need.name(),
                self.required,
                offered
            ),
            None => write!(
                f,
                "{} requires {bound} {}, offers nothing stated",
                self.need.name(),
                self.required
            ),
        }
    }
}

/// One offering judged against an intent.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<'o> {
    /// The offering.
    pub offering: &'o Offering,
    /// The needs it does not meet; empty when it is feasible.
    pub unmet: Vec<Unmet>,
}

impl Candidate<'_> {
    /// Whether it meets every stated need.
    pub fn feasible(&self) -> bool {
        self.unmet.is_empty()
    }
}

/// Whether `offering` meets one need: a need it does not state is unmet.
fn meets(offering: &Offering, need: Need, required: f64) -> bool {
    offering
        .offered(need)
        .is_some_and(|v| need.met_by(required, v))
}

/// Whether `offering` meets every need (what [`unmet_needs`] finds empty, without allocating).
pub fn feasible(needs: &[(Need, f64)], offering: &Offering) -> bool {
    needs
        .iter()
        .all(|&(need, required)| meets(offering, need, required))
}

/// The needs `offering` does not meet.
pub fn unmet_needs(needs: &[(Need, f64)], offering: &Offering) -> Vec<Unmet> {
    needs
        .iter()
        .filter(|&&(need, required)| !meets(offering, need, required))
        .map(|&(need, required)| Unmet {
            need,
            required,
            offered: offering.offered(need),
        })
        .collect()
}

/// Orders offerings by price, then name: the order "cheapest" means.
fn by_price(a: &Offering, b: &Offering) -> Ordering {
    a.monthly_price
        .total_cmp(&b.monthly_price)
        .then_with(|| a.name.cmp(&b.name))
}

/// Why the chosen offering is the one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The cheapest feasible offering.
    Cheapest,
    /// The current offering still satisfies the intent, so the claim stays where it is.
    Kept,
    /// Nothing satisfies the intent.
    Infeasible,
}

/// The decision for one intent.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice<'o> {
    /// The needs decided on.
    needs: Vec<(Need, f64)>,
    /// Every offering that serves the claim, in price order.
    offerings: Vec<&'o Offering>,
    /// The chosen offering.
    pub chosen: Option<&'o Offering>,
    /// Why it was chosen.
    pub reason: Reason,
    /// When the current offering was kept: the cheapest feasible one, if it is cheaper
    /// (`apply --reoptimize` moves there).
    pub cheaper: Option<&'o Offering>,
}

impl<'o> Choice<'o> {
    /// Every offering that serves the claim judged against the needs, in price order (made
    /// when asked: deciding needs no list of unmet needs).
    pub fn candidates(&self) -> Vec<Candidate<'o>> {
        self.offerings
            .iter()
            .map(|&offering| Candidate {
                offering,
                unmet: unmet_needs(&self.needs, offering),
            })
            .collect()
    }

    /// The candidate closest to satisfying: fewest unmet needs, then price.
    pub fn closest(&self) -> Option<Candidate<'o>> {
        // Candidates are in price order, so the first with the fewest unmet needs wins ties.
        self.candidates().into_iter().min_by_key(|c| c.unmet.len())
    }

    /// One line saying why the pick won (or that nothing could).
    pub fn explanation(&self) -> String {
        match (self.chosen, self.reason) {
            (Some(o), Reason::Kept) => match self.cheaper {
                Some(c) => format!(
                    "{} is kept: it still satisfies every need ({} is cheaper at {:.2}; apply --reoptimize moves there)",
                    o.name, c.name, c.monthly_price
                ),
                None => format!(
                    "{} is kept: it still satisfies every need and nothing feasible is cheaper",
                    o.name
                ),
            },
            (Some(o), _) => format!(
                "{} is the cheapest offering that satisfies every need ({:.2} a month)",
                o.name, o.monthly_price
            ),
            (None, _) => match self.closest() {
                Some(c) => format!(
                    "no offering satisfies every need; closest is {} ({:.2} a month): {}",
                    c.offering.name,
                    c.offering.monthly_price,
                    c.unmet
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                None => "no offering serves this claim".to_owned(),
            },
        }
    }
}

/// Chooses among `offerings` (those serving the claim) for `needs`: the current offering
/// while it still satisfies them, else the cheapest that does, ties broken by name.
pub fn choose<'o>(
    needs: &[(Need, f64)],
    offerings: impl IntoIterator<Item = &'o Offering>,
    current: Option<&str>,
) -> Choice<'o> {
    let mut offerings: Vec<&'o Offering> = offerings.into_iter().collect();
    offerings.sort_unstable_by(|a, b| by_price(a, b));
    let cheapest = offerings.iter().copied().find(|o| feasible(needs, o));
    let kept = current.and_then(|name| {
        offerings
            .iter()
            .copied()
            .find(|o| o.name == name && feasible(needs, o))
    });
    let (chosen, reason, cheaper) = match kept {
        Some(kept) => (
            Some(kept),
            Reason::Kept,
            cheapest.filter(|c| c.monthly_price < kept.monthly_price),
        ),
        None if cheapest.is_some() => (cheapest, Reason::Cheapest, None),
        None => (None, Reason::Infeasible, None),
    };
    Choice {
        needs: needs.to_vec(),
        offerings,
        chosen,
        reason,
        cheaper,
    }
}
