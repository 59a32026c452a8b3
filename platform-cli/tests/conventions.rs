//! What every command shares, checked on the built `platformctl`: a usage error never exits
//! 2 (the code CI reads as "changes" or "drift"), JSON names its fields in camelCase, every
//! `--help` shows examples, shell completion, `delete` never prompts without a terminal, and
//! namespaces are chosen as kubectl chooses them.

mod support;

use std::path::Path;

use support::{expect, quickstart_dir, repo};

use serde_json::Value;

/// The exit code of a usage error (sysexits' EX_USAGE).
const USAGE: i32 = 64;

#[test]
fn usage_errors_exit_64_never_2_and_help_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for args in [
        &["drift", "--fxi"][..],
        &["plan"],
        &["frobnicate"],
        &["get", "-o", "xml"],
        &["drift", "--delete-orphans"],
        &[],
    ] {
        let (_, err) = expect(d, args, USAGE);
        assert!(
            err.starts_with("error: ") || err.contains("Usage: platformctl"),
            "platformctl {args:?}: {err}"
        );
    }

    let (help, _) = expect(d, &["--help"], 0);
    assert!(help.contains("Usage: platformctl"), "{help}");
    let (help, _) = expect(d, &["drift", "--help"], 0);
    assert!(help.contains("Usage: platformctl drift"), "{help}");
    let (version, _) = expect(d, &["--version"], 0);
    assert!(version.starts_with("platformctl "), "{version}");
}

#[test]
fn help_and_readme_document_every_exit_code() {
    let (help, _) = expect(&repo(), &["--help"], 0);
    let codes = help
        .split_once("Exit codes:")
        .unwrap_or_else(|| panic!("no exit codes in:\n{help}"))
        .1;
    for line in [
        "0   success",
        "1   error",
        "2   changes planned",
        "64  usage error",
    ] {
        assert!(codes.contains(line), "{line:?} missing in:\n{codes}");
    }
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(
        readme.contains("64 usage error"),
        "the README names the usage exit code"
    );
}

/// Keys whose values are data named by users (labels, outputs, specs, owners): not field names.
const DATA: &[&str] = &[
    "labels",
    "annotations",
    "outputs",
    "spec",
    "owners",
    "desired",
    "actual",
    "config",
    "data",
];

