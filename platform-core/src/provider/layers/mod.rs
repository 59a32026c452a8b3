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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DynamicObject;
    use crate::provider::{Applied, Found, ManagedResource, Observation, ProviderError};
    use crate::secret::{SecretMap, SecretValue};
    use async_trait::async_trait;

    /// Answers adopt with a fresh password and lists one resource; observes nothing.
    struct Issuing;

    #[async_trait]
    impl Provider for Issuing {
        fn name(&self) -> &str {
            "issuing"
        }
        fn kinds(&self) -> Vec<(String, String)> {
            vec![("x/v1".into(), "Role".into())]
        }
        async fn observe(&self, _: &ManagedResource) -> Result<Observation, ProviderError> {
            Ok(Observation::absent())
        }
        async fn create(&self, _: &ManagedResource) -> Result<Applied, ProviderError> {
            Err(ProviderError::permanent("not in this test"))
        }
        async fn update(&self, _: &ManagedResource) -> Result<Applied, ProviderError> {
            Err(ProviderError::permanent("not in this test"))
        }
        async fn delete(&self, _: &ManagedResource) -> Result<(), ProviderError> {
            Ok(())
        }
        async fn adopt(&self, _: &ManagedResource) -> Result<Applied, ProviderError> {
            let mut secrets = SecretMap::new();
            secrets.insert("password", SecretValue::new("fresh-from-adopt"));
            Ok(Applied {
                pending: false,
                outputs: Default::default(),
                secrets,
            })
        }
        fn private_inventory(&self) -> bool {
            true
        }
        async fn inventory(&self) -> Result<Option<Vec<Found>>, ProviderError> {
            Ok(Some(vec![Found {
                resource: role(),
                owner: None,
            }]))
        }
    }

    fn role() -> ManagedResource {
        let object: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "x/v1", "kind": "Role", "metadata": {"name": "r"}, "spec": {}
        }))
        .unwrap();
        ManagedResource::new(object)
    }

    #[tokio::test]
    async fn every_layer_forwards_adopt_and_inventory() {
        let base: Arc<dyn Provider> = Arc::new(Issuing);
        for (layer, wrapped) in [
            ("timeout", base.clone().with_timeout(Duration::from_secs(5))),
            ("retry", base.clone().with_retry(2)),
            ("limit", base.clone().with_concurrency_limit(1)),
        ] {
            // The default adopt observes, finds nothing and hands out no password: a layer
            // that forgot to forward adopt loses the fresh credentials of crash recovery.
            let adopted = wrapped.adopt(&role()).await.unwrap();
            assert_eq!(
                adopted
                    .secrets
                    .get("password")
                    .map(|p| p.expose().to_owned()),
                Some("fresh-from-adopt".to_owned()),
                "{layer}"
            );
            let listed = wrapped.inventory().await.unwrap();
            assert_eq!(listed.map(|l| l.len()), Some(1), "{layer}");
            assert!(wrapped.private_inventory(), "{layer}");
        }
    }
}
