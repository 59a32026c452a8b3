//! One module per verb.

pub mod crd;
pub mod kinds;
pub mod render;
pub mod schema;
pub mod validate;
