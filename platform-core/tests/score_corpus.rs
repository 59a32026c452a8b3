//! Score workloads of the real world (score-compose, score-k8s, the Score spec and samples):
//! our verdict equals the official Score JSON Schema's on every one, and on broken variants.

use std::path::{Path, PathBuf};

use platform_core::kinds::KindRegistry;
use platform_core::kinds::score::{SCORE_SCHEMA, ScoreTypes, expand_score};
use platform_core::load::{Diagnostic, Document, Format, Loader};
use platform_core::validate::Validator;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/score")
}

fn official() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            fixtures()
                .with_file_name("score-schema")
                .join("score-v1b1.json"),
        )
        .unwrap(),
    )
    .unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap()
}

fn workload_files() -> Vec<PathBuf> {
    platform_core::load::collect_files(&fixtures())
        .unwrap()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect()
}

/// Our verdict: the errors of converting and then validating the Application.
fn our_errors(documents: Vec<Document>) -> Vec<Diagnostic> {
    let registry = KindRegistry::builtin();
    let expanded = expand_score(documents, &registry, &ScoreTypes::builtin());
    let mut errors = expanded.errors;
    errors.extend(
        Validator::new(&registry)
            .validate(&expanded.documents)
            .diagnostics,
    );
    errors
}

#[test]
fn the_shipped_schema_is_the_official_one() {
    let shipped: Value = serde_json::from_str(SCORE_SCHEMA).unwrap();
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(
            fixtures()
                .with_file_name("score-schema")
                .join("score-v1b1.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(shipped, fixture);
}

#[test]
fn every_corpus_workload_gets_the_official_verdict() {
    let official = official();
    let files = workload_files();
    assert_eq!(files.len(), 78, "the corpus holds 78 workloads");
    let loader = Loader::new();
    let mut valid = 0;
    let mut failures = Vec::new();
    for file in &files {
        let loaded = loader.load_file(file);
        assert!(
            loaded.diagnostics.is_empty(),
            "{file:?}: {:?}",
            loaded.diagnostics
        );
        assert_eq!(loaded.documents.len(), 1, "{file:?}");
        let verdict = official.is_valid(&loaded.documents[0].root.to_json());
        let errors = our_errors(loaded.documents);
        if verdict != errors.is_empty() {
            failures.push(format!(
                "{}: official says valid={verdict}, we say {errors:#?}",
                file.display()
            ));
        }
        valid += usize::from(verdict);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(valid, 78, "every corpus workload is valid Score");
}

/// Broken variants of a workload, each with the field it breaks.
fn variants(workload: &Value) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let mut v = workload.clone();
    v.as_object_mut().unwrap().remove("containers");
    out.push(("containers missing", v));
    let mut v = workload.clone();
    v["metadata"]["name"] = "Orders_DB".into();
    out.push(("bad name", v));
    let mut v = workload.clone();
    v["colour"] = "blue".into();
    out.push(("unknown field", v));
    let mut v = workload.clone();
    let first = v["containers"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    v["containers"][&first]["image"] = 42.into();
    out.push(("image not a string", v));
    let mut v = workload.clone();
    v["containers"][&first]["variables"] = serde_json::json!({"PORT": 8080});
    out.push(("variable not a string", v));
    let mut v = workload.clone();
    v["resources"] = serde_json::json!({"db": {"class": "large"}});
    out.push(("resource without type", v));
    let mut v = workload.clone();
    v["service"] = serde_json::json!({"ports": {"www": {"port": 70000}}});
    out.push(("port out of range", v));
    out
}

#[test]
fn broken_variants_get_the_official_verdict_with_located_errors() {
    let official = official();
    let loader = Loader::new();
    let mut checked = 0;
    for file in workload_files() {
        let loaded = loader.load_file(&file);
        let workload = loaded.documents[0].root.to_json();
        for (what, variant) in variants(&workload) {
            let text = serde_json::to_string_pretty(&variant).unwrap();
            let name = format!("{}#{what}", file.display());
            let docs = loader
                .load_str(name.as_str().into(), &text, Format::Json)
                .documents;
            let errors = our_errors(docs);
            assert_eq!(
                official.is_valid(&variant),
                errors.is_empty(),
                "{name}: {errors:#?}"
            );
            assert!(!errors.is_empty(), "{name} is invalid Score");
            for e in &errors {
                assert!(e.location.line >= 1, "{e}");
                assert!(e.to_string().starts_with(&format!("{name}:")), "{e}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 78 * 7);
}

#[test]
fn an_invalid_workload_is_located_at_its_field() {
    let text = "apiVersion: score.dev/v1b1\nmetadata:\n  name: orders\ncontainers:\n  main:\n    image: 42\n";
    let docs = Loader::new()
        .load_str("score.yaml".into(), text, Format::Yaml)
        .documents;
    let errors = our_errors(docs);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].to_string(),
        "score.yaml:6:12: containers.main.image: expected string, found an integer: 42"
    );
}

#[test]
fn converting_the_corpus_keeps_every_workload_as_one_application() {
    let registry = KindRegistry::builtin();
    let loaded = Loader::new().load_paths(&workload_files());
    let expanded = expand_score(loaded.documents, &registry, &ScoreTypes::builtin());
    assert_eq!(expanded.workloads(), 78);
    assert_eq!(expanded.documents.len(), 78);
    assert!(
        expanded
            .documents
            .iter()
            .all(|d: &Document| d.top_str("kind") == Some("Application"))
    );
    // Types such as dns, route and volume are nobody's here: reported, never a panic.
    assert!(
        expanded
            .unserved
            .iter()
            .any(|d| d.message.contains("type \"dns\""))
    );
}
