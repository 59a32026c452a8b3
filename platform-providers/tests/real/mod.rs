//! The runner of real-service suites (`platform_testkit::real`), under the name the suites of
//! this crate use: each `tests/<adapter>.rs` starts with `#[path = "real/mod.rs"] mod real;`.

#![allow(unused_imports)]

pub use platform_testkit::real::*;
