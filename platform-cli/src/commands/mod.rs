//! One module per verb.

pub mod crd;
pub mod kinds;
pub mod schema;
pub mod validate;
