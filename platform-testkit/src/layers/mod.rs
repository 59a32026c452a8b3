//! Layers that wrap any [`Provider`](platform_core::provider::Provider) and implement the same
//! trait, in the manner of object_store's `ThrottledStore`: [`Latency`] delays calls,
//! [`Faults`] injects errors, hangs and lost responses, [`Drift`] shows out-of-band changes
//! in what observe returns. Put them in front of a real adapter, a provider of your own or
//! the [`FakeProvider`](crate::fake::FakeProvider) (whose builder composes the first two).
//! Each forwards every method of the trait, checked by the compiler.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use platform_core::provider::Provider;
//! use platform_testkit::layers::{Delay, Drift, Fault, Faults, Latency, Operation};
//!
//! # fn wrap(real: Arc<dyn Provider>) -> Result<(), Box<dyn std::error::Error>> {
//! let drift = Arc::new(Drift::new(real));
//! let faults = Arc::new(Faults::new(drift.clone()).seed(3));
//! faults.add(Operation::Update, Fault::transient().times(2))?;
//! let slow = Latency::new(faults.clone()).seed(3);
//! slow.set_all(Delay::fixed(Duration::from_millis(20)))?;
//! let provider: Arc<dyn Provider> = Arc::new(slow);
//! // ... run the engine on `provider`; change drift and faults through `drift` and `faults` ...
//! # Ok(()) }
//! ```

mod drift;
mod error;
mod faults;
mod latency;
mod operation;

pub use drift::Drift;
pub(crate) use drift::{DriftPath, Root};
pub use error::{DriftPathError, LayerConfigError};
pub use faults::{Fault, FaultEffect, Faults, HANG};
pub use latency::{Delay, Latency};
pub use operation::Operation;
