//! The portal token, compared in constant time, and the sessions a login with it opens.

use std::collections::HashSet;
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// The most sessions kept at once; past it the oldest logins must log in again.
const MAX_SESSIONS: usize = 10_000;

/// Whether `given` is the token, compared in constant time (the length may leak; the
/// contents do not).
pub fn token_matches(token: &SecretString, given: &str) -> bool {
    let expected = token.expose_secret().as_bytes();
    !expected.is_empty() && bool::from(expected.ct_eq(given.as_bytes()))
}

/// 32 random bytes, URL-safe base64: session ids and CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The operating system's generator; failing it would make every token guessable.
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Sessions opened by a login with the token; each id is random and kept only here.
#[derive(Default)]
pub struct Sessions {
    open: Mutex<(HashSet<String>, Vec<String>)>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").finish_non_exhaustive()
    }
}

impl Sessions {
    /// Opens a session and returns its id.
    pub fn open(&self) -> String {
        let id = random_token();
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let (set, order) = &mut *open;
        if order.len() >= MAX_SESSIONS {
            let oldest = order.remove(0);
            set.remove(&oldest);
        }
        set.insert(id.clone());
        order.push(id.clone());
        id
    }

    /// Whether `id` is an open session.
    pub fn is_open(&self, id: &str) -> bool {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.0.contains(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_token_matches_and_an_empty_token_never_does() {
        let token = SecretString::from("s3cret-token");
        assert!(token_matches(&token, "s3cret-token"));
        assert!(!token_matches(&token, "s3cret-toke"));
        assert!(!token_matches(&token, "s3cret-token "));
        assert!(!token_matches(&token, ""));
        assert!(!token_matches(&SecretString::from(""), ""));
    }

    #[test]
    fn sessions_are_random_and_only_opened_ones_are_open() {
        let sessions = Sessions::default();
        let a = sessions.open();
        let b = sessions.open();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(sessions.is_open(&a) && sessions.is_open(&b));
        assert!(!sessions.is_open("made-up"));
        assert!(
            !format!("{sessions:?}").contains(&a),
            "Debug shows no session id"
        );
    }
}
