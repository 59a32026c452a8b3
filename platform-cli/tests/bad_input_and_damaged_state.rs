//! `platformctl` facing bad input and damaged state: special files named like claims, an
//! emptied state file, file modes, a `.platform` it cannot write, and Ctrl-C.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::{repo, text};

fn quickstart() -> String {
    repo().join("examples/quickstart").display().to_string()
}

/// Runs platformctl in `dir`, failing the test (instead of hanging) after 60 seconds.
fn platformctl(dir: &Path, args: &[&str]) -> Output {
    let child = support::command(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("platformctl runs");
    finish_within(child, Duration::from_secs(60), args)
}

fn finish_within(mut child: Child, limit: Duration, args: &[&str]) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("platformctl {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo runs");
}

#[cfg(unix)]
#[test]
fn special_files_named_like_claims_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.yaml")).unwrap();
    mkfifo(&dir.path().join("pipe.yaml"));
    for (file, what) in [
        ("zero.yaml", "a character device"),
        ("pipe.yaml", "a FIFO (named pipe)"),
    ] {
        let out = platformctl(dir.path(), &["validate", "-f", file]);
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert!(
            text(&out.stderr).contains(&format!(
                "{file}:1:1: (file): expected a regular file, found {what}"
            )),
            "{}",
            text(&out.stderr)
        );
    }
    // The config file too: a FIFO named platform.yaml is refused, not waited on.
    mkfifo(&dir.path().join("platform.yaml"));
    let out = platformctl(dir.path(), &["get"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("expected a regular file, found a FIFO (named pipe)"),
        "{}",
        text(&out.stderr)
    );
}

/// Removes a SQLite file's -wal and -shm files and empties it.
fn empty_state(dir: &Path) -> PathBuf {
    let state = dir.join(".platform/state.db");
    for sidecar in ["state.db-wal", "state.db-shm"] {
        let _ = std::fs::remove_file(dir.join(".platform").join(sidecar));
    }
    std::fs::File::create(&state).unwrap();
    state
}

#[test]
fn an_emptied_state_file_is_refused_not_taken_as_new() {
    let dir = tempfile::tempdir().unwrap();
    let out = platformctl(dir.path(), &["apply", "-f", &quickstart()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let state = empty_state(dir.path());
    let qs = quickstart();
    for args in [
        vec!["get"],
        vec!["plan", "-f", qs.as_str()],
        vec!["apply", "-f", qs.as_str()],
    ] {
        let out = platformctl(dir.path(), &args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(".platform/state.db exists but holds no platform state")
                && stderr.contains("the state looks damaged or lost"),
            "{args:?}: {stderr}"
        );
        assert!(!text(&out.stdout).contains("created"), "{args:?}");
    }
    assert_eq!(
        std::fs::metadata(&state).unwrap().len(),
        0,
        "left for a restore"
    );
}

#[cfg(unix)]
#[test]
fn nothing_under_platform_is_readable_by_others_after_an_apply() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let out = platformctl(dir.path(), &["apply", "-f", &quickstart()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut checked = Vec::new();
    let mut stack = vec![dir.path().join(".platform")];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        assert_eq!(
            mode & 0o077,
            0,
            "{} has mode {mode:o}: group or others can use it",
            path.display()
        );
        if meta.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        }
        checked.push(path);
    }
    let names: Vec<String> = checked
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "state.db",
        "state.db.key",
        "local.sqlite3",
        "orders-db.sqlite3",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not found in {names:?}"
        );
    }
}

#[test]
fn a_command_that_only_reads_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = platformctl(dir.path(), &["get"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !dir.path().join(".platform").exists(),
        "get created .platform: it must open the state read-only"
    );
}

/// Whether this process ignores file permissions (root), so chmod denies nothing.
#[cfg(unix)]
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    let dir = tempfile::tempdir().unwrap();
    let probe = dir.path().join("probe");
    std::fs::write(&probe, "").unwrap();
    std::fs::metadata(&probe).unwrap().uid() == 0
}

