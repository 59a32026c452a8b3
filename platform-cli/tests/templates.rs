//! Golden paths on the built `platformctl`: `new` from the bundled `service` template (what it
//! generates is checked by the tools that judge it), and `template diff`, `upgrade` and
//! `status` on a template kept in git.
//!
//! hadolint, actionlint and the generated Python service's tests run when their tools are
//! installed; with `PLATFORM_REAL_SERVICES=1` (CI) a missing tool is a failure.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::expect;

/// Whether CI asked for every external check (a missing tool then fails the test).
fn required() -> bool {
    std::env::var("PLATFORM_REAL_SERVICES").is_ok_and(|v| v == "1")
}

/// Runs `program args` in `dir` when the program is installed: `Some(success, output)`.
fn tool(dir: &Path, program: &str, args: &[&str]) -> Option<(bool, String)> {
    match Command::new(program).args(args).current_dir(dir).output() {
        Ok(out) => Some((
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )),
        Err(_) if !required() => {
            eprintln!("note: {program} is not installed; its check is skipped");
            None
        }
        Err(err) => panic!("{program} is required with PLATFORM_REAL_SERVICES=1: {err}"),
    }
}

fn scaffold(dir: &Path, dest: &str, data: &[&str]) -> String {
    let mut args = vec!["new", "service", dest];
    for pair in data {
        args.push("--data");
        args.push(pair);
    }
    expect(dir, &args, 0).0
}

/// The checks every generated service must pass, whatever its answers.
fn check_service(dir: &Path, dest: &str) {
    let root = dir.join(dest);
    // The catalog entry is valid for Backstage.
    let (checked, _) = expect(
        dir,
        &["catalog", "validate", &format!("{dest}/catalog-info.yaml")],
        0,
    );
    assert!(checked.contains("0 errors"), "{checked}");
    // The claims pass the platform's validation.
    let (validated, _) = expect(dir, &["validate", "-f", &format!("{dest}/platform")], 0);
    assert!(validated.contains("0 errors"), "{validated}");
    // The chart's values are valid against the schema the chart ships.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("chart/values.schema.json")).unwrap(),
    )
    .unwrap();
    let values: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(root.join("chart/values.yaml")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&values)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "values.yaml against values.schema.json: {errors:?}"
    );
    // ... and the schema rejects what it should.
    let mut broken = values.clone();
    broken["resources"]["limits"]["memory"] = Value::from("lots");
    assert!(
        !validator.is_valid(&broken),
        "the schema accepts a memory of `lots`"
    );
    // The Helm chart has what production needs.
    let deployment = std::fs::read_to_string(root.join("chart/templates/deployment.yaml")).unwrap();
    for needed in [
        "livenessProbe",
        "readinessProbe",
        "resources:",
        "runAsNonRoot: true",
    ] {
        assert!(
            deployment.contains(needed),
            "{needed} missing in the Deployment"
        );
    }
    for file in ["service.yaml", "hpa.yaml", "servicemonitor.yaml"] {
        assert!(root.join("chart/templates").join(file).is_file(), "{file}");
    }
    // The Dockerfile builds in stages and runs as a non-root user.
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert_eq!(dockerfile.matches("FROM ").count(), 2, "{dockerfile}");
    let user = dockerfile
        .lines()
        .find(|l| l.starts_with("USER "))
        .expect("a USER line");
    assert!(
        !user.contains("root") && !user.starts_with("USER 0"),
        "{user}"
    );
    if let Some((ok, out)) = tool(&root, "hadolint", &["Dockerfile"]) {
        assert!(ok, "hadolint:\n{out}");
    }
    // The workflow: tests, image, staging, then production behind its environment's approval.
    let workflow = std::fs::read_to_string(root.join(".github/workflows/ci.yml")).unwrap();
    for needed in [
        "deploy-staging:",
        "environment: staging",
        "needs: deploy-staging",
        "environment: production",
    ] {
        assert!(
            workflow.contains(needed),
            "{needed} missing in the workflow"
        );
    }
    if let Some((ok, out)) = tool(&root, "actionlint", &[".github/workflows/ci.yml"]) {
        assert!(ok, "actionlint:\n{out}");
    }
    assert!(root.join("otel/collector.yaml").is_file());
}

