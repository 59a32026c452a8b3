//! `state: postgres://...`: the built platformctl keeps its state in a schema of a real
//! PostgreSQL (the URL read through `${env:NAME}`, the schema from `?schema=`): apply, get,
//! outputs with secrets sealed under the key file, and delete, with no SQLite state file
//! written. Runs with `PLATFORM_REAL_SERVICES=1`.

mod support;

use std::path::Path;
use std::process::Command;

use platform_testkit::real;

fn url() -> String {
    real::setting(
        "PLATFORM_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    )
}

/// platformctl in `dir`, with the state's address (the URL after `postgres://`) in the
/// environment the config reads it from.
fn command(dir: &Path) -> Command {
    let mut command = support::command(dir);
    let url = url();
    let address = url.split_once("://").map_or(url.as_str(), |(_, a)| a);
    command.env("PLATFORM_TEST_STATE_ADDRESS", address);
    command
}

fn expect(dir: &Path, args: &[&str], code: i32) -> (String, String) {
    support::check(&support::output(command(dir), args), args, code)
}

async fn plain() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {}: {e}", url()));
    tokio::spawn(connection);
    client
}

async fn apply_get_outputs_and_delete_keep_state_in_postgres() {
    let schema = format!("cli_state_{}", std::process::id());
    let dir = support::quickstart_dir();
    let d = dir.path();
    std::fs::write(
        d.join("platform.yaml"),
        format!("state: postgres://${{env:PLATFORM_TEST_STATE_ADDRESS}}?schema={schema}\n"),
    )
    .unwrap();

    let (out, _) = expect(d, &["apply", "-f", "quickstart"], 0);
    assert!(
        out.contains("DatabaseClaim default/orders-db Ready"),
        "{out}"
    );
    assert!(out.contains("Apply complete: 5 created"), "{out}");
    assert!(
        !d.join(".platform/state.db").exists(),
        "a SQLite state file was written beside a postgres:// state"
    );

    // The claims are rows of the chosen schema, readable by a second process.
    let client = plain().await;
    let claims: i64 = client
        .query_one(
            &format!("SELECT count(*) FROM \"{schema}\".objects WHERE kind = 'DatabaseClaim'"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(
        claims >= 2,
        "expected the database claims stored, found {claims}"
    );
    let (out, _) = expect(d, &["get", "DatabaseClaim"], 0);
    assert!(out.contains("orders-db") && out.contains("True"), "{out}");
    let (again, _) = expect(d, &["apply", "-f", "quickstart"], 0);
    assert!(
        again.contains("No changes: 5 resources are up to date."),
        "{again}"
    );

    // Secrets are sealed with the key file beside the config, and read back by another run.
    let key = d.join(".platform/state.key");
    assert!(key.exists(), "no key file at {}", key.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let sealed: i64 = client
        .query_one(&format!("SELECT count(*) FROM \"{schema}\".secrets"), &[])
        .await
        .unwrap()
        .get(0);
    let (outputs, _) = expect(d, &["outputs", "Application", "storefront"], 0);
    assert!(!outputs.contains("error"), "{outputs}");
    if sealed > 0 {
        assert!(outputs.contains("********"), "{outputs}");
    }

    let (out, _) = expect(d, &["delete", "Application", "storefront", "--yes"], 0);
    assert!(out.contains("Delete complete"), "{out}");
    let (out, _) = expect(d, &["get", "-A", "-o", "json"], 0);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["orders-db"], "{out}");

    // A bad schema name is a clear error naming the setting, never the URL's password.
    std::fs::write(
        d.join("platform.yaml"),
        "state: postgres://platform:pw-hidden@127.0.0.1:5432/postgres?schema=Bad-Name\n",
    )
    .unwrap();
    let (_, err) = expect(d, &["get"], 1);
    assert!(err.contains("state schema \"Bad-Name\""), "{err}");
    assert!(!err.contains("pw-hidden"), "{err}");

    client
        .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .await
        .unwrap();
}

fn main() {
    real::run(
        "platformctl postgres state",
        "PostgreSQL at 127.0.0.1:5432 (PLATFORM_TEST_POSTGRES_URL), user postgres",
        vec![real::trial(
            "apply_get_outputs_and_delete_keep_state_in_postgres",
            apply_get_outputs_and_delete_keep_state_in_postgres,
        )],
    )
}
