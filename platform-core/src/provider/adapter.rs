use async_trait::async_trait;
use std::sync::Arc;

use super::{Applied, Found, ManagedKind, ManagedResource, Observation, Provider, ProviderError};

/// What the kinds of an adapter share (a connection pool, a client), and what only the whole
/// adapter can answer: the real resources it manages, which one listing usually finds for
/// several kinds at once.
#[async_trait]
pub trait AdapterContext: Send + Sync + Sized + 'static {
    /// What [`Provider::inventory`] answers; `adapter` routes calls to the registered kinds.
    /// The default cannot list anything.
    async fn inventory(adapter: &Adapter<Self>) -> Result<Option<Vec<Found>>, ProviderError> {
        let _ = adapter;
        Ok(None)
    }

    /// What [`Provider::private_inventory`] answers; false by default.
    fn private_inventory(&self) -> bool {
        false
    }
}

/// A [`Provider`] made of a shared context and the managed kinds it serves, each registered
/// once: every call goes to the kind's [`ManagedKind`] implementation, and a resource of
/// another apiVersion or kind gets one clear permanent error naming what is served.
///
/// ```
/// # use async_trait::async_trait;
/// # use platform_core::provider::{Adapter, AdapterContext, Applied, ManagedKind, ManagedResource, Observation, Provider, ProviderError};
/// struct Zone;
/// impl AdapterContext for Zone {}
/// struct Record;
/// #[async_trait]
/// impl ManagedKind<Zone> for Record {
///     # async fn observe(&self, _: &Zone, _: &ManagedResource) -> Result<Observation, ProviderError> { Ok(Observation::absent()) }
///     # async fn create(&self, _: &Zone, _: &ManagedResource) -> Result<Applied, ProviderError> { Ok(Applied::default()) }
///     # async fn update(&self, _: &Zone, _: &ManagedResource) -> Result<Applied, ProviderError> { Ok(Applied::default()) }
///     # async fn delete(&self, _: &Zone, _: &ManagedResource) -> Result<(), ProviderError> { Ok(()) }
///     // observe, create, update, delete
/// }
/// let adapter = Adapter::builder("dns", "dns.platform.dev/v1alpha1", Zone)
///     .kind("Record", Record)
///     .build();
/// assert_eq!(adapter.kinds(), vec![("dns.platform.dev/v1alpha1".to_owned(), "Record".to_owned())]);
/// ```
pub struct Adapter<C> {
    name: Arc<str>,
    api_version: Arc<str>,
    context: Arc<C>,
    kinds: Arc<[Registered<C>]>,
}

/// One registered kind.
struct Registered<C> {
    kind: String,
    handler: Box<dyn ManagedKind<C>>,
}

impl<C> Clone for Adapter<C> {
    fn clone(&self) -> Self {
        Adapter {
            name: self.name.clone(),
            api_version: self.api_version.clone(),
            context: self.context.clone(),
            kinds: self.kinds.clone(),
        }
    }
}

/// The name, apiVersion, context and kinds; the context decides what of itself is shown.
impl<C: std::fmt::Debug> std::fmt::Debug for Adapter<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kinds: Vec<&str> = self.kinds.iter().map(|r| r.kind.as_str()).collect();
        f.debug_struct("Adapter")
            .field("name", &self.name)
            .field("api_version", &self.api_version)
            .field("context", &self.context)
            .field("kinds", &kinds)
            .finish()
    }
}

impl<C: AdapterContext> Adapter<C> {
    /// Starts an adapter named `name` (for messages, such as `postgres`) serving kinds of
    /// `api_version` with the shared `context`.
    pub fn builder(
        name: impl Into<String>,
        api_version: impl Into<String>,
        context: C,
    ) -> AdapterBuilder<C> {
        AdapterBuilder {
            name: name.into(),
            api_version: api_version.into(),
            context,
            kinds: Vec::new(),
        }
    }

    /// The shared context every kind is given.
    pub fn context(&self) -> &C {
        &self.context
    }

    /// The registered implementation of `resource`'s kind, or the error naming what is served.
    fn route(&self, resource: &ManagedResource) -> Result<&dyn ManagedKind<C>, ProviderError> {
        let kind = resource.kind();
        self.kinds
            .iter()
            .find(|r| r.kind == kind && resource.object.api_version == *self.api_version)
            .map(|r| r.handler.as_ref())
            .ok_or_else(|| self.unknown(resource))
    }

    fn unknown(&self, resource: &ManagedResource) -> ProviderError {
        let served: Vec<&str> = self.kinds.iter().map(|r| r.kind.as_str()).collect();
        ProviderError::permanent(format!(
            "the {} adapter does not serve kind {:?} of {}; it serves {} of {}",
            self.name,
            resource.kind(),
            resource.object.api_version,
            served.join(", "),
            self.api_version
        ))
    }