#[test]
fn a_python_service_with_everything_passes_its_checks_and_its_own_tests() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let printed = scaffold(
        d,
        "payments",
        &[
            "name=payments",
            "owner=team-pay",
            "language=python",
            "database=postgresql",
            "cache=yes",
            "queue=true",
        ],
    );
    assert!(
        printed.contains("registered component:default/payments in the catalog"),
        "{printed}"
    );
    check_service(d, "payments");
    let claims = std::fs::read_to_string(d.join("payments/platform/application.yaml")).unwrap();
    for kind in [
        "kind: Application",
        "kind: DatabaseClaim",
        "engine: postgresql",
        "kind: CacheClaim",
        "kind: QueueClaim",
    ] {
        assert!(claims.contains(kind), "{kind} missing in:\n{claims}");
    }
    assert!(
        !d.join("payments/Cargo.toml").exists(),
        "a Python service has no Cargo.toml"
    );
    // The generated service's own tests pass.
    if let Some((ok, out)) = tool(&d.join("payments"), "python3", &["-m", "pytest", "-q"]) {
        assert!(ok && out.contains("2 passed"), "pytest:\n{out}");
    }
    // The component is in the catalog with the template, its version and the answers.
    let (json, _) = expect(
        d,
        &["catalog", "get", "component:default/payments", "-o", "json"],
        0,
    );
    let found: Value = serde_json::from_str(&json).unwrap();
    let annotations = &found["items"][0]["metadata"]["annotations"];
    assert_eq!(
        annotations["backstage.io/source-template"],
        "template:default/service"
    );
    assert_eq!(
        annotations["platform.dev/template-version"],
        format!("v{}", env!("CARGO_PKG_VERSION"))
    );
    let answers: Value = serde_json::from_str(
        annotations["platform.dev/template-answers"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(answers["database"], "postgresql");
    assert_eq!(answers["cache"], true);
    // The answers file is what copier writes.
    let recorded = std::fs::read_to_string(d.join("payments/.copier-answers.yml")).unwrap();
    assert!(
        recorded.starts_with(
            "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n_commit: v"
        ),
        "{recorded}"
    );
    assert!(
        recorded.contains("\n_src_path: platformctl:service\ncache: true\ndatabase: postgresql\n"),
        "{recorded}"
    );
}

#[test]
fn a_rust_service_with_defaults_passes_its_checks_and_parses() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let printed = expect(
        d,
        &[
            "new",
            "service",
            "orders",
            "--data",
            "name=orders",
            "--no-register",
        ],
        0,
    )
    .0;
    assert!(!printed.contains("registered"), "{printed}");
    assert!(
        !d.join(".platform").exists(),
        "--no-register opens no state store"
    );
    check_service(d, "orders");
    let claims = std::fs::read_to_string(d.join("orders/platform/application.yaml")).unwrap();
    assert!(
        !claims.contains("resources:"),
        "no resources asked for:\n{claims}"
    );
    let main = std::fs::read_to_string(d.join("orders/src/main.rs")).unwrap();
    for needed in ["\"/healthz\"", "\"/metrics\"", ".json()", "#[tokio::test]"] {
        assert!(main.contains(needed), "{needed} missing in main.rs");
    }
    // Compiling axum here is too slow for CI: rustfmt parses the code and cargo reads the
    // manifest, which catches a template that renders broken Rust or TOML.
    let (ok, out) = tool(
        d,
        "rustfmt",
        &["--check", "--edition", "2024", "orders/src/main.rs"],
    )
    .expect("rustfmt ships with the toolchain");
    assert!(ok, "rustfmt:\n{out}");
    let (ok, out) = tool(
        &d.join("orders"),
        "cargo",
        &[
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ],
    )
    .expect("cargo runs the tests");
    assert!(
        ok && out.contains("\"name\":\"orders\""),
        "cargo metadata:\n{out}"
    );
}

