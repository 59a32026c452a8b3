//! The drift layer: what a colleague with console access does behind the platform's back, as
//! the platform sees it through any provider. Also the reading of drift paths (`spec.x.y`,
//! `outputs.x`) that the fake cloud's own out-of-band changes share.

use async_trait::async_trait;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use platform_core::provider::{
    Applied, Found, ManagedResource, Observation, Provider, ProviderError, diff_fields,
};

use super::error::DriftPathError;
use crate::fake::RealResourceKey;

/// Wraps any provider and makes `observe` (and `observe_many`) report out-of-band changes
/// that never happened to the real resource: a spec field set to another value (it shows as
/// a diff, the resource as not up to date), an output changed, or the resource deleted (it
/// shows as absent). The real resource is left alone, so drift can be shown in front of a
/// server the test must not damage.
///
/// A successful create, update or delete through the layer repairs the resource's drift, as
/// the platform would; [`clear`](Drift::clear) forgets every drift. Changes to one resource
/// accumulate; a delete replaces them, and a change after a delete starts over.
///
/// ```
/// use std::sync::Arc;
/// use platform_core::provider::{ManagedResource, Provider};
/// use platform_testkit::fake::FakeProvider;
/// use platform_testkit::layers::Drift;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let fake = FakeProvider::builder([("fake.dev/v1", "FakeDatabase")]).build().unwrap();
/// let drifting = Drift::new(Arc::new(fake));
/// let db = ManagedResource::new(serde_json::from_value(serde_json::json!({
///     "apiVersion": "fake.dev/v1", "kind": "FakeDatabase",
///     "metadata": {"name": "orders", "namespace": "team-a"},
///     "spec": {"connectionLimit": 20}
/// })).unwrap());
/// drifting.create(&db).await.unwrap();
/// drifting
///     .change("fake.dev/v1", "FakeDatabase", "team-a-orders", "spec.connectionLimit", 99.into())
///     .unwrap();
/// let seen = drifting.observe(&db).await.unwrap();
/// assert!(seen.exists && !seen.up_to_date);
/// assert_eq!(seen.diff[0].actual, 99);
/// drifting.update(&db).await.unwrap(); // the platform repairs it
/// assert!(drifting.observe(&db).await.unwrap().up_to_date);
/// # });
/// ```
pub struct Drift<P: ?Sized> {
    inner: Arc<P>,
    drifted: Mutex<BTreeMap<RealResourceKey, Drifted>>,
}

/// What happened to one resource out of band.
enum Drifted {
    /// Fields set, in order: the parsed path and the value.
    Changed(Vec<(DriftPath, Value)>),
    Deleted,
}

impl<P: Provider + ?Sized> Drift<P> {
    /// Wraps `inner` with no drift yet.
    pub fn new(inner: Arc<P>) -> Self {
        Drift {
            inner,
            drifted: Mutex::new(BTreeMap::new()),
        }
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &Arc<P> {
        &self.inner
    }

    /// Makes observe report a field of a real resource as `value`: a path under `spec` (such
    /// as `spec.connectionLimit`) or `outputs` (such as `outputs.host`). A path that names no
    /// field is refused here; one that runs through a value that is not an object is reported
    /// by observe as a permanent error.
    pub fn change(
        &self,
        api_version: &str,
        kind: &str,
        external_name: &str,
        path: &str,
        value: Value,
    ) -> Result<(), DriftPathError> {
        let path = DriftPath::parse(path)?;
        path.root()?;
        let key = RealResourceKey::new(api_version, kind, external_name);
        let mut drifted = self.drifted();
        match drifted.get_mut(&key) {
            Some(Drifted::Changed(changes)) => changes.push((path, value)),
            _ => {
                drifted.insert(key, Drifted::Changed(vec![(path, value)]));
            }
        }
        Ok(())
    }

    /// Makes observe report a real resource as absent, and inventory leave it out.
    pub fn delete(&self, api_version: &str, kind: &str, external_name: &str) {
        self.drifted().insert(
            RealResourceKey::new(api_version, kind, external_name),
            Drifted::Deleted,
        );
    }

    /// Forgets every drift: observe reports what the wrapped provider sees.
    pub fn clear(&self) {
        self.drifted().clear();
    }

    /// How many resources drift.
    pub fn len(&self) -> usize {
        self.drifted().len()
    }

    /// Whether no resource drifts.
    pub fn is_empty(&self) -> bool {
        self.drifted().is_empty()
    }

    fn drifted(&self) -> MutexGuard<'_, BTreeMap<RealResourceKey, Drifted>> {
        self.drifted.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn repaired(&self, resource: &ManagedResource) {
        self.drifted().remove(&key_of(resource));
    }

    /// The observation with the resource's drift laid over it.
    fn drift(
        &self,
        resource: &ManagedResource,
        observed: Result<Observation, ProviderError>,
    ) -> Result<Observation, ProviderError> {
        let mut observation = observed?;
        let drifted = self.drifted();
        let Some(drift) = drifted.get(&key_of(resource)) else {
            return Ok(observation);
        };
        if !observation.exists {
            return Ok(observation);
        }
        let changes = match drift {
            Drifted::Deleted => return Ok(Observation::absent()),
            Drifted::Changed(changes) => changes,
        };
        let unusable = |e: DriftPathError| {
            ProviderError::permanent(format!(
                "{e} (drift of {} {})",
                resource.kind(),
                resource.external_name
            ))
        };
        let mut actual = resource.spec().clone();
        if !actual.is_object() {
            actual = Value::Object(Map::new());
        }
        for (path, value) in changes {
            match path.root().map_err(unusable)? {
                Root::Spec => path.set_in_spec(&mut actual, value.clone()),
                Root::Outputs => path.set_in_outputs(&mut observation.outputs, value.clone()),
            }
            .map_err(unusable)?;
        }
        let diff = diff_fields("spec", resource.spec(), &actual);
        observation.up_to_date &= diff.is_empty();
        for field in diff {
            observation.diff.retain(|d| d.path != field.path);
            observation.diff.push(field);
        }
        Ok(observation)
    }
}

fn key_of(resource: &ManagedResource) -> RealResourceKey {
    RealResourceKey::new(
        resource.object.api_version.clone(),
        resource.kind(),
        resource.external_name.clone(),
    )
}

/// Forwards every method of [`Provider`]: the compiler says so when the trait grows.
#[deny(clippy::missing_trait_methods)]
#[async_trait]
impl<P: Provider + ?Sized> Provider for Drift<P> {
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
        let observed = self.inner.observe(resource).await;
        self.drift(resource, observed)
    }
    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        let applied = self.inner.create(resource).await?;
        self.repaired(resource);
        Ok(applied)
    }
    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        let applied = self.inner.update(resource).await?;
        self.repaired(resource);
        Ok(applied)
    }
    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        self.inner.delete(resource).await?;
        self.repaired(resource);
        Ok(())
    }
    async fn adopt(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.inner.adopt(resource).await
    }
    async fn inventory(&self) -> Result<Option<Vec<Found>>, ProviderError> {
        let listed = self.inner.inventory().await?;
        let drifted = self.drifted();
        Ok(listed.map(|found| {
            found
                .into_iter()
                .filter(|f| !matches!(drifted.get(&key_of(&f.resource)), Some(Drifted::Deleted)))
                .collect()
        }))
    }
    async fn observe_many(
        &self,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        let observed = self.inner.observe_many(resources).await;
        resources
            .iter()
            .zip(observed)
            .map(|(resource, observed)| self.drift(resource, observed))
            .collect()
    }
}

