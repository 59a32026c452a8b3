//! The kubernetes adapter writes manifests into a directory: it passes the provider suite
//! (a hand edit of a written file is drift), and what it writes refers to secrets without
//! holding them.

use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

use platform_core::model::DynamicObject;
use platform_core::provider::{ManagedResource, Provider};
use platform_providers::kubernetes::{API_VERSION, KubernetesProvider};
use platform_testkit::conformance::{ProviderSubject, provider_conformance};

fn manifests(spec: Value) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": "Manifests",
        "metadata": {"name": "storefront-manifests", "namespace": "team-a"},
        "spec": spec,
    }))
    .unwrap();
    ManagedResource::new(object)
}

fn storefront(replicas: u32, secret: &str) -> Value {
    json!({
        "name": "storefront", "namespace": "team-a", "replicas": replicas,
        "containers": [{
            "name": "web", "image": "ghcr.io/acme/storefront:2.0.1",
            "ports": [{"name": "http", "port": 8080}],
            "env": {
                "LOG_LEVEL": "info",
                "DATABASE_HOST": "10.0.0.5",
                "DATABASE_PASSWORD": secret,
                "CACHE_TOKEN": {"secretKeyRef": {"name": "cache-credentials", "key": "token"}},
            },
        }],
        "autoscaling": {"minReplicas": 2, "maxReplicas": 6, "targetCPUUtilizationPercentage": 70},
    })
}

fn yaml_files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.strip_prefix(dir).unwrap().display().to_string(), text));
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn the_kubernetes_adapter_passes_the_provider_suite() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("deploy");
    let provider: Arc<dyn Provider> = Arc::new(KubernetesProvider::new(&root));
    let secret = "${resources.db.secrets.password}";
    // Out-of-band drift: someone edits the written Deployment by hand.
    let file = root.join("team-a/storefront/deployment.yaml");
    let subject = ProviderSubject::new(
        provider,
        manifests(storefront(2, secret)),
        manifests(storefront(3, secret)),
        move |_resource| {
            let file = file.clone();
            async move {
                let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
                let edited = text.replace(
                    "image: ghcr.io/acme/storefront:2.0.1",
                    "image: ghcr.io/acme/storefront:hotfix",
                );
                if edited == text {
                    return Err(format!("no image line to edit in {text}"));
                }
                std::fs::write(&file, edited).map_err(|e| e.to_string())
            }
        },
    );
    provider_conformance(subject).await.assert_passed();
    // Delete leaves no folder behind.
    assert!(!root.join("team-a").exists());
}

#[tokio::test]
async fn a_hand_edit_names_the_file_and_field_and_a_deleted_file_means_absent() {
    let dir = tempfile::tempdir().unwrap();
    let provider = KubernetesProvider::new(dir.path());
    let resource = manifests(storefront(2, "${resources.db.secrets.password}"));
    provider.create(&resource).await.unwrap();
    let hpa = dir.path().join("team-a/storefront/hpa.yaml");
    let text = std::fs::read_to_string(&hpa).unwrap();
    std::fs::write(&hpa, text.replace("maxReplicas: 6", "maxReplicas: 60")).unwrap();
    let seen = provider.observe(&resource).await.unwrap();
    assert!(seen.exists && !seen.up_to_date);
    let paths: Vec<&str> = seen.diff.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["team-a/storefront/hpa.yaml:spec.maxReplicas"]);
    assert_eq!(seen.diff[0].desired, json!(6));
    assert_eq!(seen.diff[0].actual, json!(60));
    // A field added by hand is drift too.
    let service = dir.path().join("team-a/storefront/service.yaml");
    let text = std::fs::read_to_string(&service).unwrap();
    std::fs::write(
        &service,
        text.replace(
            "type: ClusterIP",
            "type: LoadBalancer\n  loadBalancerIP: 1.2.3.4",
        ),
    )
    .unwrap();
    let seen = provider.observe(&resource).await.unwrap();
    let paths: Vec<&str> = seen.diff.iter().map(|d| d.path.as_str()).collect();
    assert!(
        paths.contains(&"team-a/storefront/service.yaml:spec.loadBalancerIP"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"team-a/storefront/service.yaml:spec.type"),
        "{paths:?}"
    );
    // Create leaves existing (edited) files alone; update restores them.
    provider.create(&resource).await.unwrap();
    assert!(!provider.observe(&resource).await.unwrap().up_to_date);
    provider.update(&resource).await.unwrap();
    assert!(provider.observe(&resource).await.unwrap().up_to_date);
    // A deleted file: the resource no longer exists; create writes only what is missing.
    std::fs::remove_file(&hpa).unwrap();
    assert!(!provider.observe(&resource).await.unwrap().exists);
    provider.create(&resource).await.unwrap();
    let seen = provider.observe(&resource).await.unwrap();
    assert!(seen.exists && seen.up_to_date, "{:?}", seen.diff);
    // Without autoscaling, update removes the autoscaler's file.
    let mut spec = storefront(2, "x");
    spec.as_object_mut().unwrap().remove("autoscaling");
    let smaller = manifests(spec);
    assert!(!provider.observe(&smaller).await.unwrap().up_to_date);
    provider.update(&smaller).await.unwrap();
    assert!(!hpa.exists());
    assert!(provider.observe(&smaller).await.unwrap().up_to_date);
    // Other files in the folder are not the adapter's: delete leaves them.
    let own = dir.path().join("team-a/storefront/kustomization.yaml");
    std::fs::write(&own, "resources: []\n").unwrap();
    provider.delete(&smaller).await.unwrap();
    assert!(own.exists());
    assert_eq!(yaml_files(dir.path()).len(), 1);
}

