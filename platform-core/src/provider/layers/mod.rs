//! Layers that wrap any provider and implement the same trait, in the manner of tower:
//! timeouts, retries with backoff, and a limit on concurrent calls.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use platform_core::provider::Provider;
//! use platform_core::provider::layers::ProviderExt;
//!
//! fn wrap(provider: Arc<dyn Provider>) -> Arc<dyn Provider> {
//!     provider
//!         .with_timeout(Duration::from_secs(30))
//!         .with_retry(3)
//!         .with_concurrency_limit(8)
//! }
//! ```

mod limit;
mod retry;
mod timeout;

pub use limit::ConcurrencyLimit;
pub use retry::Retry;
pub use timeout::Timeout;

use std::sync::Arc;
use std::time::Duration;

use super::Provider;

/// Builder methods that wrap a provider in a layer.
pub trait ProviderExt {
    /// Fails calls that take longer than `limit` with a transient error.
    fn with_timeout(self, limit: Duration) -> Arc<dyn Provider>;
    /// Retries transient errors up to `attempts` more times with exponential backoff.
    fn with_retry(self, attempts: u32) -> Arc<dyn Provider>;
    /// Allows at most `limit` calls at once.
    fn with_concurrency_limit(self, limit: usize) -> Arc<dyn Provider>;
}

impl ProviderExt for Arc<dyn Provider> {
    fn with_timeout(self, limit: Duration) -> Arc<dyn Provider> {
        Arc::new(Timeout::new(self, limit))
    }

    fn with_retry(self, attempts: u32) -> Arc<dyn Provider> {
        Arc::new(Retry::new(self, attempts))
    }

    fn with_concurrency_limit(self, limit: usize) -> Arc<dyn Provider> {
        Arc::new(ConcurrencyLimit::new(self, limit))
    }
}
