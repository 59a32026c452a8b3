//! End-to-end tests: run the built `platformctl` on good and broken files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn platformctl(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_platformctl"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("platformctl runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn quickstart_claims_validate() {
    let out = platformctl(&repo(), &["validate", "-f", "examples/quickstart"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "2 documents, 0 errors\n");
}

#[test]
fn broken_files_give_located_errors_and_exit_1() {
    let out = platformctl(&repo(), &["validate", "-f", "examples/broken"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "examples/broken/claims.yaml:5:9: metadata.name: expected a DNS-1123 label (lowercase letters, digits and '-'), found 'O' in \"Orders_DB\"",
            "examples/broken/claims.yaml:7:11: spec.engine: expected one of postgresql, mysql, sqlite; found \"oracle\"",
            "examples/broken/claims.yaml:8:9: spec.size: expected one of small, medium, large, xlarge; found \"huge\"",
            "examples/broken/claims.yaml:9:15: spec.storageGiB: expected integer, found a string: \"lots\"",
            "examples/broken/claims.yaml:10:3: spec.colour: unknown field \"colour\"; expected one of: engine, version, size, storageGiB, backup, highAvailability, deletionPolicy",
            "examples/broken/claims.yaml:17:17: spec.maxMemoryMiB: expected at least 16, found 4",
            "examples/broken/malformed.yaml:5:2: yaml: while parsing a block mapping, did not find expected key",
            "2 documents, 7 errors",
        ]
    );
}

#[test]
fn seed_validates_under_a_configured_group() {
    let dir = repo().join("examples/company-group");
    let out = platformctl(&dir, &["validate", "-f", "orders-db.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "1 document, 0 errors\n");
    // Without the config the group is platform.dev, and the seed's apiVersion is unknown.
    let out = platformctl(
        &repo(),
        &["validate", "-f", "examples/company-group/orders-db.yaml"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr)
            .contains("1:13: apiVersion: unknown apiVersion \"platform.company.io/v1alpha1\"")
    );
}

#[test]
fn custom_kinds_come_from_schema_files() {
    let dir = repo().join("examples/custom-kind");
    let out = platformctl(&dir, &["validate", "-f", "claims"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = platformctl(&dir, &["kinds"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("MessageTopic    acme.io/v1"), "{stdout}");
    assert!(stdout.contains("SearchIndex     acme.io/v1"), "{stdout}");
    let out = platformctl(&dir, &["crd", "SearchIndex"]);
    assert!(
        text(&out.stdout).contains("name: searchindexes.acme.io"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn unknown_config_keys_are_errors_with_their_location() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("platform.yaml"),
        "apiGroup: acme.io\napiGropu: x\n",
    )
    .unwrap();
    let out = platformctl(dir.path(), &["kinds"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: invalid config:\nplatform.yaml:2:1: apiGropu: unknown config key \"apiGropu\"; expected one of: apiGroup, kinds\n"
    );
    // --config names another file.
    std::fs::write(dir.path().join("other.yaml"), "apiGroup: acme.io\n").unwrap();
    let out = platformctl(dir.path(), &["--config", "other.yaml", "kinds"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("DatabaseClaim   acme.io/v1alpha1"));
}

#[test]
fn schema_and_crd_export() {
    let out = platformctl(&repo(), &["schema", "DatabaseClaim"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["properties"]["kind"]["const"], "DatabaseClaim");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let out = platformctl(&repo(), &["crd", "DatabaseClaim"]);
    let crd = text(&out.stdout);
    assert!(
        crd.starts_with("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"),
        "{crd}"
    );
    assert!(!crd.contains("$ref") && !crd.contains("oneOf"), "{crd}");
    let out = platformctl(&repo(), &["schema", "Databse"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with(
        "error: unknown kind \"Databse\"; registered kinds: Application, BucketClaim"
    ));
}

#[test]
fn missing_files_are_reported_not_panicked() {
    let out = platformctl(&repo(), &["validate", "-f", "does/not/exist.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("does/not/exist.yaml:1:1: (file): cannot read: "),
        "{}",
        text(&out.stderr)
    );
}
