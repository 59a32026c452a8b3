//! The kubernetes adapter, manifests only: an application's workload written as YAML files
//! into a directory that a GitOps tool (Argo CD, Flux) syncs to a cluster. No cluster needed.
//!
//! | kind (`kubernetes.platform.dev/v1alpha1`) | real resource | outputs | secrets |
//! |---|---|---|---|
//! | `Manifests` | `<directory>/<namespace>/<name>/{deployment,service,configmap,hpa}.yaml` | directory, files | — |
//!
//! Spec of `Manifests` (the shape of the built-in `Application`, plus where it runs):
//!
//! | field | meaning |
//! |---|---|
//! | `name` | application name, a DNS-1123 label: the Deployment, Service and autoscaler |
//! | `namespace` | Kubernetes namespace, a DNS-1123 label (default `default`) |
//! | `replicas` | running copies (default 1); left out of the Deployment when `autoscaling` is set |
//! | `containers[]` | `name`, `image`, `ports[]` (`name?`, `port`, `protocol?` TCP/UDP/SCTP), `env` |
//! | `containers[].env.<VAR>` | a plain value (string, number, bool) goes to the ConfigMap `<name>-config` under the key `<container>.<VAR>`; a value holding `${resources.<r>.secrets.<k>}` becomes a `secretKeyRef` to the key `<container>.<VAR>` of the Secret `secretName` (the key the engine stores an Application's resolved secret env under); `{secretKeyRef: {name?, key}}` refers to any Secret key. Secret values are never written |
//! | `secretName` | the Secret that secret env values refer to (default `<name>-connection`); the adapter does not write it: it is handed over out of band (sealed-secrets, an external secrets operator) |
//! | `autoscaling` | `minReplicas` (default 1), `maxReplicas`, `targetCPUUtilizationPercentage` (default 80): a HorizontalPodAutoscaler (`autoscaling/v2`) |
//!
//! Each file starts with a header comment naming the generator, then the object with sorted
//! keys: the same spec always gives the same bytes. The Deployment records the spec it came
//! from in the annotation `platform.dev/manifests-spec`, so a changed spec is reported by spec
//! field; a hand edit of a written file is drift reported by file and field
//! (`team-a/orders/deployment.yaml:spec.replicas`). A missing file means the resource does not
//! exist (create writes what is missing and leaves existing files alone; update rewrites).
//! Delete removes the adapter's files and the folders left empty, nothing else.
//!
//! Why no composition of `Application` writes this kind yet: the engine fills placeholders of
//! composed resources from the outputs of the composition's own resources, so an
//! Application's env holding `${resources.db.outputs.host}` would wait forever; a composition
//! can fill `name`, `namespace`, `replicas` and containers without env today.

mod files;
mod render;
mod spec;

use async_trait::async_trait;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use platform_core::provider::{
    Adapter, AdapterContext, Applied, AsAdapter, FieldDiff, ManagedKind, ManagedResource,
    Observation, ProviderError, diff_fields,
};
use platform_core::secret::SecretMap;

pub use render::{SECRET_ANNOTATION, SPEC_ANNOTATION};
pub use spec::{
    Autoscaling, ContainerSpec, EnvSource, EnvValue, ManifestsSpec, PortSpec, SecretKeyRef,
    SecretRef,
};

use render::{Manifest, OWNED_FILES};

/// apiVersion of the kubernetes managed kinds.
pub const API_VERSION: &str = "kubernetes.platform.dev/v1alpha1";
/// The managed kinds the kubernetes adapter serves.
pub const KINDS: &[&str] = &["Manifests"];

/// Writes Kubernetes manifests of applications into a directory.
#[derive(Debug, Clone)]
pub struct KubernetesProvider {
    adapter: Adapter<Directory>,
}

impl KubernetesProvider {
    /// A provider writing under `directory` (created on first write).
    pub fn new(directory: impl Into<PathBuf>) -> Self {
        let directory = Directory {
            root: Arc::new(directory.into()),
        };
        KubernetesProvider {
            adapter: Adapter::builder("kubernetes", API_VERSION, directory)
                .kind("Manifests", Manifests)
                .build(),
        }
    }