#[cfg(unix)]
#[test]
fn a_platform_folder_that_cannot_be_written_is_read_and_named() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let out = platformctl(dir.path(), &["apply", "-f", &quickstart()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let platform = dir.path().join(".platform");
    // As root chmod denies nothing, so the commands run as user nobody, owning the files.
    let as_nobody = is_root();
    if as_nobody {
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let chown = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(dir.path())
            .status();
        assert!(chown.is_ok_and(|s| s.success()), "chown runs");
    }
    std::fs::set_permissions(&platform, std::fs::Permissions::from_mode(0o500)).unwrap();
    let run = |args: &[&str]| -> Option<Output> {
        let mut command = if as_nobody {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(env!("CARGO_BIN_EXE_platformctl"));
            c
        } else {
            support::command(dir.path())
        };
        let child = command
            .current_dir(dir.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match child {
            Ok(child) => Some(finish_within(child, Duration::from_secs(60), args)),
            Err(e) => {
                println!("skipped: running as root and setpriv cannot run ({e})");
                None
            }
        }
    };
    let outcomes = (
        run(&["get"]),
        run(&["describe", "DatabaseClaim", "orders-db"]),
        run(&["apply", "-f", &quickstart()]),
    );
    std::fs::set_permissions(&platform, std::fs::Permissions::from_mode(0o700)).unwrap();
    let (Some(get), Some(describe), Some(apply)) = outcomes else {
        return;
    };
    if as_nobody && get.status.code() == Some(126) {
        println!("skipped: user nobody cannot run the platformctl binary");
        return;
    }
    assert_eq!(get.status.code(), Some(0), "{}", text(&get.stderr));
    assert!(
        text(&get.stdout).contains("orders-db"),
        "{}",
        text(&get.stdout)
    );
    assert_eq!(
        describe.status.code(),
        Some(0),
        "{}",
        text(&describe.stderr)
    );
    assert_eq!(apply.status.code(), Some(1));
    assert!(
        text(&apply.stderr).contains(
            "cannot write .platform/state.db: the folder .platform is not writable \
             (permission denied)"
        ),
        "{}",
        text(&apply.stderr)
    );
}

/// Sends SIGINT to a process, as Ctrl-C in its terminal would.
fn interrupt(child: &Child) {
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(sent.is_ok_and(|s| s.success()), "kill -INT runs");
}

/// Waits for a line of the child's stderr containing `needle`; returns all lines read.
fn wait_for_line(lines: &mpsc::Receiver<String>, seen: &mut Vec<String>, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !seen.iter().any(|l| l.contains(needle)) {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => panic!("no line with {needle:?} on stderr; saw {seen:#?}"),
        }
    }
}

fn exit_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("platformctl did not stop within {limit:?} of the second Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_twice_says_what_finishes_and_what_the_next_apply_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let out = platformctl(dir.path(), &["apply", "-f", &quickstart()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::write(
        dir.path().join("second.yaml"),
        "apiVersion: platform.dev/v1alpha1\nkind: BucketClaim\nmetadata:\n  name: files\nspec: {}\n",
    )
    .unwrap();
    // Another writer holds the state: the apply waits for it (up to 10 s) while interrupted.
    let lock = rusqlite::Connection::open(dir.path().join(".platform/state.db")).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut child = support::command(dir.path())
        .args(["apply", "-f", "second.yaml"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("platformctl runs");
    let stderr = child.stderr.take().unwrap();
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            if send.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    // Time to start and reach the held lock; the handler is installed as the runtime starts.
    std::thread::sleep(Duration::from_millis(1500));
    let mut seen = Vec::new();
    interrupt(&child);
    wait_for_line(
        &lines,
        &mut seen,
        "interrupted: finishing the work in flight",
    );
    assert!(
        seen.iter()
            .any(|l| l.contains("press Ctrl-C again to stop now")),
        "{seen:#?}"
    );
    interrupt(&child);
    let status = exit_within(&mut child, Duration::from_secs(10));
    drop(lock);
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(5)) {
        seen.push(line);
    }
    let all = seen.join("\n");
    assert!(
        all.contains("stopping now: the work in flight is abandoned")
            && all.contains("run `platformctl apply` again to resume it")
            && all.contains("recovered from their recorded create intents"),
        "{all}"
    );
    assert_eq!(status.code(), Some(130), "{all}");
}

/// `platformctl ... | head`: a reader that goes away is no panic; the command ends with its
/// own exit code and nothing on stderr.
#[test]
fn a_closed_stdout_is_no_panic() {
    let catalog = repo().join("examples/catalog").display().to_string();
    for args in [
        vec!["catalog", "list", "-f", catalog.as_str(), "-o", "json"],
        vec!["catalog", "relations", "-f", catalog.as_str()],
        vec!["kinds"],
    ] {
        let mut child = support::command(&repo())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("platformctl runs");
        // The reader goes before the command writes a byte.
        drop(child.stdout.take());
        let out = finish_within(child, Duration::from_secs(60), &args);
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
