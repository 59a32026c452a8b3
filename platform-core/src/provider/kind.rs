use async_trait::async_trait;

use super::{Applied, ManagedResource, Observation, ProviderError};

/// One managed kind of an adapter: the operations on a resource of that kind, given what the
/// adapter's kinds share (`C`, such as a connection pool or a client).
///
/// An [`Adapter`](super::Adapter) registers each kind once and routes every call to it, so an
/// implementation never checks the kind it is given.
///
/// ```
/// use async_trait::async_trait;
/// use platform_core::provider::{Applied, ManagedKind, ManagedResource, Observation, ProviderError};
///
/// /// What the kinds share: here only the zone they write into.
/// struct Zone(String);
///
/// /// The `Record` kind.
/// struct Record;
///
/// #[async_trait]
/// impl ManagedKind<Zone> for Record {
///     async fn observe(&self, _: &Zone, _: &ManagedResource) -> Result<Observation, ProviderError> {
///         Ok(Observation::absent())
///     }
///     async fn create(&self, _: &Zone, _: &ManagedResource) -> Result<Applied, ProviderError> {
///         Ok(Applied::default())
///     }
///     async fn update(&self, _: &Zone, _: &ManagedResource) -> Result<Applied, ProviderError> {
///         Ok(Applied::default())
///     }
///     async fn delete(&self, _: &Zone, _: &ManagedResource) -> Result<(), ProviderError> {
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait ManagedKind<C: Send + Sync>: Send + Sync {
    /// Reads the real resource: whether it exists, whether it matches, outputs and secrets.
    async fn observe(
        &self,
        context: &C,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError>;

    /// Creates the real resource; succeeds without change when it already exists.
    async fn create(
        &self,
        context: &C,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError>;

    /// Brings the real resource to the desired spec.
    async fn update(
        &self,
        context: &C,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError>;

    /// Deletes the real resource; succeeds when it is already gone.
    async fn delete(&self, context: &C, resource: &ManagedResource) -> Result<(), ProviderError>;

    /// Takes over a resource whose create was never recorded; see
    /// [`Provider::adopt`](super::Provider::adopt). The default reports what observing finds
    /// and changes nothing; a kind that hands out generated credentials overrides it.
    async fn adopt(
        &self,
        context: &C,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        let observed = self.observe(context, resource).await?;
        Ok(Applied {
            pending: !observed.ready,
            outputs: observed.outputs,
            secrets: observed.secrets,
        })
    }

    /// Observes many resources of this kind, one answer per resource in order; kinds that
    /// can answer in one round trip override it. The default observes them one by one.
    async fn observe_many(
        &self,
        context: &C,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        let mut out = Vec::with_capacity(resources.len());
        for resource in resources {
            out.push(self.observe(context, resource).await);
        }
        out
    }
}
