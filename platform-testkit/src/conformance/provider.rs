//! The provider conformance suite: the contract every provider, fake or real, must keep.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use platform_core::provider::{
    Applied, ManagedResource, Observation, Provider, ProviderError, diff_fields,
};
use platform_core::secret::SecretMap;

use super::report::ConformanceReport;

/// What a drift callback returns: done, or why the drift could not be made.
pub type DriftFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

type DriftFn = Box<dyn Fn(ManagedResource) -> DriftFuture + Send + Sync>;

/// What the provider suite runs against: a provider, a resource nothing else uses, a changed
/// version of it, and a way to change the real resource behind the provider's back.
pub struct ProviderSubject {
    provider: Arc<dyn Provider>,
    resource: ManagedResource,
    changed: ManagedResource,
    drift: DriftFn,
}

impl ProviderSubject {
    /// A subject. `changed` has the same kind and external name as `resource` and a different
    /// spec; `drift` changes, out of band, a spec field of the real resource it is given, so
    /// that observing the resource shows it not up to date.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use platform_core::provider::ManagedResource;
    /// use platform_testkit::conformance::ProviderSubject;
    /// use platform_testkit::fake::FakeProvider;
    ///
    /// fn subject(resource: ManagedResource, changed: ManagedResource) -> ProviderSubject {
    ///     let fake = FakeProvider::builder([("fake.dev/v1", "FakeDatabase")]).build().unwrap();
    ///     let cloud = fake.cloud().clone();
    ///     ProviderSubject::new(Arc::new(fake), resource, changed, move |r: ManagedResource| {
    ///         let cloud = cloud.clone();
    ///         async move {
    ///             cloud
    ///                 .drift_change(&r.object.api_version, r.kind(), &r.external_name,
    ///                               "spec.connectionLimit", 999.into())
    ///                 .map_err(|e| e.to_string())
    ///         }
    ///     })
    /// }
    /// ```
    pub fn new<F, Fut>(
        provider: Arc<dyn Provider>,
        resource: ManagedResource,
        changed: ManagedResource,
        drift: F,
    ) -> Self
    where
        F: Fn(ManagedResource) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        ProviderSubject {
            provider,
            resource,
            changed,
            drift: Box::new(move |r| Box::pin(drift(r))),
        }
    }
}

impl fmt::Debug for ProviderSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderSubject")
            .field("provider", &self.provider.name())
            .field("resource", &self.resource)
            .field("changed", &self.changed)
            .finish_non_exhaustive()
    }
}

/// Runs the provider suite and reports every check; it never panics on a bad provider.
///
/// Checks, in order: the provider serves the resource's kind; the resource is absent at
/// first; create is idempotent; observe after create finds it existing, up to date, with
/// outputs; an update converges (the changed spec is seen as not up to date with a diff
/// naming each changed field, then update makes it up to date); drift is detected and
/// corrected by update; delete is idempotent; observe after delete finds nothing; no secret
/// value appears in the `Debug` of observations and applied results or in error messages.
/// Secrets shorter than 8 characters or equal to an output value are not searched for.
///
/// The suite leaves the resource deleted. It does not poll: a provider whose resources take
/// time to appear must make `create` wait for them.
pub async fn provider_conformance(subject: ProviderSubject) -> ConformanceReport {
    let mut run = Run {
        report: ConformanceReport::new(format!("provider {}", subject.provider.name())),
        subject,
        secrets: Vec::new(),
        outputs: BTreeSet::new(),
        shown: Vec::new(),
    };
    let well_formed = run.subject_is_well_formed();
    let valid = well_formed.is_ok();
    run.report.record("subject_is_well_formed", well_formed);
    if !valid {
        return run.report;
    }
    let result = run.serves_the_kind();
    run.report.record("serves_the_kind", result);
    let result = run.absent_before_create().await;
    run.report.record("absent_before_create", result);
    let result = run.create_is_idempotent().await;
    run.report.record("create_is_idempotent", result);
    let result = run.observe_after_create().await;
    run.report.record("observe_after_create", result);
    let result = run.update_converges().await;
    run.report.record("update_converges", result);
    let result = run.drift_is_detected().await;
    run.report.record("drift_is_detected", result);
    let result = run.delete_is_idempotent().await;
    run.report.record("delete_is_idempotent", result);
    let result = run.not_found_after_delete().await;
    run.report.record("not_found_after_delete", result);
    let result = run.secrets_are_redacted();
    run.report.record("secrets_are_redacted", result);
    run.report
}

