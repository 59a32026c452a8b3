//! From a `Manifests` spec to Kubernetes objects: Deployment, Service, ConfigMap and
//! HorizontalPodAutoscaler, one file each. Pure: the same spec always gives the same objects.

use serde_json::{Map, Value, json};

use super::spec::{EnvSource, ManifestsSpec, port_name};

/// Annotation on the Deployment recording the spec it was generated from, so observe can name
/// changed spec fields (as `kubectl.kubernetes.io/last-applied-configuration` does).
pub const SPEC_ANNOTATION: &str = "platform.dev/manifests-spec";
/// Annotation on the Deployment naming the Secret it expects (never its values).
pub const SECRET_ANNOTATION: &str = "platform.dev/requires-secret";

/// The file names the adapter owns inside an application's folder.
pub const OWNED_FILES: &[&str] = &[
    "configmap.yaml",
    "deployment.yaml",
    "hpa.yaml",
    "service.yaml",
];

/// One object to write: its file name and content.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// File name inside the application's folder, such as `deployment.yaml`.
    pub file: &'static str,
    /// The object.
    pub object: Value,
}

fn labels(spec: &ManifestsSpec) -> Value {
    json!({
        "app.kubernetes.io/managed-by": "platform",
        "app.kubernetes.io/name": spec.name,
    })
}

fn metadata(spec: &ManifestsSpec, name: &str) -> Value {
    json!({"labels": labels(spec), "name": name, "namespace": spec.namespace})
}

/// The spec as given (`raw`), as recorded on the Deployment: env values that use secrets are
/// replaced by the Secret key they become, so not even a template of a secret is written.
pub fn spec_record(spec: &ManifestsSpec, raw: &Value) -> Value {
    let mut record = raw.clone();
    for (i, c) in spec.containers.iter().enumerate() {
        for (var, source) in spec.env_sources(c) {
            let uses_secret = matches!(&c.env[&var], super::spec::EnvValue::Text(_));
            if let (true, EnvSource::Secret { name, key }) = (uses_secret, source)
                && let Some(slot) = record.pointer_mut(&format!("/containers/{i}/env/{var}"))
            {
                *slot = Value::String(format!("(secret {name}/{key})"));
            }
        }
    }
    sorted(&record)
}

/// The objects for `spec`, sorted by file name; `record` is [`spec_record`], kept on the
/// Deployment. The spec must have passed [`ManifestsSpec::check`].
pub fn render(spec: &ManifestsSpec, record: &Value) -> Vec<Manifest> {
    let mut config = Map::new();
    let mut secret_keys = Vec::new();
    let mut containers = Vec::new();
    let mut service_ports = Vec::new();
    for c in &spec.containers {
        let env: Vec<Value> = spec
            .env_sources(c)
            .into_iter()
            .map(|(var, source)| match source {
                EnvSource::Config { key, value } => {
                    let reference =
                        json!({"configMapKeyRef": {"key": key, "name": spec.config_map_name()}});
                    config.insert(key, Value::String(value));
                    json!({"name": var, "valueFrom": reference})
                }
                EnvSource::Secret { name, key } => {
                    secret_keys.push(format!("{name}/{key}"));
                    json!({"name": var, "valueFrom": {"secretKeyRef": {"key": key, "name": name}}})
                }
            })
            .collect();
        let mut container = json!({"image": c.image, "name": c.name});
        if !env.is_empty() {
            container["env"] = Value::Array(env);
        }
        if !c.ports.is_empty() {
            let ports: Vec<Value> = c
                .ports
                .iter()
                .map(|p| {
                    let protocol = p.protocol.clone().unwrap_or_else(|| "TCP".to_owned());
                    service_ports.push(json!({
                        "name": port_name(p), "port": p.port, "protocol": protocol,
                        "targetPort": port_name(p),
                    }));
                    json!({"containerPort": p.port, "name": port_name(p), "protocol": protocol})
                })
                .collect();
            container["ports"] = Value::Array(ports);
        }
        containers.push(container);
    }

    let mut deployment_meta = metadata(spec, &spec.name);
    let mut annotations = Map::new();
    // Compact JSON with sorted keys: the same spec gives the same text.
    annotations.insert(
        SPEC_ANNOTATION.to_owned(),
        Value::String(record.to_string()),
    );
    if !secret_keys.is_empty() {
        secret_keys.sort();
        secret_keys.dedup();
        annotations.insert(
            SECRET_ANNOTATION.to_owned(),
            Value::String(secret_keys.join(",")),
        );
    }
    deployment_meta["annotations"] = Value::Object(annotations);
    let mut deployment_spec = json!({
        "selector": {"matchLabels": {"app.kubernetes.io/name": spec.name}},
        "template": {
            "metadata": {"labels": labels(spec)},
            "spec": {"containers": containers},
        },
    });
    // With an autoscaler the replica count is its to set: a GitOps tool writing `replicas`
    // back would fight it on every sync.
    if spec.autoscaling.is_none() {
        deployment_spec["replicas"] = json!(spec.replicas);
    }
    let mut out = vec![Manifest {
        file: "deployment.yaml",
        object: json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": deployment_meta, "spec": deployment_spec,
        }),
    }];
    if !config.is_empty() {
        out.push(Manifest {
            file: "configmap.yaml",
            object: json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": metadata(spec, &spec.config_map_name()),
                "data": config,
            }),
        });
    }
    if !service_ports.is_empty() {
        out.push(Manifest {
            file: "service.yaml",
            object: json!({
                "apiVersion": "v1", "kind": "Service",
                "metadata": metadata(spec, &spec.name),
                "spec": {
                    "ports": service_ports,
                    "selector": {"app.kubernetes.io/name": spec.name},
                    "type": "ClusterIP",
                },
            }),
        });
    }
    if let Some(a) = &spec.autoscaling {
        out.push(Manifest {
            file: "hpa.yaml",
            object: json!({
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": metadata(spec, &spec.name),
                "spec": {
                    "maxReplicas": a.max_replicas,
                    "metrics": [{
                        "resource": {"name": "cpu", "target": {
                            "averageUtilization": a.target_cpu_utilization_percentage,
                            "type": "Utilization",
                        }},
                        "type": "Resource",
                    }],
                    "minReplicas": a.min_replicas,
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.name},
                },
            }),
        });
    }
    out.sort_by_key(|m| m.file);
    for m in &mut out {
        m.object = sorted(&m.object);
    }
    out
}

/// `value` with the keys of every object in sorted order (maps keep insertion order here).
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
