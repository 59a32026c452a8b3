//! Intent: claims that say what they need (`spec.intent`) instead of a size, served by the
//! cheapest [`Offering`] that satisfies every need, explained, with hysteresis.
//!
//! ```
//! use platform_core::admit::intent::{Offering, choose};
//! use platform_core::kinds::Need;
//!
//! let offer = |name: &str, reads: f64, price: f64| Offering {
//!     name: name.into(),
//!     claim_kind: "DatabaseClaim".into(),
//!     engine: None,
//!     environments: vec![],
//!     capacity: [(Need::ReadsPerSecond, reads)].into(),
//!     availability: Some(99.9),
//!     monthly_price: price,
//!     sets: Default::default(),
//!     origin: "offerings.yaml:1:1".into(),
//! };
//! let offerings = [offer("small", 1000.0, 25.0), offer("large", 20000.0, 400.0)];
//! let choice = choose(&[(Need::ReadsPerSecond, 10000.0)], &offerings, None);
//! assert_eq!(choice.chosen.map(|o| o.name.as_str()), Some("large"));
//! ```

mod choose;
mod explain;
mod offering;
mod resolve;

pub use choose::{Candidate, Choice, Reason, Unmet, choose, feasible, unmet_needs};
pub use explain::{explain_item, explain_text};
pub use offering::{
    EXAMPLE_OFFERINGS, OFFERING_KIND, Offering, example_offerings, offerings_from_documents,
    parse_availability,
};
pub use resolve::{
    IntentNote, IntentResolver, OFFERING_ANNOTATION, OFFERING_PRICE_ANNOTATION, intent_needs,
};

#[cfg(test)]
mod tests;
