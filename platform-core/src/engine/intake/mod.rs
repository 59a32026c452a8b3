//! Intake: what happens to a request before anything is reconciled. Objects are checked
//! against their kinds (`check.rs`), admitted through the admission hook (`admit.rs`) and
//! their desired state stored (`store.rs`). An Application whose placeholders no chosen
//! composition can fill is refused first (`outputs.rs`).

mod admit;
mod check;
mod outputs;
mod store;

pub(crate) use admit::Admitted;
pub(crate) use check::no_duplicates;
