//! Two commands at once on one store: `apply -f` and `delete -f` of the same 60 claims, raced
//! over and over. Whatever order the claims end up in, the state and the real resources
//! agree: every stored claim has its database file or bucket folder, and no file or folder is
//! left for a claim the store no longer holds.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use platform_core::compose::claim_id;

/// Races run; the issue asks for at least 50.
const RACES: usize = 50;
/// Claims per race, half databases and half buckets.
const CLAIMS: usize = 60;

/// platformctl in `dir` with both streams captured.
fn platformctl(dir: &Path) -> Command {
    let mut command = support::command(dir);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    command
}

/// Claims in two namespaces with similar names, so races cross namespaces too.
fn claims() -> String {
    let mut text = String::new();
    for i in 0..CLAIMS / 2 {
        let namespace = if i % 2 == 0 { "team-a" } else { "team" };
        text.push_str(&format!(
            "apiVersion: platform.dev/v1alpha1\nkind: DatabaseClaim\nmetadata:\n  name: db-{i}\n  namespace: {namespace}\nspec:\n  engine: sqlite\n---\n\
             apiVersion: platform.dev/v1alpha1\nkind: BucketClaim\nmetadata:\n  name: a-files-{i}\n  namespace: {namespace}\nspec: {{}}\n---\n"
        ));
    }
    text
}

/// The stored claims as (kind, namespace, name).
fn stored(dir: &Path) -> BTreeSet<(String, String, String)> {
    let out = platformctl(dir)
        .args(["get", "-A", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let s = |v: &serde_json::Value| v.as_str().unwrap_or("default").to_owned();
            (
                s(&item["kind"]),
                s(&item["metadata"]["namespace"]),
                s(&item["metadata"]["name"]),
            )
        })
        .collect()
}

/// What the local adapter holds: database files and bucket folders, by their paths under
/// `.platform/local`.
fn real(dir: &Path) -> BTreeSet<String> {
    let local = dir.join(".platform/local");
    let mut found = BTreeSet::new();
    for namespace in std::fs::read_dir(local.join("databases"))
        .into_iter()
        .flatten()
        .flatten()
    {
        for file in std::fs::read_dir(namespace.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = file.file_name().to_string_lossy().into_owned();
            if name.ends_with(".sqlite3") {
                found.insert(format!(
                    "databases/{}/{name}",
                    namespace.file_name().to_string_lossy()
                ));
            }
        }
    }
    for bucket in std::fs::read_dir(local.join("buckets"))
        .into_iter()
        .flatten()
        .flatten()
    {
        found.insert(format!("buckets/{}", bucket.file_name().to_string_lossy()));
    }
    found
}

/// What the local adapter should hold for the stored claims.
fn expected(claims: &BTreeSet<(String, String, String)>) -> BTreeSet<String> {
    claims
        .iter()
        .map(|(kind, namespace, name)| match kind.as_str() {
            "DatabaseClaim" => format!("databases/{namespace}/{name}.sqlite3"),
            _ => format!(
                "buckets/{namespace}-{name}-{}",
                claim_id(kind, namespace, name)
            ),
        })
        .collect()
}

#[test]
fn apply_and_delete_racing_never_leak_or_lose_a_resource() {
    let dir = std::env::temp_dir().join(format!("platform-races-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("claims.yaml"), claims()).unwrap();
    let started = Instant::now();
    let mut outcomes = BTreeSet::new();
    for race in 0..RACES {
        // Half the races start from every claim applied, half from none (or what is left).
        if race % 2 == 0 {
            let out = platformctl(&dir)
                .args(["apply", "-f", "claims.yaml"])
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "race {race}: setup apply\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let mut apply = platformctl(&dir)
            .args(["apply", "-f", "claims.yaml"])
            .spawn()
            .unwrap();
        // Stagger the start a little differently each time.
        std::thread::sleep(Duration::from_millis((race as u64 * 37) % 150));
        let mut delete = platformctl(&dir)
            .args(["delete", "-f", "claims.yaml"])
            .spawn()
            .unwrap();
        let apply_status = apply.wait().unwrap();
        let delete_status = delete.wait().unwrap();
        let apply_out = apply.wait_with_output().unwrap();
        let delete_out = delete.wait_with_output().unwrap();
        let shown = || {
            format!(
                "apply exit {:?}:\n{}{}\ndelete exit {:?}:\n{}{}",
                apply_status.code(),
                String::from_utf8_lossy(&apply_out.stdout),
                String::from_utf8_lossy(&apply_out.stderr),
                delete_status.code(),
                String::from_utf8_lossy(&delete_out.stdout),
                String::from_utf8_lossy(&delete_out.stderr)
            )
        };
        for status in [apply_status, delete_status] {
            assert!(
                matches!(status.code(), Some(0 | 1)),
                "race {race}: a command crashed\n{}",
                shown()
            );
        }
        outcomes.insert((apply_status.code(), delete_status.code()));
        let claims = stored(&dir);
        let real = real(&dir);
        let want = expected(&claims);
        let leaked: Vec<&String> = real.difference(&want).collect();
        let lost: Vec<&String> = want.difference(&real).collect();
        assert!(
            leaked.is_empty() && lost.is_empty(),
            "race {race}: {} claims stored; real resources without a claim: {leaked:?}; claims without their resource: {lost:?}\n{}",
            claims.len(),
            shown()
        );
        // And the engine agrees: nothing drifted, nothing left half-done.
        let drift = platformctl(&dir).args(["drift"]).output().unwrap();
        assert_eq!(
            drift.status.code(),
            Some(0),
            "race {race}: drift after the race\n{}{}",
            String::from_utf8_lossy(&drift.stdout),
            String::from_utf8_lossy(&drift.stderr)
        );
    }
    println!(
        "{RACES} races of apply and delete over {CLAIMS} claims in {:.1?}: no leak, no loss; exit codes (apply, delete) seen: {outcomes:?}",
        started.elapsed()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