struct Run {
    report: ConformanceReport,
    subject: ProviderSubject,
    /// Secret values seen, with their keys.
    secrets: Vec<(String, String)>,
    /// Output values seen, as text: a secret equal to one is not secret.
    outputs: BTreeSet<String>,
    /// Debug texts and error messages that must hold no secret.
    shown: Vec<String>,
}

fn describe(o: &Observation) -> String {
    let diff: Vec<String> = o
        .diff
        .iter()
        .map(|d| format!("{} (desired {}, actual {})", d.path, d.desired, d.actual))
        .collect();
    format!(
        "exists {}, up to date {}, diff [{}]",
        o.exists,
        o.up_to_date,
        diff.join(", ")
    )
}

impl Run {
    fn note_secrets(
        &mut self,
        secrets: &SecretMap,
        outputs: &std::collections::BTreeMap<String, serde_json::Value>,
    ) {
        for (key, value) in secrets.iter() {
            self.secrets.push((key.clone(), value.expose().to_owned()));
        }
        for value in outputs.values() {
            self.outputs.insert(match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        }
    }

    fn note_error(&mut self, error: &ProviderError) -> String {
        self.shown.push(format!("{error} {error:?}"));
        format!("{} error: {error}", error.class)
    }

    async fn observe(
        &mut self,
        resource: &ManagedResource,
        step: &str,
    ) -> Result<Observation, String> {
        match self.subject.provider.observe(resource).await {
            Ok(o) => {
                self.note_secrets(&o.secrets, &o.outputs);
                self.shown.push(format!("{o:?}"));
                Ok(o)
            }
            Err(e) => Err(format!(
                "{step}: observe failed with {}",
                self.note_error(&e)
            )),
        }
    }

    async fn create(&mut self, resource: &ManagedResource, step: &str) -> Result<Applied, String> {
        let result = self.subject.provider.create(resource).await;
        self.applied(result, step, "create")
    }

    async fn update(&mut self, resource: &ManagedResource, step: &str) -> Result<Applied, String> {
        let result = self.subject.provider.update(resource).await;
        self.applied(result, step, "update")
    }

    fn applied(
        &mut self,
        result: Result<Applied, ProviderError>,
        step: &str,
        operation: &str,
    ) -> Result<Applied, String> {
        match result {
            Ok(a) => {
                self.note_secrets(&a.secrets, &a.outputs);
                self.shown.push(format!("{a:?}"));
                Ok(a)
            }
            Err(e) => Err(format!(
                "{step}: {operation} failed with {}",
                self.note_error(&e)
            )),
        }
    }

    async fn delete(&mut self, step: &str) -> Result<(), String> {
        let resource = self.subject.resource.clone();
        match self.subject.provider.delete(&resource).await {
            Ok(()) => Ok(()),
            Err(e) => Err(format!(
                "{step}: delete failed with {}",
                self.note_error(&e)
            )),
        }
    }

    fn subject_is_well_formed(&self) -> Result<(), String> {
        let (r, c) = (&self.subject.resource, &self.subject.changed);
        ensure!(
            r.object.api_version == c.object.api_version && r.kind() == c.kind(),
            "expected the changed resource to have the same kind as the resource, found {} {} and {} {}",
            r.object.api_version,
            r.kind(),
            c.object.api_version,
            c.kind()
        );
        ensure!(
            r.external_name == c.external_name,
            "expected the changed resource to have the same external name, found {:?} and {:?}",
            r.external_name,
            c.external_name
        );
        ensure!(
            !diff_fields("spec", c.spec(), r.spec()).is_empty(),
            "expected the changed resource to change a spec field, found none changed"
        );
        Ok(())
    }

    fn serves_the_kind(&self) -> Result<(), String> {
        let r = &self.subject.resource;
        let kinds = self.subject.provider.kinds();
        ensure!(
            kinds
                .iter()
                .any(|(a, k)| *a == r.object.api_version && k == r.kind()),
            "expected kinds() to list {} {}, found {:?}",
            r.object.api_version,
            r.kind(),
            kinds
        );
        Ok(())
    }

    async fn absent_before_create(&mut self) -> Result<(), String> {
        let resource = self.subject.resource.clone();
        let seen = self.observe(&resource, "before create").await?;
        ensure!(
            !seen.exists,
            "expected {:?} not to exist before the suite creates it, found it existing; give the suite a name nothing else uses",
            resource.external_name
        );
        Ok(())
    }

    async fn create_is_idempotent(&mut self) -> Result<(), String> {
        let resource = self.subject.resource.clone();
        self.create(&resource, "first create").await?;
        self.create(&resource, "second create of the same resource")
            .await?;
        let seen = self.observe(&resource, "after two creates").await?;
        ensure!(
            seen.exists,
            "expected the resource to exist after two creates, found it absent"
        );
        Ok(())
    }

    async fn observe_after_create(&mut self) -> Result<(), String> {
        let resource = self.subject.resource.clone();
        let seen = self.observe(&resource, "after create").await?;
        ensure!(
            seen.exists && seen.up_to_date && seen.diff.is_empty(),
            "expected the created resource to exist and be up to date, found {}",
            describe(&seen)
        );
        ensure!(
            !seen.outputs.is_empty(),
            "expected outputs after create, found none"
        );
        Ok(())
    }

    async fn update_converges(&mut self) -> Result<(), String> {
        let resource = self.subject.resource.clone();
        let changed = self.subject.changed.clone();
        let expected: Vec<String> = diff_fields("spec", changed.spec(), resource.spec())
            .into_iter()
            .map(|d| d.path)
            .collect();
        let seen = self.observe(&changed, "changed spec before update").await?;
        ensure!(
            seen.exists && !seen.up_to_date,
            "expected the changed spec to be seen as not up to date, found {}",
            describe(&seen)
        );
        let named: Vec<&str> = seen.diff.iter().map(|d| d.path.as_str()).collect();
        let unnamed: Vec<&String> = expected
            .iter()
            .filter(|p| !named.contains(&p.as_str()))
            .collect();
        ensure!(
            unnamed.is_empty(),
            "expected the diff to name {unnamed:?}, found {}",
            describe(&seen)
        );
        self.update(&changed, "update to the changed spec").await?;
        let seen = self.observe(&changed, "after update").await?;
        ensure!(
            seen.exists && seen.up_to_date && seen.diff.is_empty(),
            "expected the resource to be up to date after update, found {}",
            describe(&seen)
        );
        self.update(&resource, "update back to the first spec")
            .await?;
        let seen = self.observe(&resource, "after update back").await?;
        ensure!(
            seen.up_to_date,
            "expected the resource to be up to date after updating back, found {}",
            describe(&seen)
        );
        Ok(())
    }

    async fn drift_is_detected(&mut self) -> Result<(), String> {
        let resource = self.subject.resource.clone();
        (self.subject.drift)(resource.clone())
            .await
            .map_err(|e| format!("the drift callback failed: {e}"))?;
        let seen = self.observe(&resource, "after drift").await?;
        ensure!(
            seen.exists && !seen.up_to_date && !seen.diff.is_empty(),
            "expected drift to show as not up to date with a diff, found {}",
            describe(&seen)
        );
        self.update(&resource, "update correcting drift").await?;
        let seen = self.observe(&resource, "after correcting drift").await?;
        ensure!(
            seen.up_to_date,
            "expected update to correct drift, found {}",
            describe(&seen)
        );
        Ok(())
    }

    async fn delete_is_idempotent(&mut self) -> Result<(), String> {
        self.delete("first delete").await?;
        self.delete("second delete of the same resource").await
    }

    async fn not_found_after_delete(&mut self) -> Result<(), String> {
        let resource = self.subject.resource.clone();
        let seen = self.observe(&resource, "after delete").await?;
        ensure!(
            !seen.exists,
            "expected the resource not to exist after delete, found {}",
            describe(&seen)
        );
        // An update of a missing resource is allowed to fail; its message is searched for
        // secrets, and whatever it did is cleaned up.
        let _ = self.update(&resource, "update after delete").await;
        let _ = self.delete("cleanup").await;
        Ok(())
    }

    fn secrets_are_redacted(&self) -> Result<(), String> {
        let failures = self.report.failures();
        let reported = failures.iter().filter_map(|c| c.failure.as_deref());
        for (key, value) in &self.secrets {
            if value.len() < 8 || self.outputs.contains(value) {
                continue;
            }
            let leaked = self
                .shown
                .iter()
                .map(String::as_str)
                .chain(reported.clone())
                .any(|text| text.contains(value.as_str()));
            ensure!(
                !leaked,
                "expected the secret {key:?} to be redacted, found its value in Debug output or an error message"
            );
        }
        Ok(())
    }
}