#[test]
fn new_refuses_missing_answers_bad_answers_and_a_non_empty_destination() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // No terminal: nothing is asked, the missing answers are listed.
    let (_, err) = expect(d, &["new", "service", "svc"], 1);
    assert!(
        err.contains("missing answers") && err.contains("name"),
        "{err}"
    );
    let (_, err) = expect(
        d,
        &["new", "service", "svc", "--data", "name=Not A Name"],
        1,
    );
    assert!(err.contains("question `name`"), "{err}");
    let (_, err) = expect(
        d,
        &[
            "new",
            "service",
            "svc",
            "--data",
            "name=svc",
            "--data",
            "database=oracle",
        ],
        1,
    );
    assert!(
        err.contains("question `database`: expected one of none, postgresql, mysql"),
        "{err}"
    );
    assert!(!d.join("svc").exists(), "nothing is written on bad answers");

    std::fs::create_dir(d.join("svc")).unwrap();
    std::fs::write(d.join("svc/notes.txt"), "mine").unwrap();
    let (_, err) = expect(d, &["new", "service", "svc", "--data", "name=svc"], 1);
    assert!(
        err.contains("not empty") && err.contains("--overwrite"),
        "{err}"
    );
    let (dry, _) = expect(
        d,
        &[
            "new",
            "service",
            "svc",
            "--data",
            "name=svc",
            "--overwrite",
            "--dry-run",
        ],
        0,
    );
    assert!(dry.contains("would write svc/Dockerfile"), "{dry}");
    assert!(
        !d.join("svc/Dockerfile").exists(),
        "a dry run writes nothing"
    );
    expect(
        d,
        &["new", "service", "svc", "--data", "name=svc", "--overwrite"],
        0,
    );
    assert_eq!(
        std::fs::read_to_string(d.join("svc/notes.txt")).unwrap(),
        "mine"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A template in `dir/template` kept in git: `v1.0.0`, then `v2.0.0` that changes a line of
/// `config.yaml` and adds `added.txt`.
fn git_template(d: &Path) {
    let template = d.join("template");
    std::fs::create_dir(&template).unwrap();
    git(&template, &["init", "-q", "-b", "main"]);
    std::fs::write(template.join("copier.yml"), "name:\n  type: str\n").unwrap();
    std::fs::write(
        template.join("{{ _copier_conf.answers_file }}.jinja"),
        "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n{{ _copier_answers|to_nice_yaml -}}\n",
    )
    .unwrap();
    std::fs::write(
        template.join("config.yaml.jinja"),
        "name: {{ name }}\nreplicas: 1\nlogLevel: info\nport: 80\n",
    )
    .unwrap();
    git(&template, &["add", "-A"]);
    git(&template, &["commit", "-qm", "v1"]);
    git(&template, &["tag", "v1.0.0"]);
    std::fs::write(
        template.join("config.yaml.jinja"),
        "name: {{ name }}\nreplicas: 2\nlogLevel: info\nport: 80\n",
    )
    .unwrap();
    std::fs::write(template.join("added.txt.jinja"), "{{ name }}\n").unwrap();
    git(&template, &["add", "-A"]);
    git(&template, &["commit", "-qm", "v2"]);
    git(&template, &["tag", "v2.0.0"]);
}

#[test]
fn diff_upgrade_and_status_follow_a_template_kept_in_git() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git_template(d);
    let repos = d.join("repos");
    std::fs::create_dir(&repos).unwrap();
    for name in ["a", "b"] {
        expect(
            d,
            &[
                "new",
                "template",
                &format!("repos/{name}"),
                "--version",
                "v1.0.0",
                "--data",
                &format!("name={name}"),
            ],
            0,
        );
    }
    // A local edit apart from the template's change.
    std::fs::write(
        repos.join("a/config.yaml"),
        "name: a\nreplicas: 1\nlogLevel: info\nport: 8080\n",
    )
    .unwrap();

    let (status, _) = expect(d, &["template", "status", "repos", "-o", "json"], 2);
    let rows: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2, "{status}");
    assert_eq!(rows[0]["version"], "v1.0.0");
    assert_eq!(rows[0]["latest"], "v2.0.0");
    assert_eq!(rows[0]["behind"], 1);
    assert_eq!(rows[0]["drift"], 1, "a/config.yaml is edited");
    assert_eq!(rows[1]["drift"], 0);

    let (diff, _) = expect(d, &["template", "diff", "repos/a"], 2);
    assert!(diff.contains("v1.0.0 -> v2.0.0"), "{diff}");
    assert!(
        diff.contains("add      added.txt") && diff.contains("update   config.yaml"),
        "{diff}"
    );
    let (patch, _) = expect(d, &["template", "diff", "repos/a", "--patch"], 2);
    assert!(
        patch.contains("--- a/config.yaml\n+++ b/config.yaml\n@@ -1,4 +1,4 @@\n name: a\n-replicas: 1\n+replicas: 2\n"),
        "{patch}"
    );
    assert_eq!(
        std::fs::read_to_string(repos.join("a/config.yaml")).unwrap(),
        "name: a\nreplicas: 1\nlogLevel: info\nport: 8080\n",
        "diff touches nothing"
    );

    let (upgraded, _) = expect(d, &["template", "upgrade", "repos/a"], 0);
    assert!(
        upgraded.contains("Upgraded repos/a from v1.0.0 to v2.0.0."),
        "{upgraded}"
    );
    assert_eq!(
        std::fs::read_to_string(repos.join("a/config.yaml")).unwrap(),
        "name: a\nreplicas: 2\nlogLevel: info\nport: 8080\n",
        "the template's change merged with the local edit"
    );
    assert_eq!(
        std::fs::read_to_string(repos.join("a/added.txt")).unwrap(),
        "a\n"
    );
    let (current, _) = expect(d, &["template", "diff", "repos/a"], 0);
    assert!(current.contains("is current (v2.0.0)"), "{current}");

    // An overlapping edit becomes inline conflict markers, listed; exit 1.
    std::fs::write(
        repos.join("b/config.yaml"),
        "name: b\nreplicas: 3\nlogLevel: info\nport: 80\n",
    )
    .unwrap();
    let (_, err) = expect(d, &["template", "upgrade", "repos/b"], 1);
    assert!(err.contains("config.yaml (1)"), "{err}");
    let merged = std::fs::read_to_string(repos.join("b/config.yaml")).unwrap();
    assert!(
        merged.contains("<<<<<<< local\nreplicas: 3\n=======\nreplicas: 2\n>>>>>>> template\n"),
        "{merged}"
    );
}

