//! The README's sample outputs come from the commands it shows: each sample is run here and
//! every line it shows (`...` stands for lines left out) must appear, in order, in what the
//! command prints today. A change of output that leaves the README behind fails this test.

mod support;

use std::path::Path;

use support::{platformctl, repo, streams};

/// The ```text block that follows `marker` in the README.
fn sample_after(marker: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme
        .find(marker)
        .unwrap_or_else(|| panic!("README has no {marker:?}"));
    let block = &readme[start..];
    let block = &block[block.find("```text\n").expect("a text block") + 8..];
    let block = &block[..block.find("```").expect("the block ends")];
    block.lines().map(str::to_owned).collect()
}

/// Runs platformctl in `dir`; stdout and stderr as a user sees them, one after the other.
fn run(dir: &Path, args: &[&str]) -> Vec<String> {
    let (stdout, stderr) = streams(&platformctl(dir, args));
    stdout
        .lines()
        .chain(stderr.lines())
        .map(str::to_owned)
        .collect()
}

/// Every shown line of `sample` appears in `actual`, in order; `...` skips any lines.
fn assert_shows(sample: &[String], actual: &[String]) {
    let mut at = 0;
    for line in sample.iter().filter(|l| l.trim() != "...") {
        match actual[at..].iter().position(|a| a == line) {
            Some(found) => at += found + 1,
            None => panic!(
                "README line {line:?} is not printed (in this order) by the command; it prints:\n{}",
                actual.join("\n")
            ),
        }
    }
}

#[test]
fn the_quickstart_sample_is_what_apply_prints() {
    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("examples/quickstart");
    std::fs::create_dir_all(&claims).unwrap();
    for file in ["orders-db.yaml", "storefront-app.yaml"] {
        std::fs::copy(
            repo().join("examples/quickstart").join(file),
            claims.join(file),
        )
        .unwrap();
    }
    let sample = sample_after(
        "It prints every claim and resource Ready with its outputs, then the monthly cost estimate:",
    );
    assert_shows(
        &sample,
        &run(dir.path(), &["apply", "-f", "examples/quickstart"]),
    );
    let again = run(dir.path(), &["apply", "-f", "examples/quickstart"]);
    assert_eq!(
        again.last().map(String::as_str),
        Some("No changes: 5 resources are up to date."),
        "{}",
        again.join("\n")
    );
}

#[test]
fn the_validate_sample_is_what_validate_prints() {
    let sample = sample_after("`validate` checks claims without a store and gives located errors:");
    let (command, printed) = sample.split_first().unwrap();
    assert_eq!(
        command,
        "$ cargo run -q -p platform-cli -- validate -f examples/broken"
    );
    assert_shows(
        printed,
        &run(&repo(), &["validate", "-f", "examples/broken"]),
    );
}
