//! `platformctl serve`: the portal on loopback, over the config's state; reads need the token
//! unless the config opens them, and a busy or malformed address is a clear error.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};

use support::{command, platformctl, text};

/// The portal's process, stopped when dropped.
struct Served(Child, String);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `platformctl serve --listen 127.0.0.1:0` in `dir` and reads the address it prints.
fn serve(dir: &std::path::Path, token: Option<&str>) -> Served {
    let mut cmd = command(dir);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    match token {
        Some(t) => cmd.env("PLATFORM_PORTAL_TOKEN", t),
        None => cmd.env_remove("PLATFORM_PORTAL_TOKEN"),
    };
    let mut child = cmd.spawn().expect("platformctl starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a first line");
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("serve prints its address, printed {line:?}"))
        .to_owned();
    Served(child, address)
}

/// `GET path` over a plain socket: the status line and the body.
fn get(address: &str, path: &str, bearer: Option<&str>) -> (String, String) {
    let mut stream = TcpStream::connect(address).expect("the portal accepts connections");
    let auth = bearer.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("a reply");
    let status = reply.lines().next().unwrap_or_default().to_owned();
    let body = reply
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

#[test]
fn serve_listens_on_loopback_and_reads_need_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), Some("cli-serve-token"));
    assert!(served.1.starts_with("127.0.0.1:"), "{}", served.1);
    let (status, _) = get(&served.1, "/api/catalog", None);
    assert!(status.contains("401"), "{status}");
    let (status, body) = get(&served.1, "/api/catalog", Some("cli-serve-token"));
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("\"total\":0"), "{body}");
}

#[test]
fn public_read_in_the_config_opens_the_pages_but_not_writes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("platform.yaml"),
        "portal:\n  publicRead: true\n",
    )
    .unwrap();
    let served = serve(dir.path(), None);
    let (status, body) = get(&served.1, "/catalog", None);
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("0 entities match"));
    let (_, form) = get(&served.1, "/templates/service", None);
    assert!(
        form.contains("Creating is off"),
        "without a token the portal accepts no change"
    );
}

#[test]
fn a_bad_portal_setting_or_address_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("platform.yaml"),
        "portal:\n  publicRead: maybe\n  colour: red\n",
    )
    .unwrap();
    let out = platformctl(dir.path(), &["serve"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("portal.publicRead"), "{stderr}");
    assert!(
        stderr.contains("expected one of: publicRead, scaffoldDir"),
        "{stderr}"
    );
    let out = platformctl(dir.path(), &["serve", "--listen", "localhost"]);
    assert_eq!(out.status.code(), Some(64), "{}", text(&out.stderr));
}
