//! Passwords as Redis stores them: a SHA-256 digest, so the plain text is never sent.

use sha2::{Digest, Sha256};

/// The ACL rule that sets a password by its digest: `#<64 lowercase hex digits>`.
pub(super) fn digest_rule(password: &str) -> String {
    let digest = Sha256::digest(password.as_bytes());
    let mut out = String::with_capacity(65);
    out.push('#');
    for byte in digest {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    out
}
