//! Ctrl-C for commands that change things: the first lets the work in flight finish, the
//! second stops the process at once, and each says so.
//!
//! A create that is cut short is not lost: the engine records a create intent before it asks
//! an adapter to create, and the next `apply` (or `run`, `delete`, `drift --fix`) recovers
//! every recorded intent by finding the resource under its deterministic name. Stopping at
//! the second Ctrl-C is therefore safe, and the message says what the next run resumes.

/// The exit code after an interrupt: 128 + SIGINT, as shells report it.
const INTERRUPTED: i32 = 130;

/// Starts watching for Ctrl-C on the current runtime. `resume` names the command that resumes
/// the work, for the second message (such as `platformctl apply`).
///
/// Other listeners still see each Ctrl-C (tokio delivers a signal to all of them): the
/// controller loop of `run` stops at the first one while this prints why it is finishing.
pub fn install(resume: &'static str) {
    let mut interrupts = match Interrupts::listen() {
        Ok(interrupts) => interrupts,
        // Without a handler Ctrl-C keeps its default: the process ends, as before.
        Err(_) => return,
    };
    tokio::spawn(async move {
        let mut count = 0;
        while interrupts.next().await {
            count += 1;
            if count == 1 {
                eprintln!(
                    "\ninterrupted: finishing the work in flight so no resource is left \
                     half-made; press Ctrl-C again to stop now"
                );
            } else {
                eprintln!(
                    "\nstopping now: the work in flight is abandoned. Nothing is lost: run \
                     `{resume}` again to resume it; creates that had started are recovered from \
                     their recorded create intents (found under their names, not made twice)"
                );
                std::process::exit(INTERRUPTED);
            }
        }
    });
}

/// The stream of SIGINTs (Ctrl-C).
struct Interrupts {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupts {
    fn listen() -> std::io::Result<Interrupts> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Interrupts {
                signal: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Interrupts {})
        }
    }

    /// Waits for the next Ctrl-C; false when no more can come.
    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        {
            self.signal.recv().await.is_some()
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.is_ok()
        }
    }
}