/// Where a drift path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root {
    /// `spec.…`
    Spec,
    /// `outputs.…`
    Outputs,
}

/// A drift path, such as `spec.backup.schedule` or `outputs.host`, split at its dots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DriftPath {
    text: String,
    segments: Vec<String>,
}

impl DriftPath {
    /// Splits a path; refuses empty segments and paths of one segment.
    pub(crate) fn parse(path: &str) -> Result<Self, DriftPathError> {
        let segments: Vec<String> = path.split('.').map(str::to_owned).collect();
        if segments.iter().any(String::is_empty) || segments.len() < 2 {
            return Err(DriftPathError {
                path: path.to_owned(),
                reason: "expected dot-separated field names under spec or outputs, such as spec.connectionLimit".into(),
            });
        }
        Ok(DriftPath {
            text: path.to_owned(),
            segments,
        })
    }

    /// Whether the path is under `spec` or `outputs`.
    pub(crate) fn root(&self) -> Result<Root, DriftPathError> {
        match self.segments[0].as_str() {
            "spec" => Ok(Root::Spec),
            "outputs" => Ok(Root::Outputs),
            other => Err(self.error(format!(
                "expected the path to start with spec or outputs, found {other:?}"
            ))),
        }
    }

    fn error(&self, reason: String) -> DriftPathError {
        DriftPathError {
            path: self.text.clone(),
            reason,
        }
    }

    /// Sets the field under `spec`, an object, creating objects on the way.
    pub(crate) fn set_in_spec(&self, spec: &mut Value, value: Value) -> Result<(), DriftPathError> {
        self.set_below(spec, 1, value)
    }

    /// Sets the output (and the fields under it), creating objects on the way.
    pub(crate) fn set_in_outputs(
        &self,
        outputs: &mut BTreeMap<String, Value>,
        value: Value,
    ) -> Result<(), DriftPathError> {
        let entry = outputs
            .entry(self.segments[1].clone())
            .or_insert(Value::Null);
        if self.segments.len() == 2 {
            *entry = value;
            return Ok(());
        }
        if entry.is_null() {
            *entry = Value::Object(Map::new());
        }
        self.set_below(entry, 2, value)
    }

    /// Sets `segments[at..]` under `target`, an object, creating objects on the way.
    fn set_below(&self, target: &mut Value, at: usize, value: Value) -> Result<(), DriftPathError> {
        let segments = &self.segments;
        let mut current = target;
        for (i, segment) in segments.iter().enumerate().skip(at) {
            let Value::Object(map) = current else {
                return Err(self.error(format!(
                    "{} is {}, not an object",
                    segments[..i].join("."),
                    kind_of(current)
                )));
            };
            if i == segments.len() - 1 {
                map.insert(segment.clone(), value);
                return Ok(());
            }
            current = map
                .entry(segment.clone())
                .or_insert_with(|| Value::Object(Map::new()));
        }
        Ok(())
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
