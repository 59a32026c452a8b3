//! An Application that reads an output no chosen composition provides would wait forever: the
//! production claims applied in the local environment read `audit.outputs.subject`, which only
//! the production NATS composition writes. Validate and plan refuse it, located, before
//! anything is created; in production the same claims pass.

mod support;

use std::path::Path;
use std::process::Output;

use support::{repo, streams};

/// platformctl with the secrets the production config reads from the environment.
fn platformctl(dir: &Path, args: &[&str]) -> Output {
    let mut command = support::command(dir);
    command
        .env("RABBITMQ_PASSWORD", "guest")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test");
    support::output(command, args)
}

/// A temp folder with the production claims in `claims/`, and the production config as
/// `production.yaml` (no `platform.yaml`: the built-in local environment is the default).
fn production_claims() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("claims");
    std::fs::create_dir(&claims).unwrap();
    let source = repo().join("examples/production/claims");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, claims.join(path.file_name().unwrap())).unwrap();
    }
    std::fs::copy(
        repo().join("examples/production/platform.yaml"),
        dir.path().join("production.yaml"),
    )
    .unwrap();
    dir
}

#[test]
fn validate_locates_a_placeholder_the_local_composition_never_fills() {
    let dir = production_claims();
    let out = platformctl(dir.path(), &["validate", "-f", "claims"]);
    let (stdout, stderr) = streams(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("STREAM_SUBJECT"))
        .unwrap_or_else(|| panic!("no error names the variable:\n{stderr}"));
    assert!(
        line.starts_with("claims/storefront-app.yaml:23:"),
        "located at the variable: {line}"
    );
    for part in ["subject", "QueueClaim", "\"local\"", "never be Ready"] {
        assert!(line.contains(part), "{part:?} missing in: {line}");
    }
}

#[test]
fn plan_refuses_it_before_anything_is_created_and_production_accepts_it() {
    let dir = production_claims();
    let out = platformctl(dir.path(), &["plan", "-f", "claims"]);
    let (stdout, stderr) = streams(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("claims/storefront-app.yaml:") && stderr.contains("STREAM_SUBJECT"),
        "{stderr}"
    );
    let out = platformctl(dir.path(), &["apply", "-f", "claims"]);
    let (stdout, stderr) = streams(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        !dir.path().join(".platform/local").exists(),
        "nothing was created: {stdout}"
    );
    let out = platformctl(
        dir.path(),
        &["--config", "production.yaml", "validate", "-f", "claims"],
    );
    let (stdout, stderr) = streams(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the production compositions fill every placeholder:\n{stdout}\n{stderr}"
    );
}
