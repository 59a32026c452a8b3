//! Test utilities of the platform SDK: a product, not a test folder.
//!
//! - [`fake`]: a stateful in-memory fake cloud ([`fake::FakeCloud`]) and a fake provider
//!   ([`fake::FakeProvider`]) for any managed kinds, with seeded latency, injected faults
//!   (transient, permanent, not found, hangs, lost responses), out-of-band drift, a
//!   strict-create mode that makes double creates visible, and a call recorder.
//! - [`layers`]: latency, faults and drift as layers that wrap any provider, real or your own.
//! - [`recorder`]: the record of provider calls the fake keeps, with assertions.
//! - [`conformance`]: the suites every provider ([`conformance::provider_conformance`]) and
//!   every state store ([`conformance::store_conformance`]) runs, returning a report with one
//!   line per check.
//! - [`harness`]: an engine on the in-memory store with the fake provider, restartable, with
//!   assertions for convergence, readiness, duplicates and leaks, and a ready-made composition.
//! - [`real`]: the runner of real-service suites: on with `PLATFORM_REAL_SERVICES=1` (then an
//!   unreachable service fails), otherwise left out with a notice saying how to run them.
//! - [`strategies`]: proptest strategies generating valid objects of every built-in claim
//!   kind, so a platform team can fuzz its own validation, policies and compositions.

pub mod conformance;
pub mod fake;
pub mod harness;
pub mod layers;
pub mod real;
pub mod recorder;
pub mod strategies;
