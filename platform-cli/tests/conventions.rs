//! What every command shares, checked on the built `platformctl`: a usage error never exits
//! 2 (the code CI reads as "changes" or "drift"), and the exit codes are documented.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The exit code of a usage error (sysexits' EX_USAGE).
const USAGE: i32 = 64;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn platformctl(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_platformctl"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PLATFORM_SECRET_KEY")
        .args(args)
        .output()
        .expect("platformctl runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs and checks the exit code, showing both streams when it differs.
fn expect(dir: &Path, args: &[&str], code: i32) -> (String, String) {
    let out = platformctl(dir, args);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(code),
        "platformctl {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        args.join(" ")
    );
    (stdout, stderr)
}

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
