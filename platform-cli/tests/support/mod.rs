//! What the platformctl integration tests share: the repository, the binary in a clean
//! environment, and checking its exit code. Each test file includes it with `mod support;`.

// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root folder.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `platformctl` run in `dir`, with none of the runner's settings that change what it prints
/// or reads: no colour, no `RUST_LOG`, no `PLATFORM_SECRET_KEY`.
pub fn command(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_platformctl"));
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .env_remove("PLATFORM_SECRET_KEY");
    command
}

/// Runs `command` with `args` to its end.
pub fn output(mut command: Command, args: &[&str]) -> Output {
    command.args(args).output().expect("platformctl runs")
}

/// Runs `platformctl args` in `dir` to its end.
pub fn platformctl(dir: &Path, args: &[&str]) -> Output {
    output(command(dir), args)
}

/// Bytes a command printed, as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What a command printed: stdout and stderr.
pub fn streams(out: &Output) -> (String, String) {
    (text(&out.stdout), text(&out.stderr))
}

/// Stdout and stderr of `platformctl args` that ended with `code`; otherwise fails showing both.
pub fn check(out: &Output, args: &[&str], code: i32) -> (String, String) {
    let (stdout, stderr) = streams(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "platformctl {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        args.join(" ")
    );
    (stdout, stderr)
}

/// Runs `platformctl args` in `dir` and expects the exit code `code`: its stdout and stderr.
pub fn expect(dir: &Path, args: &[&str], code: i32) -> (String, String) {
    check(&platformctl(dir, args), args, code)
}

/// A temporary folder holding a copy of the quickstart claims in `quickstart/`.
pub fn quickstart_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("quickstart")).unwrap();
    for file in ["orders-db.yaml", "storefront-app.yaml"] {
        std::fs::copy(
            repo().join("examples/quickstart").join(file),
            dir.path().join("quickstart").join(file),
        )
        .unwrap();
    }
    dir
}