/// Runs `program args` in `dir` and expects success; the output.
fn run_ok(dir: &Path, program: &str, args: &[&str]) -> Option<String> {
    let (ok, out) = tool(dir, program, args)?;
    assert!(ok, "{program} {args:?}:\n{out}");
    Some(out)
}

#[test]
fn copier_and_platformctl_upgrade_each_others_repositories() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git_template(d);
    std::fs::create_dir(d.join("repos")).unwrap();
    // Made by copier, upgraded by platformctl.
    let copied = run_ok(
        d,
        "copier",
        &[
            "copy",
            "--trust",
            "--defaults",
            "--vcs-ref",
            "v1.0.0",
            "-d",
            "name=c",
            "template",
            "repos/c",
        ],
    );
    if copied.is_none() {
        return;
    }
    let (diff, _) = expect(d, &["template", "diff", "repos/c"], 2);
    assert!(
        diff.contains("update   config.yaml") && !diff.contains("conflict"),
        "{diff}"
    );
    expect(d, &["template", "upgrade", "repos/c"], 0);
    assert_eq!(
        std::fs::read_to_string(d.join("repos/c/config.yaml")).unwrap(),
        "name: c\nreplicas: 2\nlogLevel: info\nport: 80\n"
    );
    let answers = std::fs::read_to_string(d.join("repos/c/.copier-answers.yml")).unwrap();
    assert!(
        answers.contains("_commit: v2.0.0\n_src_path: template\nname: c\n"),
        "{answers}"
    );

    // Made by platformctl, upgraded by copier.
    expect(
        d,
        &[
            "new",
            "template",
            "repos/p",
            "--version",
            "v1.0.0",
            "--data",
            "name=p",
        ],
        0,
    );
    let p = d.join("repos/p");
    git(&p, &["init", "-q", "-b", "main"]);
    git(&p, &["add", "-A"]);
    git(&p, &["commit", "-qm", "scaffold"]);
    run_ok(&p, "copier", &["update", "--trust", "--defaults"]);
    assert_eq!(
        std::fs::read_to_string(p.join("config.yaml")).unwrap(),
        "name: p\nreplicas: 2\nlogLevel: info\nport: 80\n"
    );
    assert_eq!(std::fs::read_to_string(p.join("added.txt")).unwrap(), "p\n");
    let answers = std::fs::read_to_string(p.join(".copier-answers.yml")).unwrap();
    assert!(answers.contains("_commit: v2.0.0\n"), "{answers}");
}

