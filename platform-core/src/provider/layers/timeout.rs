use async_trait::async_trait;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::provider::{Applied, Found, ManagedResource, Observation, Provider, ProviderError};

/// Fails a call that takes longer than a limit with a transient error.
pub struct Timeout {
    inner: Arc<dyn Provider>,
    limit: Duration,
}

impl Timeout {
    /// Wraps a provider.
    pub fn new(inner: Arc<dyn Provider>, limit: Duration) -> Self {
        Timeout { inner, limit }
    }

    async fn run<T>(
        &self,
        operation: &str,
        resource: &ManagedResource,
        call: impl Future<Output = Result<T, ProviderError>>,
    ) -> Result<T, ProviderError> {
        match tokio::time::timeout(self.limit, call).await {
            Ok(result) => result,
            Err(_) => Err(ProviderError::transient(format!(
                "{} {operation} of {} {} timed out after {:?}",
                self.inner.name(),
                resource.kind(),
                resource.external_name,
                self.limit
            ))),
        }
    }
}

/// Forwards every method of [`Provider`]: the compiler says so when the trait grows.
#[deny(clippy::missing_trait_methods)]
#[async_trait]
impl Provider for Timeout {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn kinds(&self) -> Vec<(String, String)> {
        self.inner.kinds()
    }
    fn private_inventory(&self) -> bool {
        self.inner.private_inventory()
    }
    async fn observe(&self, resource: &ManagedResource) -> Result<Observation, ProviderError> {
        self.run("observe", resource, self.inner.observe(resource))
            .await
    }
    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.run("create", resource, self.inner.create(resource))
            .await
    }
    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.run("update", resource, self.inner.update(resource))
            .await
    }
    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        self.run("delete", resource, self.inner.delete(resource))
            .await
    }
    async fn adopt(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.run("adopt", resource, self.inner.adopt(resource))
            .await
    }
    async fn inventory(&self) -> Result<Option<Vec<Found>>, ProviderError> {
        match tokio::time::timeout(self.limit, self.inner.inventory()).await {
            Ok(result) => result,
            Err(_) => Err(ProviderError::transient(format!(
                "{} inventory timed out after {:?}",
                self.inner.name(),
                self.limit
            ))),
        }
    }
    async fn observe_many(
        &self,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        self.inner.observe_many(resources).await
    }
}
