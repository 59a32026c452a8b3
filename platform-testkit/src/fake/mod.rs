//! A stateful in-memory fake cloud and a fake provider on top of it, with seeded latency,
//! injected faults (the [`layers`](crate::layers) in front of it), out-of-band drift and a
//! call recorder.
//!
//! ```
//! use platform_core::provider::{ManagedResource, Provider};
//! use platform_testkit::fake::{FakeProvider, Operation};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let fake = FakeProvider::builder([("fake.dev/v1", "FakeDatabase")]).build().unwrap();
//! let object = serde_json::from_value(serde_json::json!({
//!     "apiVersion": "fake.dev/v1", "kind": "FakeDatabase",
//!     "metadata": {"name": "orders", "namespace": "team-a"},
//!     "spec": {"connectionLimit": 20}
//! })).unwrap();
//! let resource = ManagedResource::new(object);
//! fake.create(&resource).await.unwrap();
//! fake.cloud()
//!     .drift_change("fake.dev/v1", "FakeDatabase", "team-a-orders", "spec.connectionLimit", 99.into())
//!     .unwrap();
//! let seen = fake.observe(&resource).await.unwrap();
//! assert!(seen.exists && !seen.up_to_date);
//! assert_eq!(seen.diff[0].path, "spec.connectionLimit");
//! fake.assert_called(Operation::Create, "team-a-orders");
//! # });
//! ```

mod builder;
mod cloud;
mod drift;
mod error;
mod provider;
mod snapshot;

pub use builder::FakeProviderBuilder;
pub use cloud::{FAKE_HOST, FAKE_PORT, FakeCloud, RealResource, RealResourceKey};
pub use error::{FakeCloudError, FakeConfigError};
pub use provider::FakeProvider;

// What configuring and asserting on a fake takes, at hand beside it.
pub use crate::layers::{Delay, Fault, FaultEffect, HANG, Operation};
pub use crate::recorder::{Call, CallRecorder};