    /// Observes resources of several kinds: each kind's batch in one call, answers in order.
    async fn observe_mixed(
        &self,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        let mut out: Vec<Option<Result<Observation, ProviderError>>> =
            resources.iter().map(|_| None).collect();
        for registered in self.kinds.iter() {
            let (indices, batch): (Vec<usize>, Vec<ManagedResource>) = resources
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    r.kind() == registered.kind && r.object.api_version == *self.api_version
                })
                .map(|(i, r)| (i, r.clone()))
                .unzip();
            if batch.is_empty() {
                continue;
            }
            let answers = registered.handler.observe_many(&self.context, &batch).await;
            for (i, answer) in indices.into_iter().zip(answers) {
                out[i] = Some(answer);
            }
        }
        out.into_iter()
            .zip(resources)
            .map(|(answer, resource)| {
                answer.unwrap_or_else(|| match self.route(resource) {
                    Err(e) => Err(e),
                    Ok(_) => Err(ProviderError::transient(format!(
                        "the {} adapter returned no observation for {} {}",
                        self.name,
                        resource.kind(),
                        resource.external_name
                    ))),
                })
            })
            .collect()
    }
}

/// Registers the kinds of an [`Adapter`]; see [`Adapter::builder`].
pub struct AdapterBuilder<C> {
    name: String,
    api_version: String,
    context: C,
    kinds: Vec<Registered<C>>,
}

impl<C: AdapterContext> AdapterBuilder<C> {
    /// Serves `kind` with `handler`. Kinds are listed by [`Provider::kinds`] in the order
    /// registered.
    ///
    /// # Panics
    ///
    /// When `kind` is registered twice: a programming error, found by the first test.
    pub fn kind(mut self, kind: impl Into<String>, handler: impl ManagedKind<C> + 'static) -> Self {
        let kind = kind.into();
        assert!(
            self.kinds.iter().all(|r| r.kind != kind),
            "the {} adapter registers kind {kind:?} twice",
            self.name
        );
        self.kinds.push(Registered {
            kind,
            handler: Box::new(handler),
        });
        self
    }

    /// The adapter.
    pub fn build(self) -> Adapter<C> {
        Adapter {
            name: self.name.into(),
            api_version: self.api_version.into(),
            context: Arc::new(self.context),
            kinds: self.kinds.into(),
        }
    }
}

/// Implements every method of [`Provider`], so none falls back to a default that bypasses a
/// kind's own implementation.
#[deny(clippy::missing_trait_methods)]
#[async_trait]
impl<C: AdapterContext> Provider for Adapter<C> {
    fn name(&self) -> &str {
        &self.name
    }

    fn kinds(&self) -> Vec<(String, String)> {
        self.kinds
            .iter()
            .map(|r| (self.api_version.to_string(), r.kind.clone()))
            .collect()
    }

    async fn observe(&self, resource: &ManagedResource) -> Result<Observation, ProviderError> {
        self.route(resource)?.observe(&self.context, resource).await
    }

    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.route(resource)?.create(&self.context, resource).await
    }

    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.route(resource)?.update(&self.context, resource).await
    }

    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        self.route(resource)?.delete(&self.context, resource).await
    }

    async fn adopt(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.route(resource)?.adopt(&self.context, resource).await
    }

    async fn inventory(&self) -> Result<Option<Vec<Found>>, ProviderError> {
        C::inventory(self).await
    }

    fn private_inventory(&self) -> bool {
        self.context.private_inventory()
    }

    /// A batch of one kind (what the engine sends) goes to that kind whole, without a copy;
    /// a mixed batch is split by kind.
    async fn observe_many(
        &self,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        let Some(first) = resources.first() else {
            return Vec::new();
        };
        let one_kind = resources
            .iter()
            .all(|r| r.kind() == first.kind() && r.object.api_version == first.object.api_version);
        if !one_kind {
            return self.observe_mixed(resources).await;
        }
        match self.route(first) {
            Ok(kind) => kind.observe_many(&self.context, resources).await,
            Err(e) => resources.iter().map(|_| Err(e.clone())).collect(),
        }
    }
}

/// A provider type that is an [`Adapter`] under a name of its own (such as
/// `PostgresProvider`, which keeps its constructors and methods): implementing this gives it
/// [`Provider`] by forwarding every method to the adapter.
pub trait AsAdapter: Send + Sync {
    /// The adapter's shared context.
    type Context: AdapterContext;

    /// The adapter every call goes to.
    fn adapter(&self) -> &Adapter<Self::Context>;
}