#[test]
fn a_broken_template_names_file_and_line_and_a_path_leaving_the_destination_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("broken/docs")).unwrap();
    std::fs::write(d.join("broken/copier.yml"), "name: x\n").unwrap();
    std::fs::write(
        d.join("broken/docs/index.md.jinja"),
        "# {{ name }}\n\n{% if name %}\nnever closed\n",
    )
    .unwrap();
    let (_, err) = expect(d, &["new", "broken", "out", "--defaults"], 1);
    assert!(
        err.starts_with("error: docs/index.md.jinja:3: syntax error: unexpected end of input"),
        "{err}"
    );
    assert_eq!(err.matches("syntax error").count(), 1, "said once: {err}");

    std::fs::create_dir(d.join("escape")).unwrap();
    std::fs::write(d.join("escape/copier.yml"), "target: ../../outside\n").unwrap();
    std::fs::write(d.join("escape/{{ target }}.txt.jinja"), "x").unwrap();
    let (_, err) = expect(d, &["new", "escape", "out", "--defaults"], 1);
    assert!(
        err.contains("../../outside.txt: the template writes outside the destination"),
        "{err}"
    );
    assert!(!d.join("out").exists() && !d.parent().unwrap().join("outside.txt").exists());

    std::fs::create_dir(d.join("tasks")).unwrap();
    std::fs::write(
        d.join("tasks/copier.yml"),
        "_tasks: ['rm -rf ~']\nname: x\n",
    )
    .unwrap();
    let (_, err) = expect(d, &["new", "tasks", "out", "--defaults"], 1);
    assert!(err.contains("_tasks") && err.contains("--trust"), "{err}");
}

/// The events the state store in `dir` holds for the component `name`.
fn component_events(dir: &Path, name: &str) -> Vec<(String, String)> {
    use platform_catalog::EntityRef;
    use platform_catalog::platform::{IMPORTED_KIND, stored_key};
    use platform_core::store::StateStore;
    let store =
        platform_providers::store::sqlite::SqliteStore::open(dir.join(".platform/state.db"))
            .unwrap();
    let key = stored_key(IMPORTED_KIND, &EntityRef::new("component", "default", name));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime
        .block_on(store.events(&key))
        .unwrap()
        .into_iter()
        .map(|e| (e.reason, e.message))
        .collect()
}

#[test]
fn scaffolds_upgrades_and_repositories_left_behind_are_events() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git_template(d);
    std::fs::write(
        d.join("template/catalog-info.yaml.jinja"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {{ name }}\nspec:\n  type: service\n  lifecycle: experimental\n  owner: team-a\n",
    )
    .unwrap();
    git(&d.join("template"), &["add", "-A"]);
    git(&d.join("template"), &["commit", "-qm", "catalog"]);
    git(&d.join("template"), &["tag", "-f", "v1.0.0"]);
    git(&d.join("template"), &["tag", "v3.0.0"]);
    expect(
        d,
        &[
            "new",
            "template",
            "svc",
            "--version",
            "v1.0.0",
            "--data",
            "name=svc",
        ],
        0,
    );
    expect(d, &["template", "status", ".", "--record"], 2);
    expect(d, &["template", "upgrade", "svc", "--to", "v2.0.0"], 0);
    let events = component_events(d, "svc");
    let reasons: Vec<&str> = events.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        reasons,
        ["Scaffolded", "TemplateBehind", "TemplateUpgraded"],
        "{events:?}"
    );
    assert_eq!(events[0].1, "from template v1.0.0");
    assert!(events[1].1.starts_with("2 versions behind"), "{events:?}");
    assert_eq!(events[2].1, "v1.0.0 -> v2.0.0, 0 conflicts");

    // The journal, where the platform's metrics count scaffolds and upgrades.
    let entries = journal_entries(d);
    let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["scaffold", "template-upgrade"], "{entries:?}");
    let template = std::fs::canonicalize(d.join("template")).unwrap();
    let template = template.to_str().unwrap();
    assert_eq!(entries[0].service.as_deref(), Some("component:default/svc"));
    assert!(
        entries[0].id.starts_with("component:default/svc@"),
        "{}",
        entries[0].id
    );
    assert_eq!(entries[0].env, None);
    assert_eq!(
        entries[0].body_value(),
        serde_json::json!({"template": template, "version": "v1.0.0", "team": "team-a", "dest": "svc"})
    );
    assert_eq!(
        entries[1].body_value(),
        serde_json::json!({"template": template, "from": "v1.0.0", "to": "v2.0.0", "conflicts": 0, "team": "team-a", "dest": "svc"})
    );
    // An upgrade that changes nothing is not an upgrade.
    expect(d, &["template", "upgrade", "svc", "--to", "v2.0.0"], 0);
    assert_eq!(journal_entries(d).len(), 2);
}