    /// A provider from config settings `{directory: PATH}` (default `deploy`); a relative
    /// directory is taken from `base`, the config's folder.
    pub fn from_settings(
        settings: &Value,
        base: &Path,
    ) -> Result<Self, crate::support::settings::SettingsError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Settings {
            directory: Option<PathBuf>,
        }
        let s: Settings = crate::support::settings::parse("kubernetes", settings)?;
        let directory = s.directory.unwrap_or_else(|| PathBuf::from("deploy"));
        Ok(KubernetesProvider::new(base.join(directory)))
    }

    /// The directory manifests are written into.
    pub fn directory(&self) -> &Path {
        &self.adapter.context().root
    }
}

impl AsAdapter for KubernetesProvider {
    type Context = Directory;

    fn adapter(&self) -> &Adapter<Directory> {
        &self.adapter
    }
}

/// What the kubernetes kind is given: the directory manifests are written into.
#[derive(Debug)]
pub struct Directory {
    root: Arc<PathBuf>,
}

/// Nothing to list: a folder of manifests records no owner.
impl AdapterContext for Directory {}

impl Directory {
    /// Runs `work` on the plan of `resource` on a blocking thread.
    async fn run<T: Send + 'static>(
        &self,
        resource: &ManagedResource,
        work: fn(&Path, &Plan) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        // Everything is checked before the file system is touched.
        let plan = Plan::of(&self.root, resource)?;
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || work(&root, &plan))
            .await
            .map_err(|e| ProviderError::transient(format!("kubernetes adapter task failed: {e}")))?
    }
}

/// What one resource means on disk: its folder and the manifests that belong in it.
struct Plan {
    /// The spec as recorded on the Deployment (secret-bearing env values replaced).
    record: Value,
    /// `<root>/<namespace>/<name>`.
    dir: PathBuf,
    /// `<namespace>/<name>`, for messages and outputs.
    shown: String,
    manifests: Vec<Manifest>,
}

impl Plan {
    fn of(root: &Path, resource: &ManagedResource) -> Result<Plan, ProviderError> {
        let spec: ManifestsSpec = crate::support::spec::parse(resource)?;
        spec.check()?;
        let dir = files::app_dir(root, &spec.namespace, &spec.name)?;
        let record = render::spec_record(&spec, resource.spec());
        Ok(Plan {
            manifests: render::render(&spec, &record),
            record,
            dir,
            shown: format!("{}/{}", spec.namespace, spec.name),
        })
    }

    fn file(&self, name: &str) -> String {
        format!("{}/{name}", self.shown)
    }

    fn outputs(&self) -> BTreeMap<String, Value> {
        let files: Vec<String> = self.manifests.iter().map(|m| self.file(m.file)).collect();
        BTreeMap::from([
            (
                "directory".to_owned(),
                json!(self.dir.display().to_string()),
            ),
            ("files".to_owned(), json!(files)),
        ])
    }

    fn expects(&self, file: &str) -> bool {
        self.manifests.iter().any(|m| m.file == file)
    }
}

