//! Cost: a price catalog (`kind: PriceList`), estimates per object and per request, totals per
//! owner.

mod estimate;
mod money;
mod price_list;

pub use estimate::{CostChange, owner_of};
pub use money::Money;
pub use price_list::{Estimate, EstimateLine, KindPrice, PriceList};

#[cfg(test)]
mod tests;
