use async_trait::async_trait;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::provider::Backoff;
use crate::provider::{Applied, Found, ManagedResource, Observation, Provider, ProviderError};

/// Retries transient errors with exponential backoff; other errors return at once.
pub struct Retry {
    inner: Arc<dyn Provider>,
    attempts: u32,
    backoff: Backoff,
}

impl Retry {
    /// Wraps a provider; `attempts` extra tries after the first, from 50 ms doubling to 2 s.
    pub fn new(inner: Arc<dyn Provider>, attempts: u32) -> Self {
        Retry {
            inner,
            attempts,
            backoff: Backoff::new(Duration::from_millis(50), Duration::from_secs(2)),
        }
    }

    /// Uses another backoff between tries.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    async fn run<T, F, Fut>(&self, mut call: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut + Send,
        Fut: Future<Output = Result<T, ProviderError>> + Send,
    {
        let mut failures = 0;
        loop {
            match call().await {
                Err(e) if e.is_transient() && failures < self.attempts => {
                    tokio::time::sleep(self.backoff.delay(failures)).await;
                    failures += 1;
                }
                other => return other,
            }
        }
    }
}

/// Forwards every method of [`Provider`]: the compiler says so when the trait grows.
#[deny(clippy::missing_trait_methods)]
#[async_trait]
impl Provider for Retry {
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
        self.run(|| self.inner.observe(resource)).await
    }
    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.run(|| self.inner.create(resource)).await
    }
    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.run(|| self.inner.update(resource)).await
    }
    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        self.run(|| self.inner.delete(resource)).await
    }
    async fn adopt(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.run(|| self.inner.adopt(resource)).await
    }
    async fn inventory(&self) -> Result<Option<Vec<Found>>, ProviderError> {
        self.run(|| self.inner.inventory()).await
    }
    async fn observe_many(
        &self,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        self.inner.observe_many(resources).await
    }
}
