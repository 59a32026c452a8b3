//! Pure patch-and-transform composition engine with the semantics of Crossplane's
//! `function-patch-and-transform`, over `serde_json::Value`.
//!
//! # Where behaviour differs from the Crossplane function, and why
//!
//! - **Integers stay integers.** Crossplane turns every number into a float64; here `%d` on an
//!   integer prints the number, Multiply of integers gives an integer (overflow is an error,
//!   not a silent float), and `%v`/`%s` print integers without `.0`. A claim's `storageGiB: 20`
//!   must not become `20.0` in a provider's spec.
//! - **Formatting is a little looser:** `%s` accepts any value (printed like `%v`) and `%d`
//!   accepts a float with an integral value; `%c`, `%U`, argument indexes and `*` widths are
//!   not supported and print a wrong-verb marker.
//! - **Reading through a value of the wrong type counts as missing** (the patch is skipped, or
//!   warned about when Required); Crossplane fails the render.
//! - **Merges keep an existing value unless it is null**; mergo also overwrites `""`, `0` and
//!   `false`, a quirk not reproduced.
//! - **ClampMin/ClampMax compare floats as floats**; Crossplane truncates to an integer first.
//! - **A missing transform `type` is inferred** from the single configuration present, as
//!   Crossplane's migration tool does; `toType: int` with `format: quantity` rounds up like
//!   Kubernetes' `Quantity.Value()`.
//! - **Regexes** use Rust's `regex` crate (RE2-like syntax, nearly identical to Go's).
//! - **Render output** is the whole composite with patches and its `Ready` condition applied
//!   (the function returns only its overlay); the unready message lists every name in
//!   composition order; composed names are `<composite>-<resource>` rather than a random
//!   `generateName` suffix, so renders are reproducible.
//! - **A resource whose readiness checks are all `None`** counts as ready even before it is
//!   observed.
//! - **Loading** allows one function-patch-and-transform step per pipeline, requires `name`
//!   and `base` on every template, ignores legacy `environmentConfigs` (the caller supplies the
//!   environment) and reports every problem at once instead of the first.
//! - **Only connection details from a connection secret are secrets.** A detail read from a
//!   field (`fromFieldPath`) or given as a `value` becomes the composite's
//!   `status.outputs.NAME` (unless a patch wrote that output) rather than a key of the
//!   connection secret, so a database's host or user name is never masked as if it were a
//!   password.
//! - **Wildcards** (`[*]`) also expand in Combine patches.
//! - A Required patch whose source is missing leaves out a resource that does not exist yet
//!   (the composite is not ready, with a warning); for one that exists, the patch is skipped
//!   with a warning, as current Crossplane does, so an existing resource is never dropped.

// The composition model, its errors and the renderer are the public surface; how paths are
// parsed, Go formats printed, quantities read and readiness judged stays inside.
pub mod composition;
pub mod connection;
pub mod error;
mod fieldpath;
/// Compositions and composites for tests and benchmarks (feature `fixtures`).
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
mod gofmt;
pub mod patch;
mod provides;
mod quantity;
mod readiness;
pub mod render;
pub mod transform;

pub use fieldpath::{FieldPath, MergePolicy, Segment};