/// Every journal entry of the state store in `dir`, oldest first.
fn journal_entries(dir: &Path) -> Vec<platform_core::store::JournalEntry> {
    use platform_core::store::{JournalQuery, StateStore};
    let store =
        platform_providers::store::sqlite::SqliteStore::open(dir.join(".platform/state.db"))
            .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime
        .block_on(store.journal(&JournalQuery::default()))
        .unwrap()
}

#[test]
fn on_a_terminal_new_asks_each_question_and_asks_again_after_a_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // `script` gives platformctl a terminal; the answers are typed on its input.
    let command = format!(
        "{} new service px --no-register",
        env!("CARGO_BIN_EXE_platformctl")
    );
    let child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(d)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("note: `script` (util-linux) is not installed; the terminal check is skipped");
        return;
    };
    use std::io::Write;
    // name (refused, then accepted), owner and description by default, language 2 (python),
    // database 3 (mysql), cache yes, queue by default.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Bad Name\nmysvc\n\n\n2\n3\ny\n\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let shown = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("name: expected a DNS label"), "{shown}");
    assert!(shown.contains("  2) Python (FastAPI)"), "{shown}");
    let answers = std::fs::read_to_string(d.join("px/.copier-answers.yml")).unwrap();
    assert!(
        answers.ends_with(
            "cache: true\ndatabase: mysql\ndescription: A web service\nlanguage: python\nname: mysvc\nowner: platform-team\nqueue: false\n"
        ),
        "{answers}"
    );
}

#[test]
fn trusted_tasks_run_in_the_new_repository_and_a_failing_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("tasks/sub")).unwrap();
    std::fs::write(
        d.join("tasks/copier.yml"),
        "name:\n  type: str\n_tasks:\n  - \"echo {{ name }} $COPIER_OPERATION $STAGE > from-task.txt\"\n  \
         - command: [touch, \"{{ name }}.argv\"]\n    working_directory: sub\n  \
         - command: touch skipped\n    when: \"{{ name == 'other' }}\"\n",
    )
    .unwrap();
    std::fs::write(d.join("tasks/sub/keep.txt"), "kept\n").unwrap();
    let new = |dest: &str, trust: bool, code: i32| {
        let mut args = vec!["new", "tasks", dest, "--data", "name=svc", "--no-register"];
        if trust {
            args.push("--trust");
        }
        expect(d, &args, code)
    };
    let (_, err) = new("refused", false, 1);
    assert!(err.contains("_tasks") && err.contains("--trust"), "{err}");
    assert!(!d.join("refused").exists(), "nothing written without trust");

    let (out, _) = new("out", true, 0);
    assert!(out.contains("ran 2 _tasks in out"), "{out}");
    assert_eq!(
        std::fs::read_to_string(d.join("out/from-task.txt")).unwrap(),
        "svc copy task\n",
        "as copier: COPIER_OPERATION=copy, STAGE=task"
    );
    assert!(
        d.join("out/sub/svc.argv").is_file(),
        "argv task in its folder"
    );
    assert!(!d.join("out/skipped").exists(), "its `when` is false");

    std::fs::write(
        d.join("tasks/copier.yml"),
        "name:\n  type: str\n_tasks:\n  - \"true\"\n  - \"touch ran && exit 3\"\n  - touch never\n",
    )
    .unwrap();
    let (_, err) = new("failing", true, 1);
    assert!(
        err.contains("copier.yml: _tasks[1] (`touch ran && exit 3`) failed: exit status: 3"),
        "{err}"
    );
    assert!(d.join("failing/ran").exists() && !d.join("failing/never").exists());
}

