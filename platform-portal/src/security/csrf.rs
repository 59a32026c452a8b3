//! CSRF protection by a double-submitted token: a random cookie (HttpOnly, SameSite=Strict)
//! whose value each form also carries; a POST whose two values differ is refused.

use subtle::ConstantTimeEq;

/// The CSRF token of a request, put in its extensions by the guard for pages to embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(pub String);

/// Whether a form's token is the cookie's, compared in constant time.
pub fn matches(cookie: Option<&str>, form: &str) -> bool {
    match cookie {
        Some(cookie) if !cookie.is_empty() => bool::from(cookie.as_bytes().ct_eq(form.as_bytes())),
        _ => false,
    }
}
