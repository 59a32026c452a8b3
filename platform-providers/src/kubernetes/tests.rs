use serde_json::{Value, json};

use super::*;
use platform_core::model::DynamicObject;
use platform_core::provider::Provider;

fn resource(spec: Value) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": "Manifests",
        "metadata": {"name": "orders", "namespace": "team-a"},
        "spec": spec,
    }))
    .unwrap();
    ManagedResource::new(object)
}

fn spec() -> Value {
    json!({
        "name": "orders", "namespace": "team-a", "replicas": 2,
        "containers": [{
            "name": "web", "image": "ghcr.io/acme/orders:1.4.2",
            "ports": [{"name": "http", "port": 8080}],
            "env": {
                "LOG_LEVEL": "info",
                "DB_PORT": 5432,
                "DATABASE_URL": "postgres://app:${resources.db.secrets.password}@db:5432/orders",
            },
        }],
        "autoscaling": {"minReplicas": 2, "maxReplicas": 5},
    })
}

const HOSTILE: &[&str] = &[
    "../escape",
    "a/b",
    "two words",
    "semi;colon",
    "quote\"d",
    "all*",
    "Upper",
    "-leading",
    ".",
    "..",
    "",
];

#[tokio::test]
async fn hostile_names_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let provider = KubernetesProvider::new(dir.path().join("deploy"));
    let long = "a".repeat(64);
    let mut values: Vec<&str> = HOSTILE.to_vec();
    values.push(&long);
    for field in ["name", "namespace"] {
        for value in &values {
            let mut s = spec();
            s[field] = json!(value);
            let e = provider.create(&resource(s)).await.unwrap_err();
            assert_eq!(e.class, platform_core::provider::ErrorClass::Permanent);
            assert!(
                e.message
                    .starts_with(&format!("invalid spec.{field}: expected a DNS-1123 label")),
                "{e}"
            );
        }
    }
    let mut s = spec();
    s["containers"][0]["name"] = json!("web;rm -rf");
    let e = provider.create(&resource(s)).await.unwrap_err();
    assert!(e.message.contains("spec.containers[0].name"), "{e}");
    let mut s = spec();
    s["containers"][0]["env"] = json!({"BAD NAME": "x"});
    let e = provider.create(&resource(s)).await.unwrap_err();
    assert!(e.message.contains("spec.containers[0].env"), "{e}");
    let mut s = spec();
    s["containers"][0]["image"] = json!("nginx\"\n  evil: true");
    let e = provider.create(&resource(s)).await.unwrap_err();
    assert!(e.message.contains("spec.containers[0].image"), "{e}");
    let mut s = spec();
    s["secretName"] = json!("../../etc");
    let e = provider.create(&resource(s)).await.unwrap_err();
    assert!(e.message.contains("spec.secretName"), "{e}");
    let mut s = spec();
    s["containers"][0]["env"] = json!({"X": {"secretKeyRef": {"key": "a/b"}}});
    let e = provider.create(&resource(s)).await.unwrap_err();
    assert!(e.message.contains("secretKeyRef.key"), "{e}");
    let mut s = spec();
    s["containers"][0]["ports"][0]["protocol"] = json!("HTTP");
    let e = provider.create(&resource(s)).await.unwrap_err();
    assert!(e.message.contains("expected one of TCP, UDP, SCTP"), "{e}");
    let mut s = spec();
    s["autoscaling"] = json!({"minReplicas": 5, "maxReplicas": 2});
    let e = provider.create(&resource(s)).await.unwrap_err();
    assert!(e.message.contains("spec.autoscaling"), "{e}");
    assert!(
        !dir.path().join("deploy").exists(),
        "nothing may be written"
    );
}

#[tokio::test]
async fn unknown_fields_and_unresolved_outputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let provider = KubernetesProvider::new(dir.path());
    let mut s = spec();
    s["replica"] = json!(3);
    let e = provider.observe(&resource(s)).await.unwrap_err();
    assert!(e.message.contains("unknown field `replica`"), "{e}");
    let mut s = spec();
    s["containers"][0]["env"] = json!({"HOST": "${resources.db.outputs.host}"});
    let e = provider.create(&resource(s)).await.unwrap_err();
    assert!(e.message.contains("unresolved placeholder"), "{e}");
}

#[test]
fn settings_take_the_directory_from_the_config_folder() {
    let p = KubernetesProvider::from_settings(&json!({"directory": "gitops"}), Path::new("/srv"))
        .unwrap();
    assert_eq!(p.directory(), Path::new("/srv/gitops"));
    let p = KubernetesProvider::from_settings(&Value::Null, Path::new("/srv")).unwrap();
    assert_eq!(p.directory(), Path::new("/srv/deploy"));
    let e = KubernetesProvider::from_settings(&json!({"dir": "x"}), Path::new("/")).unwrap_err();
    assert!(e.to_string().contains("unknown field `dir`"), "{e}");
}

#[test]
fn rendering_is_deterministic_and_sorted() {
    let s: ManifestsSpec = serde_json::from_value(spec()).unwrap();
    s.check().unwrap();
    let record = render::spec_record(&s, &spec());
    assert_eq!(
        record["containers"][0]["env"]["DATABASE_URL"],
        json!("(secret orders-connection/web.DATABASE_URL)")
    );
    let a = render::render(&s, &record);
    let b = render::render(&s, &record);
    assert_eq!(a, b);
    let files: Vec<&str> = a.iter().map(|m| m.file).collect();
    assert_eq!(
        files,
        [
            "configmap.yaml",
            "deployment.yaml",
            "hpa.yaml",
            "service.yaml"
        ]
    );
    let text = files::to_text(&a[1]).unwrap();
    assert!(text.starts_with(files::HEADER));
    let body = &text[files::HEADER.len()..];
    assert!(
        body.starts_with("apiVersion: apps/v1\nkind: Deployment\nmetadata:"),
        "{body}"
    );
    // With an autoscaler the Deployment leaves replicas to it.
    assert!(a[1].object["spec"].get("replicas").is_none());
    assert_eq!(a[0].object["data"]["web.DB_PORT"], json!("5432"));
}

#[test]
fn tricky_values_survive_the_yaml_round_trip() {
    let mut s = spec();
    s["containers"][0]["env"] = json!({
        "A": "true", "B": "0123", "C": "null", "D": "yes", "E": "1.0", "F": "a: b", "G": "#x",
        "H": "", "I": "line\nbreak", "J": " padded ", "K": "~", "L": "$${literal}",
    });
    let typed: ManifestsSpec = serde_json::from_value(s.clone()).unwrap();
    typed.check().unwrap();
    for m in render::render(&typed, &s) {
        let text = files::to_text(&m).unwrap();
        assert_eq!(files::compare(m.file, &m.object, &text), vec![], "{text}");
    }
}