/// A template in git whose `v2.0.0` brings a migration (after the merge, and one before it);
/// `v3.0.0` changes a file.
fn migrating_template(d: &Path) {
    git_template(d);
    let template = d.join("template");
    std::fs::write(
        template.join("copier.yml"),
        "name:\n  type: str\n_migrations:\n  \
         - version: v2.0.0\n    command: \"echo $VERSION_FROM $VERSION_TO {{ _stage }} >> migrated.txt\"\n  \
         - version: v2.0.0\n    command: [sh, -c, \"test -f added.txt || echo {{ name }} before >> migrated.txt\"]\n    when: \"{{ _stage == 'before' }}\"\n",
    )
    .unwrap();
    git(&template, &["commit", "-qam", "migration"]);
    git(&template, &["tag", "-f", "v2.0.0"]);
    std::fs::write(template.join("added.txt.jinja"), "{{ name }} v3\n").unwrap();
    git(&template, &["commit", "-qam", "v3"]);
    git(&template, &["tag", "v3.0.0"]);
}

#[test]
fn migrations_run_only_on_upgrades_crossing_their_version() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    migrating_template(d);
    let new = [
        "new",
        "template",
        "ma",
        "--version",
        "v1.0.0",
        "--data",
        "name=ma",
    ];
    expect(d, &new, 0);
    let (_, err) = expect(d, &["template", "upgrade", "ma", "--to", "v2.0.0"], 1);
    assert!(
        err.contains("_migrations") && err.contains("--trust"),
        "{err}"
    );
    assert!(
        !d.join("ma/added.txt").exists(),
        "nothing changed without trust"
    );

    expect(
        d,
        &["template", "upgrade", "ma", "--to", "v2.0.0", "--trust"],
        0,
    );
    assert_eq!(
        std::fs::read_to_string(d.join("ma/migrated.txt")).unwrap(),
        "ma before\nv1.0.0 v2.0.0 after\n",
        "the before-migration saw the old files, the other ran after the merge"
    );
    expect(
        d,
        &["template", "upgrade", "ma", "--to", "v3.0.0", "--trust"],
        0,
    );
    assert_eq!(
        std::fs::read_to_string(d.join("ma/added.txt")).unwrap(),
        "ma v3\n"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("ma/migrated.txt")).unwrap(),
        "ma before\nv1.0.0 v2.0.0 after\n",
        "v2.0.0 -> v3.0.0 does not cross v2.0.0"
    );

    // From v1.0.0 straight to v3.0.0 crosses it.
    let new = [
        "new",
        "template",
        "nb",
        "--version",
        "v1.0.0",
        "--data",
        "name=nb",
    ];
    expect(d, &new, 0);
    expect(d, &["template", "upgrade", "nb", "--trust"], 0);
    assert_eq!(
        std::fs::read_to_string(d.join("nb/migrated.txt")).unwrap(),
        "nb before\nv1.0.0 v3.0.0 after\n"
    );
}

#[test]
fn a_template_by_file_url_is_read_in_place_and_recorded_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git_template(d);
    let url = format!(
        "file://{}",
        std::fs::canonicalize(d.join("template")).unwrap().display()
    );
    let new = [
        "new",
        &url,
        "u",
        "--version",
        "v1.0.0",
        "--data",
        "name=u",
        "--no-register",
    ];
    expect(d, &new, 0);
    let answers = std::fs::read_to_string(d.join("u/.copier-answers.yml")).unwrap();
    assert!(
        answers.contains(&format!("_commit: v1.0.0\n_src_path: {url}\n")),
        "{answers}"
    );
    let (diff, _) = expect(d, &["template", "diff", "u"], 2);
    assert!(diff.contains("v1.0.0 -> v2.0.0"), "{diff}");
    let (status, _) = expect(d, &["template", "status", ".", "-o", "json"], 2);
    let rows: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(rows[0]["template"], url.as_str());
    assert_eq!(rows[0]["behind"], 1);

    let (_, err) = expect(
        d,
        &["new", "file:///nowhere/at/all", "x", "--no-register"],
        1,
    );
    assert!(
        err.contains("file:///nowhere/at/all: not a git repository"),
        "{err}"
    );
}