/// Forwards every method of [`Provider`]: the compiler says so when the trait grows.
#[deny(clippy::missing_trait_methods)]
#[async_trait]
impl<T: AsAdapter> Provider for T {
    fn name(&self) -> &str {
        self.adapter().name()
    }
    fn kinds(&self) -> Vec<(String, String)> {
        self.adapter().kinds()
    }
    fn private_inventory(&self) -> bool {
        self.adapter().private_inventory()
    }
    async fn observe(&self, resource: &ManagedResource) -> Result<Observation, ProviderError> {
        self.adapter().observe(resource).await
    }
    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.adapter().create(resource).await
    }
    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.adapter().update(resource).await
    }
    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        self.adapter().delete(resource).await
    }
    async fn adopt(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.adapter().adopt(resource).await
    }
    async fn inventory(&self) -> Result<Option<Vec<Found>>, ProviderError> {
        self.adapter().inventory().await
    }
    async fn observe_many(
        &self,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        self.adapter().observe_many(resources).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DynamicObject;
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts batch calls, so a test sees how many round trips a batch cost.
    #[derive(Default)]
    struct Calls(AtomicUsize);
    impl AdapterContext for Calls {}

    /// Observes every resource as existing, with its kind as an output.
    struct Echo(&'static str);

    #[async_trait]
    impl ManagedKind<Calls> for Echo {
        async fn observe(
            &self,
            _: &Calls,
            _: &ManagedResource,
        ) -> Result<Observation, ProviderError> {
            let mut seen = Observation {
                exists: true,
                ..Observation::default()
            };
            seen.outputs.insert("kind".into(), json!(self.0));
            Ok(seen)
        }
        async fn create(&self, _: &Calls, _: &ManagedResource) -> Result<Applied, ProviderError> {
            Ok(Applied::default())
        }
        async fn update(&self, _: &Calls, _: &ManagedResource) -> Result<Applied, ProviderError> {
            Ok(Applied::default())
        }
        async fn delete(&self, _: &Calls, _: &ManagedResource) -> Result<(), ProviderError> {
            Ok(())
        }
        async fn observe_many(
            &self,
            calls: &Calls,
            resources: &[ManagedResource],
        ) -> Vec<Result<Observation, ProviderError>> {
            calls.0.fetch_add(1, Ordering::SeqCst);
            let mut out = Vec::new();
            for r in resources {
                out.push(self.observe(calls, r).await);
            }
            out
        }
    }

    fn adapter() -> Adapter<Calls> {
        Adapter::builder("echo", "x/v1", Calls::default())
            .kind("A", Echo("A"))
            .kind("B", Echo("B"))
            .build()
    }

    fn resource(api_version: &str, kind: &str, name: &str) -> ManagedResource {
        let object: DynamicObject = serde_json::from_value(json!({
            "apiVersion": api_version, "kind": kind, "metadata": {"name": name}, "spec": {}
        }))
        .unwrap();
        ManagedResource::new(object)
    }

    #[tokio::test]
    async fn an_unknown_kind_or_api_version_gets_one_error_naming_what_is_served() {
        let a = adapter();
        for r in [resource("x/v1", "C", "c"), resource("y/v1", "A", "a")] {
            let e = a.create(&r).await.unwrap_err();
            assert!(!e.is_transient());
            assert!(
                e.message.starts_with(&format!(
                    "the echo adapter does not serve kind \"{}\" of ",
                    r.kind()
                )),
                "{e}"
            );
            assert!(e.message.ends_with("; it serves A, B of x/v1"), "{e}");
        }
        assert_eq!(
            a.kinds(),
            vec![("x/v1".into(), "A".into()), ("x/v1".into(), "B".into())]
        );
    }

    #[tokio::test]
    async fn a_mixed_batch_costs_one_call_per_kind_and_keeps_its_order() {
        let a = adapter();
        let batch = [
            resource("x/v1", "B", "b1"),
            resource("x/v1", "C", "c"),
            resource("x/v1", "A", "a1"),
            resource("x/v1", "B", "b2"),
        ];
        let seen = a.observe_many(&batch).await;
        let kinds: Vec<Option<String>> = seen
            .iter()
            .map(|s| s.as_ref().ok().map(|o| o.outputs["kind"].to_string()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                Some("\"B\"".into()),
                None,
                Some("\"A\"".into()),
                Some("\"B\"".into())
            ]
        );
        assert_eq!(a.context().0.load(Ordering::SeqCst), 2);
        let same = [resource("x/v1", "A", "a1"), resource("x/v1", "A", "a2")];
        assert_eq!(a.observe_many(&same).await.len(), 2);
        assert_eq!(a.context().0.load(Ordering::SeqCst), 3);
    }
}