/// Every field name of a JSON document, with its path, outside user-named data.
fn field_names(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                out.push(format!("{path}.{key}"));
                if !DATA.contains(&key.as_str()) {
                    field_names(value, &format!("{path}.{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                field_names(item, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn camel_case(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

/// Runs a command with `-o json` and returns the field names that are not camelCase.
fn not_camel_case(dir: &Path, args: &[&str], code: i32) -> Vec<String> {
    let args: Vec<&str> = args.iter().copied().chain(["-o", "json"]).collect();
    let (json, _) = expect(dir, &args, code);
    let value: Value = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("platformctl {args:?}: {e}:\n{json}"));
    let mut names = Vec::new();
    field_names(&value, "", &mut names);
    assert!(!names.is_empty(), "platformctl {args:?} printed no fields");
    names
        .into_iter()
        .filter(|path| !camel_case(path.rsplit('.').next().unwrap()))
        .map(|path| format!("platformctl {}: {path}", args.join(" ")))
        .collect()
}

#[test]
fn every_json_output_names_its_fields_in_camel_case() {
    let dir = quickstart_dir();
    let d = dir.path();
    let mut wrong = Vec::new();
    wrong.extend(not_camel_case(d, &["plan", "-f", "quickstart"], 0));
    wrong.extend(not_camel_case(d, &["cost", "-f", "quickstart"], 0));
    wrong.extend(not_camel_case(d, &["apply", "-f", "quickstart"], 0));
    wrong.extend(not_camel_case(d, &["get", "-A"], 0));
    wrong.extend(not_camel_case(
        d,
        &["describe", "Application", "storefront"],
        0,
    ));
    // A database deleted by hand: drift names the missing resource.
    std::fs::remove_file(d.join(".platform/local/databases/default/orders-db.sqlite3")).unwrap();
    wrong.extend(not_camel_case(d, &["drift"], 2));
    wrong.extend(not_camel_case(d, &["delete", "-f", "quickstart"], 0));

    // A policy exception recorded under a guardrail, so `policy exceptions` has a row.
    let guarded = tempfile::tempdir().unwrap();
    let g = guarded.path();
    std::fs::write(g.join("platform.yaml"), "guardrails:\n  requireOwner: {}\n").unwrap();
    std::fs::write(
        g.join("scratch-db.yaml"),
        "apiVersion: platform.dev/v1alpha1\nkind: DatabaseClaim\nmetadata:\n  name: scratch-db\n  annotations: {platform.dev/policy-exception.require-owner: \"a demo\"}\nspec: {engine: sqlite}\n",
    )
    .unwrap();
    expect(g, &["apply", "-f", "scratch-db.yaml"], 0);
    wrong.extend(not_camel_case(g, &["policy", "exceptions"], 0));
    assert!(wrong.is_empty(), "not camelCase:\n{}", wrong.join("\n"));
}

#[test]
fn completion_scripts_know_the_subcommands_without_a_config() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Completion is set up once per shell: a broken config in the folder does not matter.
    std::fs::write(d.join("platform.yaml"), "apiGropu: x\n").unwrap();
    let (bash, _) = expect(d, &["completion", "bash"], 0);
    for word in ["platformctl", "apply", "describe", "drift", "completion"] {
        assert!(bash.contains(word), "{word} missing in the bash script");
    }
    for shell in ["zsh", "fish"] {
        let (script, _) = expect(d, &["completion", shell], 0);
        assert!(script.contains("drift"), "{shell}: {script}");
    }
    expect(d, &["completion", "tcsh"], USAGE);
}

/// The subcommands listed under `Commands:` in a help text, without `help`.
fn subcommands(help: &str) -> Vec<String> {
    help.split_once("Commands:")
        .unwrap()
        .1
        .lines()
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_command_help_shows_examples() {
    let d = repo();
    let (help, _) = expect(&d, &["--help"], 0);
    let mut commands: Vec<Vec<String>> = subcommands(&help).into_iter().map(|c| vec![c]).collect();
    assert!(commands.len() >= 18, "{help}");
    let (policy, _) = expect(&d, &["policy", "--help"], 0);
    for sub in subcommands(&policy) {
        commands.push(vec!["policy".into(), sub]);
    }
    let mut missing = Vec::new();
    for command in &commands {
        let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
        args.push("--help");
        let (help, _) = expect(&d, &args, 0);
        if !help.contains("Examples:\n  platformctl ") {
            missing.push(command.join(" "));
        }
    }
    assert!(missing.is_empty(), "no examples in --help of: {missing:?}");
}

#[test]
fn delete_never_prompts_without_a_terminal_and_accepts_yes() {
    let dir = quickstart_dir();
    let d = dir.path();
    expect(d, &["apply", "-f", "quickstart"], 0);
    // Tests run with stdin closed: no terminal, so no question and nothing waits for an answer.
    let (out, err) = expect(d, &["delete", "Application", "storefront"], 0);
    assert!(out.contains("Delete complete: 9 deleted"), "{out}");
    assert!(!err.contains("[y/N]"), "{err}");
    let (out, err) = expect(d, &["delete", "DatabaseClaim", "orders-db", "--yes"], 0);
    assert!(out.contains("Delete complete: 2 deleted"), "{out}");
    assert!(!err.contains("[y/N]"), "{err}");
}

const TWO_TEAMS: &str = "apiVersion: platform.dev/v1alpha1
kind: DatabaseClaim
metadata:
  name: orders-db
  labels: {platform.dev/owner: team-orders}
spec: {engine: sqlite}
---
apiVersion: platform.dev/v1alpha1
kind: DatabaseClaim
metadata:
  name: ledger-db
  namespace: team-a
  labels: {platform.dev/owner: team-ledger}
spec: {engine: sqlite}
";

#[test]
fn namespaces_follow_kubectl_and_not_found_names_the_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("claims.yaml"), TWO_TEAMS).unwrap();
    expect(d, &["apply", "-f", "claims.yaml"], 0);

    // Without -n: the default namespace, as describe and outputs.
    let (table, _) = expect(d, &["get"], 0);
    assert!(table.contains("orders-db"), "{table}");
    assert!(!table.contains("ledger-db"), "{table}");
    for all in ["-A", "--all-namespaces"] {
        let (table, _) = expect(d, &["get", all], 0);
        assert!(
            table.contains("orders-db") && table.contains("ledger-db"),
            "{table}"
        );
    }
    let (table, _) = expect(d, &["get", "DatabaseClaim", "-n", "team-a"], 0);
    assert!(
        table.contains("ledger-db") && !table.contains("orders-db"),
        "{table}"
    );
    let (none, _) = expect(d, &["get", "-n", "team-b"], 0);
    assert_eq!(
        none,
        "No claims found in namespace team-b; `platformctl get -A` lists 2 in other namespaces.\n"
    );

    // A name that exists in another namespace: the error says which, and how to ask for it.
    for command in ["describe", "outputs", "get"] {
        let (_, err) = expect(d, &[command, "DatabaseClaim", "ledger-db"], 1);
        assert_eq!(
            err,
            "error: DatabaseClaim default/ledger-db not found\nhint: it exists in namespace team-a: add `-n team-a`\n",
            "platformctl {command}"
        );
    }
    expect(
        d,
        &["outputs", "DatabaseClaim", "ledger-db", "-n", "team-a"],
        0,
    );

    // The config's defaultNamespace replaces `default` for every command.
    std::fs::write(d.join("platform.yaml"), "defaultNamespace: team-a\n").unwrap();
    let (table, _) = expect(d, &["get"], 0);
    assert!(
        table.contains("ledger-db") && !table.contains("orders-db"),
        "{table}"
    );
    expect(d, &["describe", "DatabaseClaim", "ledger-db"], 0);
    let (out, _) = expect(d, &["delete", "DatabaseClaim", "ledger-db"], 0);
    assert!(out.contains("Delete complete: 2 deleted"), "{out}");
    std::fs::write(d.join("platform.yaml"), "defaultNamespace: Team_A\n").unwrap();
    let (_, err) = expect(d, &["get"], 1);
    assert!(
        err.contains("platform.yaml:1:19: defaultNamespace: "),
        "{err}"
    );
}

/// The cell of a table's row (found by a name in it) under a column heading.
fn cell(table: &str, row: &str, column: &str) -> String {
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    let start = header
        .find(column)
        .unwrap_or_else(|| panic!("no {column} in:\n{table}"));
    let line = lines
        .find(|l| l.split_whitespace().any(|w| w == row))
        .unwrap_or_else(|| panic!("no {row} in:\n{table}"));
    line.get(start..)
        .unwrap_or("")
        .split("   ")
        .next()
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn get_shows_the_team_and_the_application_of_each_claim() {
    let dir = quickstart_dir();
    let d = dir.path();
    expect(d, &["apply", "-f", "quickstart"], 0);
    let (table, _) = expect(d, &["get"], 0);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "NAMESPACE",
            "KIND",
            "NAME",
            "READY",
            "SYNCED",
            "TEAM",
            "APPLICATION",
            "MESSAGE"
        ]
    );
    assert_eq!(cell(&table, "orders-db", "TEAM"), "team-orders");
    assert_eq!(cell(&table, "orders-db", "APPLICATION"), "");
    assert_eq!(cell(&table, "storefront-db", "APPLICATION"), "storefront");
    assert_eq!(cell(&table, "storefront-db", "TEAM"), "team-orders");
    assert_eq!(cell(&table, "storefront", "TEAM"), "team-orders");
}