#[test]
fn a_repository_from_the_bundled_template_is_current_and_an_older_one_is_told_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    expect(
        d,
        &[
            "new",
            "service",
            "svc",
            "--data",
            "name=svc",
            "--no-register",
        ],
        0,
    );
    let (diff, _) = expect(d, &["template", "diff", "svc"], 0);
    assert!(diff.contains("svc is current (v"), "{diff}");
    let (upgraded, _) = expect(d, &["template", "upgrade", "svc"], 0);
    assert!(upgraded.contains("svc is current (v"), "{upgraded}");

    let answers = d.join("svc/.copier-answers.yml");
    let text = std::fs::read_to_string(&answers).unwrap();
    let old = text
        .lines()
        .map(|line| {
            if line.starts_with("_commit:") {
                "_commit: v0.0.1".to_owned()
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&answers, old + "\n").unwrap();
    for command in ["diff", "upgrade"] {
        let (_, err) = expect(d, &["template", command, "svc"], 1);
        assert!(
            err.contains("scaffolded from the bundled template `service` v0.0.1, but this platformctl bundles only v"),
            "{err}"
        );
        assert!(err.contains("--data-file svc/.copier-answers.yml"), "{err}");
    }
}

#[test]
fn external_data_and_templated_choices_render_as_copier_renders_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("t")).unwrap();
    std::fs::write(
        d.join("t/copier.yml"),
        "_external_data:\n  parent: \"{{ parent_file }}\"\n  missing: nowhere.yml\n\
         parent_file:\n  default: .parent-answers.yml\n\
         project:\n  default: \"{{ _external_data.parent.project }}-svc\"\n\
         cloud:\n  choices: [aws, gcp]\n  default: aws\n\
         region:\n  choices: \"{{ {'aws': ['us-east-1', 'eu-west-1'], 'gcp': ['europe-west1']}[cloud] }}\"\n\
         size:\n  type: int\n  choices:\n    \"Small on {{ cloud }}\": \"{{ 1 if cloud == 'aws' else 2 }}\"\n    Large: 10\n",
    )
    .unwrap();
    std::fs::write(
        d.join("t/info.txt.jinja"),
        "{{ _external_data.parent.teams | join(',') }} {{ _external_data.missing.x | default('none') }} {{ project }} {{ region }} {{ size }}\n",
    )
    .unwrap();
    for dest in ["ours", "theirs"] {
        std::fs::create_dir(d.join(dest)).unwrap();
        std::fs::write(
            d.join(dest).join(".parent-answers.yml"),
            "project: acme\nteams: [pay, ops]\n",
        )
        .unwrap();
    }
    let data = ["cloud=gcp", "region=europe-west1", "size=2"];
    let mut args = vec![
        "new",
        "t",
        "ours",
        "--overwrite",
        "--defaults",
        "--no-register",
    ];
    for pair in &data {
        args.extend(["--data", pair]);
    }
    expect(d, &args, 0);
    let ours = std::fs::read_to_string(d.join("ours/info.txt")).unwrap();
    assert_eq!(ours, "pay,ops none acme-svc europe-west1 2\n");
    let (_, err) = expect(
        d,
        &[
            "new",
            "t",
            "bad",
            "--defaults",
            "--no-register",
            "--data",
            "cloud=gcp",
            "--data",
            "region=us-east-1",
        ],
        1,
    );
    assert!(
        err.contains("question `region`: expected one of europe-west1, found us-east-1"),
        "{err}"
    );

    let mut args = vec!["copy", "--defaults", "--overwrite"];
    for pair in &data {
        args.extend(["-d", pair]);
    }
    args.extend(["t", "theirs"]);
    if run_ok(d, "copier", &args).is_none() {
        return;
    }
    let theirs = std::fs::read_to_string(d.join("theirs/info.txt")).unwrap();
    assert_eq!(ours, theirs, "copier renders the same file");
}
