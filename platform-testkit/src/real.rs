//! The runner of real-service suites: they run when `PLATFORM_REAL_SERVICES=1`, and then a
//! service that cannot be reached is a failure; without it they are left out, and the run says
//! which and how to run them (test binaries with `harness = false`, so the notice is shown).
//!
//! A suite is a test target with `harness = false` whose `main` calls [`run`] with [`trial`]s.

use std::future::Future;

use libtest_mimic::{Arguments, Failed, Trial};

/// The environment variable that switches real-service suites on.
pub const SWITCH: &str = "PLATFORM_REAL_SERVICES";

/// Whether real-service suites should run.
pub fn enabled() -> bool {
    std::env::var(SWITCH).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// A setting for a test from the environment, or its default on the development machine.
pub fn setting(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// One async test: each runs on its own multi-threaded runtime; a panic fails it.
pub fn trial<F, Fut>(name: &str, test: F) -> Trial
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    Trial::test(name, move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Failed::from(format!("cannot start a runtime: {e}")))?;
        runtime.block_on(test());
        Ok(())
    })
}

/// Runs `trials` of the suite `suite`, which needs `needs` (how to get the service). Without
/// the switch every trial is reported ignored, after a notice naming the suite.
pub fn run(suite: &str, needs: &str, trials: Vec<Trial>) -> ! {
    let args = Arguments::from_args();
    let trials = if enabled() {
        trials
    } else {
        // On stderr: test listings (`--list`, as nextest reads them) take stdout line by line.
        eprintln!(
            "\nreal-service suite `{suite}` left out ({} tests): it needs {needs}; run it with {SWITCH}=1 (see README, \"Real services\")",
            trials.len()
        );
        trials
            .into_iter()
            .map(|t| t.with_ignored_flag(true))
            .collect()
    };
    libtest_mimic::run(&args, trials).exit()
}
