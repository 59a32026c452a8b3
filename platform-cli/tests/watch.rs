//! `get --watch` lists the claims, then prints each one again when it changes: a claim applied
//! by another command shows up, Ready, without running `get` again.

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use support::repo;

#[test]
fn get_watch_prints_a_claim_applied_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for file in ["orders-db.yaml", "storefront-app.yaml"] {
        std::fs::copy(repo().join("examples/quickstart").join(file), d.join(file)).unwrap();
    }
    let first = support::command(d)
        .args(["apply", "-f", "orders-db.yaml"])
        .output()
        .unwrap();
    assert!(first.status.success(), "{first:?}");

    let mut watch = support::command(d)
        .args(["get", "--watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (lines, seen) = mpsc::channel();
    let stdout = watch.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    // The first list holds the claim applied before.
    let mut printed = Vec::new();
    while !printed.iter().any(|l: &String| l.contains("orders-db")) {
        printed.push(
            seen.recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no first list: {printed:?}")),
        );
    }
    let second = support::command(d)
        .args(["apply", "-f", "storefront-app.yaml"])
        .output()
        .unwrap();
    assert!(second.status.success(), "{second:?}");
    let mut ready = None;
    while let Ok(line) = seen.recv_timeout(Duration::from_secs(30)) {
        if line.contains("storefront") && line.contains("True") {
            ready = Some(line);
            break;
        }
        printed.push(line);
    }
    let _ = watch.kill();
    let _ = watch.wait();
    let line =
        ready.unwrap_or_else(|| panic!("the applied Application was not printed: {printed:?}"));
    assert!(line.contains("Application"), "{line}");
}
