//! End-to-end tests: run the built `platformctl` on good and broken files.

mod support;

use support::{platformctl, repo, text};

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
            "examples/broken/claims.yaml:10:3: spec.colour: unknown field \"colour\"; expected one of: engine, version, size, storageGiB, backup, highAvailability, deletionPolicy, compositionRef, compositionSelector, intent",
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
fn bundled_production_compositions_serve_the_configured_group() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        repo().join("examples/company-group/orders-db.yaml"),
        d.join("orders-db.yaml"),
    )
    .unwrap();
    std::fs::write(
        d.join("files.yaml"),
        "apiVersion: platform.company.io/v1alpha1\nkind: BucketClaim\nmetadata: {name: files}\nspec: {}\n",
    )
    .unwrap();
    // Production with no server configured: plan shows what the compositions make, and that
    // no adapter serves it yet, without connecting anywhere.
    std::fs::write(
        d.join("platform.yaml"),
        "apiGroup: platform.company.io\nenvironments:\n  production:\n    providers:\n      local: {}\n",
    )
    .unwrap();
    let out = platformctl(
        d,
        &[
            "plan",
            "-f",
            "orders-db.yaml",
            "-f",
            "files.yaml",
            "--env",
            "production",
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let created: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("+ "))
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    // The bundled databaseclaim-postgresql and bucketclaim-s3, written for platform.dev.
    assert_eq!(created, ["Role", "Database", "Grant", "Bucket"], "{stdout}");
    assert!(
        stdout.contains("of DatabaseClaim default/orders-db"),
        "{stdout}"
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
        "error: invalid config:\nplatform.yaml:2:1: apiGropu: unknown config key \"apiGropu\"; expected one of: apiGroup, state, defaultEnvironment, defaultNamespace, environments, compositions, kinds, policies, guardrails, controller, scoreTypes, offerings, metrics, portal\n"
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

#[test]
fn render_is_offline_and_reports_readiness_from_observed_resources() {
    let out = platformctl(
        &repo(),
        &[
            "render",
            "examples/quickstart/orders-db.yaml",
            "compositions/production/database-postgresql.yaml",
            "--environment-config",
            "compositions/production/environment.yaml",
            "--observed-resources",
            "examples/render/observed",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let docs: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(docs.len(), 4);
    let ready = &docs[0]["status"]["conditions"][0];
    assert_eq!(ready["type"], "Ready");
    assert_eq!(ready["status"], "False");
    assert_eq!(ready["message"], "Unready resources: grant");
    assert_eq!(docs[0]["status"]["outputs"]["host"], "db.internal");
    assert_eq!(docs[0]["status"]["outputs"]["port"], 5432);
    // The claim id keeps claims whose names join alike apart (default/orders-db and
    // default-orders/db).
    let id = platform_core::compose::claim_id("DatabaseClaim", "default", "orders-db");
    assert_eq!(docs[1]["spec"]["name"], format!("default_orders_db_{id}"));
    assert_eq!(
        docs[2]["metadata"]["labels"]["platform.dev/region"],
        "eu-west-1"
    );
    assert_eq!(
        docs[3]["metadata"]["annotations"]["crossplane.io/composition-resource-name"],
        "grant"
    );

    // YAML is the default: the composite first, then each resource.
    let out = platformctl(
        &repo(),
        &[
            "render",
            "examples/quickstart/orders-db.yaml",
            "compositions/local/database.yaml",
        ],
    );
    let yaml = text(&out.stdout);
    assert_eq!(yaml.matches("\n---\n").count(), 1, "{yaml}");
    assert!(yaml.contains("kind: LocalDatabase"), "{yaml}");
    assert!(yaml.contains("file: default/orders-db.sqlite3"), "{yaml}");
}

#[test]
fn render_failures_exit_1_with_the_error_chain() {
    let dir = tempfile::tempdir().unwrap();
    let composition =
        std::fs::read_to_string(repo().join("compositions/production/database-postgresql.yaml"))
            .unwrap()
            .replace(
                "map: {small: 20, medium: 50, large: 100, xlarge: 200}",
                "map: {small: 20}",
            );
    std::fs::write(dir.path().join("composition.yaml"), composition).unwrap();
    let claim = repo().join("examples/quickstart/orders-db.yaml");
    let out = platformctl(
        dir.path(),
        &["render", claim.to_str().unwrap(), "composition.yaml"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: cannot render: cannot render composed resource \"role\" \"FromCompositeFieldPath\" patch at index 4: transform at index 0 returned error: map transform could not resolve: key medium is not found in map\n"
    );

    // An invalid transform anywhere fails before rendering, located in the input.
    let broken = std::fs::read_to_string(repo().join("compositions/local/cache.yaml"))
        .unwrap()
        .replace("multiply: 1024", "multiplyy: 1024");
    std::fs::write(dir.path().join("cache.yaml"), broken).unwrap();
    let cache = dir.path().join("claim.yaml");
    std::fs::write(
        &cache,
        "apiVersion: platform.dev/v1alpha1\nkind: CacheClaim\nmetadata: {name: c}\nspec: {}\n",
    )
    .unwrap();
    let out = platformctl(dir.path(), &["render", "claim.yaml", "cache.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: invalid input:\ncache.yaml:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("spec.resources[0].patches[1].transforms[0]"),
        "{stderr}"
    );

    // A composite of a registered kind is validated first.
    std::fs::write(&cache, "apiVersion: platform.dev/v1alpha1\nkind: CacheClaim\nmetadata: {name: c}\nspec: {size: huge}\n").unwrap();
    let out = platformctl(
        dir.path(),
        &[
            "render",
            "claim.yaml",
            repo()
                .join("compositions/local/cache.yaml")
                .to_str()
                .unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("claim.yaml:4:14: spec.size: expected one of small"),
        "{}",
        text(&out.stderr)
    );
}