fn observe(root: &Path, plan: &Plan) -> Result<Observation, ProviderError> {
    if !plan.dir.is_dir() {
        return Ok(Observation::absent());
    }
    files::inside_root(root, &plan.dir)?;
    let mut diff = Vec::new();
    let mut missing = 0;
    let mut recorded = Value::Null;
    for manifest in &plan.manifests {
        let shown = plan.file(manifest.file);
        let Some(text) = files::read(&plan.dir.join(manifest.file))? else {
            missing += 1;
            diff.push(FieldDiff {
                path: shown,
                desired: json!("present"),
                actual: Value::Null,
            });
            continue;
        };
        if manifest.file == "deployment.yaml" {
            recorded = recorded_spec(&text);
        }
        diff.extend(files::compare(&shown, &manifest.object, &text));
    }
    if missing == plan.manifests.len() {
        return Ok(Observation::absent());
    }
    for file in OWNED_FILES {
        if !plan.expects(file) && plan.dir.join(file).exists() {
            diff.push(FieldDiff {
                path: plan.file(file),
                desired: Value::Null,
                actual: json!("present"),
            });
        }
    }
    // Spec fields first: they say what changed in words of the spec.
    let mut all = diff_fields("spec", &plan.record, &recorded);
    all.extend(diff);
    if missing > 0 {
        return Ok(Observation {
            diff: all,
            ..Observation::absent()
        });
    }
    Ok(Observation {
        exists: true,
        up_to_date: all.is_empty(),
        ready: true,
        diff: all,
        outputs: plan.outputs(),
        secrets: SecretMap::new(),
    })
}

/// The spec recorded on a written Deployment, or null when it cannot be read.
fn recorded_spec(text: &str) -> Value {
    let Ok(object) = serde_saphyr::from_str::<Value>(text) else {
        return Value::Null;
    };
    object["metadata"]["annotations"][SPEC_ANNOTATION]
        .as_str()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

fn prepare_dir(root: &Path, plan: &Plan) -> Result<(), ProviderError> {
    if plan.dir.exists() {
        files::inside_root(root, &plan.dir)?;
    }
    std::fs::create_dir_all(&plan.dir)
        .map_err(|e| files::io_error("cannot create", &plan.dir, e))?;
    // Checked again once created: a symbolic link on the way must not lead outside.
    files::inside_root(root, &plan.dir)
}

fn applied(plan: &Plan) -> Applied {
    Applied {
        pending: false,
        outputs: plan.outputs(),
        secrets: SecretMap::new(),
    }
}

/// Writes the files that are missing; existing files, even edited ones, are left alone.
fn create(root: &Path, plan: &Plan) -> Result<Applied, ProviderError> {
    prepare_dir(root, plan)?;
    for manifest in &plan.manifests {
        let path = plan.dir.join(manifest.file);
        if !path.exists() {
            files::write(&path, &files::to_text(manifest)?)?;
        }
    }
    Ok(applied(plan))
}

/// Writes every file that differs from what the spec gives, and removes the adapter's files
/// the spec no longer needs.
fn update(root: &Path, plan: &Plan) -> Result<Applied, ProviderError> {
    prepare_dir(root, plan)?;
    for manifest in &plan.manifests {
        let path = plan.dir.join(manifest.file);
        let text = files::to_text(manifest)?;
        if files::read(&path)?.as_deref() != Some(text.as_str()) {
            files::write(&path, &text)?;
        }
    }
    for file in OWNED_FILES {
        if !plan.expects(file) {
            files::remove(&plan.dir.join(file))?;
        }
    }
    Ok(applied(plan))
}

fn delete(root: &Path, plan: &Plan) -> Result<(), ProviderError> {
    if !plan.dir.is_dir() {
        return Ok(());
    }
    files::inside_root(root, &plan.dir)?;
    for file in OWNED_FILES {
        files::remove(&plan.dir.join(file))?;
    }
    files::remove_if_empty(&plan.dir)?;
    if let Some(namespace) = plan.dir.parent() {
        files::remove_if_empty(namespace)?;
    }
    Ok(())
}

/// The `Manifests` kind: an application's manifests in a folder of their own.
struct Manifests;

#[async_trait]
impl ManagedKind<Directory> for Manifests {
    async fn observe(
        &self,
        dir: &Directory,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError> {
        dir.run(resource, observe).await
    }

    async fn create(
        &self,
        dir: &Directory,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        dir.run(resource, create).await
    }

    async fn update(
        &self,
        dir: &Directory,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        dir.run(resource, update).await
    }

    async fn delete(
        &self,
        dir: &Directory,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        dir.run(resource, delete).await
    }
}

#[cfg(test)]
mod tests;
