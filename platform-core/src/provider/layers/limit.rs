use async_trait::async_trait;
use std::sync::Arc;
use tokio::sync::Semaphore;

use crate::provider::{Applied, Found, ManagedResource, Observation, Provider, ProviderError};

/// Allows at most a fixed number of calls into the wrapped provider at once.
pub struct ConcurrencyLimit {
    inner: Arc<dyn Provider>,
    permits: Semaphore,
}

impl ConcurrencyLimit {
    /// Wraps a provider; a limit of 0 is taken as 1.
    pub fn new(inner: Arc<dyn Provider>, limit: usize) -> Self {
        ConcurrencyLimit {
            inner,
            permits: Semaphore::new(limit.max(1)),
        }
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ProviderError> {
        self.permits
            .acquire()
            .await
            .map_err(|_| ProviderError::transient("provider concurrency limit closed"))
    }
}

/// Forwards every method of [`Provider`]: the compiler says so when the trait grows.
#[deny(clippy::missing_trait_methods)]
#[async_trait]
impl Provider for ConcurrencyLimit {
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
        let _permit = self.permit().await?;
        self.inner.observe(resource).await
    }
    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        let _permit = self.permit().await?;
        self.inner.create(resource).await
    }
    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        let _permit = self.permit().await?;
        self.inner.update(resource).await
    }
    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        let _permit = self.permit().await?;
        self.inner.delete(resource).await
    }
    async fn adopt(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        let _permit = self.permit().await?;
        self.inner.adopt(resource).await
    }
    async fn inventory(&self) -> Result<Option<Vec<Found>>, ProviderError> {
        let _permit = self.permit().await?;
        self.inner.inventory().await
    }
    async fn observe_many(
        &self,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        let _permit = self.permit().await;
        self.inner.observe_many(resources).await
    }
}