#[tokio::test]
async fn the_deployment_refers_to_secrets_and_no_secret_value_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let provider = KubernetesProvider::new(dir.path());
    let resource = manifests(storefront(
        2,
        "postgres://app:${resources.db.secrets.password}@10.0.0.5:5432/store",
    ));
    let applied = provider.create(&resource).await.unwrap();
    assert!(applied.secrets.is_empty());
    assert_eq!(
        applied.outputs["files"],
        json!([
            "team-a/storefront/configmap.yaml",
            "team-a/storefront/deployment.yaml",
            "team-a/storefront/hpa.yaml",
            "team-a/storefront/service.yaml",
        ])
    );
    let written = yaml_files(dir.path());
    assert_eq!(written.len(), 4);
    let deployment: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(dir.path().join("team-a/storefront/deployment.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(deployment["kind"], "Deployment");
    let env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap();
    let by_name = |n: &str| env.iter().find(|e| e["name"] == n).unwrap().clone();
    assert_eq!(
        by_name("DATABASE_PASSWORD")["valueFrom"],
        json!({"secretKeyRef": {"key": "web.DATABASE_PASSWORD", "name": "storefront-connection"}})
    );
    assert_eq!(
        by_name("CACHE_TOKEN")["valueFrom"],
        json!({"secretKeyRef": {"key": "token", "name": "cache-credentials"}})
    );
    assert_eq!(
        by_name("LOG_LEVEL")["valueFrom"],
        json!({"configMapKeyRef": {"key": "web.LOG_LEVEL", "name": "storefront-config"}})
    );
    assert!(env.iter().all(|e| e.get("value").is_none()), "{env:?}");
    let configmap: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(dir.path().join("team-a/storefront/configmap.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        configmap["data"],
        json!({"web.DATABASE_HOST": "10.0.0.5", "web.LOG_LEVEL": "info"})
    );
    for (file, text) in &written {
        assert!(text.starts_with("# Generated by platform"), "{file}");
        // No Secret object and no secret material: only references.
        assert!(!text.contains("kind: Secret"), "{file}: {text}");
        assert!(!text.contains("stringData"), "{file}");
        assert!(
            !text.contains("postgres://app:"),
            "{file} holds the secret-bearing value: {text}"
        );
    }
    // The secret-bearing value is not even in the recorded spec of the Deployment.
    let annotations = &deployment["metadata"]["annotations"];
    assert_eq!(
        annotations["platform.dev/requires-secret"],
        "cache-credentials/token,storefront-connection/web.DATABASE_PASSWORD"
    );
}
