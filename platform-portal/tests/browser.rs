//! The portal in a real browser: serves the seeded portal on a loopback port and runs
//! `e2e/portal.mjs` (playwright-core driving Debian's chromium). Screenshots land in
//! `target/tmp/portal-e2e/`. With PLATFORM_REAL_SERVICES=1 (CI) a missing node, chromium
//! or `npm ci` is a failure; otherwise the test says what it left out and passes.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{FAILURE, TOKEN, fixture};

const CHROMIUM: &str = "/usr/bin/chromium";

/// What is missing to run the browser, if anything.
fn missing(e2e: &Path) -> Option<String> {
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed (apt-get install nodejs)".into());
    }
    if !Path::new(CHROMIUM).exists() {
        return Some(format!(
            "{CHROMIUM} is missing (apt-get install --no-install-recommends chromium)"
        ));
    }
    if !e2e.join("node_modules/playwright-core").exists() {
        return Some(format!(
            "playwright-core is not installed (npm ci --prefix {})",
            e2e.display()
        ));
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_works_in_a_real_browser() {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    if let Some(what) = missing(&e2e) {
        let required = std::env::var("PLATFORM_REAL_SERVICES").is_ok_and(|v| v == "1");
        assert!(!required, "the browser test cannot run: {what}");
        eprintln!(
            "browser test left out: {what}; run it with PLATFORM_REAL_SERVICES=1 (see README, \"Portal\")"
        );
        return;
    }
    let f = fixture(true, Some(TOKEN)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let address = listener.local_addr().expect("an address");
    let router = f.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let screenshots: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("portal-e2e");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("portal.mjs")
            .current_dir(&e2e)
            .env("PORTAL_URL", format!("http://{address}"))
            .env("PORTAL_TOKEN", TOKEN)
            .env("PORTAL_FAILURE", FAILURE)
            .env("SCREENSHOTS", &screenshots)
            .output()
    })
    .await
    .expect("the node process is waited for")
    .expect("node starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser run failed:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        stdout.matches("ok - ").count(),
        9,
        "every step ran:\n{stdout}"
    );
    assert!(
        f.scaffold
            .path()
            .join("e2e-shop/catalog-info.yaml")
            .exists()
    );
}
