//! What the tests of `platformctl run` workers on a real PostgreSQL share: a folder whose
//! config keeps the state in a schema of its own and provisions with the postgres adapter,
//! worker processes to start, kill, stop and resume, and queries of the real server.

// Each test file uses only some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use platform_testkit::real;

use crate::support;

pub fn url() -> String {
    real::setting(
        "PLATFORM_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    )
}

/// Lease settings short enough for a test: a stopped worker's leases expire after 2 s.
pub const LEASE: &str = "2s";
pub const RENEWAL: &str = "500ms";

/// A folder with a config whose state is `schema` (few connections per process: the tests
/// run side by side on a server of 100 connections) and whose production environment
/// provisions on the real PostgreSQL, and `count` PostgreSQL DatabaseClaims of `namespace`.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub schema: String,
    pub namespace: String,
}

impl Setup {
    pub fn new(tag: &str, count: usize) -> Setup {
        let id = std::process::id();
        let schema = format!("workers_{tag}_{id}");
        let namespace = format!("w{tag}{id}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("platform.yaml"),
            format!(
                "state: postgres://${{env:PLATFORM_TEST_STATE_ADDRESS}}?schema={schema}&pool_size=3\n\
                 defaultEnvironment: production\n\
                 environments:\n  production:\n    providers:\n      postgres: {{url: \"{}\", maxConnections: 2}}\n",
                url()
            ),
        )
        .unwrap();
        let setup = Setup {
            dir,
            schema,
            namespace,
        };
        setup.write_claims(&vec!["small"; count]);
        setup
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `claims.yaml`: claim `db-I` of size `sizes[I]`.
    pub fn write_claims(&self, sizes: &[&str]) {
        let claims: String = sizes
            .iter()
            .enumerate()
            .map(|(i, size)| {
                format!(
                    "apiVersion: platform.dev/v1alpha1\nkind: DatabaseClaim\nmetadata:\n  name: db-{i}\n  namespace: {}\nspec: {{engine: postgresql, size: {size}}}\n---\n",
                    self.namespace
                )
            })
            .collect();
        std::fs::write(self.path().join("claims.yaml"), claims).unwrap();
    }

    pub fn command(&self) -> Command {
        let mut command = support::command(self.path());
        let url = url();
        let address = url
            .split_once("://")
            .map_or(url.as_str(), |(_, a)| a)
            .to_owned();
        command.env("PLATFORM_TEST_STATE_ADDRESS", address);
        command
    }

    pub fn expect(&self, args: &[&str], code: i32) -> (String, String) {
        support::check(&support::output(self.command(), args), args, code)
    }

    /// A `platformctl run --id ID` worker logging into `ID.log`.
    pub fn worker(&self, id: &str) -> Worker {
        let log = self.path().join(format!("{id}.log"));
        let child = self
            .command()
            .args([
                "run",
                "--id",
                id,
                "--lease-duration",
                LEASE,
                "--lease-renewal",
                RENEWAL,
                "--concurrency",
                "2",
            ])
            .stdout(Stdio::null())
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log)
                    .unwrap(),
            )
            .spawn()
            .unwrap();
        Worker { child, log }
    }
}

pub struct Worker {
    pub child: Child,
    pub log: PathBuf,
}

impl Worker {
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} failed");
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.signal_quietly("CONT");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Worker {
    pub fn signal_quietly(&self, signal: &str) -> std::io::Result<std::process::ExitStatus> {
        Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .stderr(Stdio::null())
            .status()
    }
}

pub async fn plain() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {}: {e}", url()));
    tokio::spawn(connection);
    client
}

/// The claim names (`db-N`) whose lease `id` holds now.
pub async fn held_by(client: &tokio_postgres::Client, schema: &str, id: &str) -> Vec<String> {
    client
        .query(
            &format!(
                "SELECT name FROM \"{schema}\".leases WHERE holder LIKE '%:' || $1 \
                 AND expires_at_ms > (extract(epoch FROM clock_timestamp()) * 1000)::bigint \
                 AND kind = 'DatabaseClaim' ORDER BY name"
            ),
            &[&id],
        )
        .await
        .map(|rows| rows.iter().map(|r| r.get(0)).collect())
        .unwrap_or_default()
}

/// Waits until worker `id` holds at least one claim lease (it is mid-work).
pub async fn until_holding(client: &tokio_postgres::Client, schema: &str, id: &str) -> Vec<String> {
    let started = Instant::now();
    loop {
        let held = held_by(client, schema, id).await;
        if !held.is_empty() {
            return held;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "worker {id} never held a claim lease"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Databases and roles of the namespace on the server: each must exist exactly once per claim.
pub async fn real_resources(client: &tokio_postgres::Client, namespace: &str) -> (i64, i64) {
    let count = |sql: &'static str| async move {
        client
            .query_one(sql, &[&namespace])
            .await
            .unwrap()
            .get::<_, i64>(0)
    };
    (
        count("SELECT count(*) FROM pg_database WHERE starts_with(datname, $1)").await,
        count("SELECT count(*) FROM pg_roles WHERE starts_with(rolname, $1)").await,
    )
}

/// Deletes the claims (so their databases and roles go) and drops the state schema.
pub async fn clean_up(setup: &Setup, client: &tokio_postgres::Client) {
    setup.expect(&["delete", "-f", "claims.yaml", "--yes"], 0);
    assert_eq!(
        real_resources(client, &setup.namespace).await,
        (0, 0),
        "a database or role was left behind after delete"
    );
    client
        .batch_execute(&format!("DROP SCHEMA \"{}\" CASCADE", setup.schema))
        .await
        .unwrap();
}
