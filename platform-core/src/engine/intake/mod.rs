//! Intake: what happens to a request before anything is reconciled. Objects are checked
//! against their kinds (`check.rs`), admitted through the admission hook (`admit.rs`) and
//! their desired state stored (`store.rs`).

mod admit;
mod check;
mod store;

pub(crate) use admit::Admitted;
pub(crate) use check::no_duplicates;
