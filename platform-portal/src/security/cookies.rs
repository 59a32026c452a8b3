//! The two cookies the portal sets: the session and the CSRF token.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

/// The session cookie, set by a login with the token.
pub const SESSION: &str = "portal_session";
/// The CSRF cookie, whose value every form sends back.
pub const CSRF: &str = "portal_csrf";

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, scoped to the portal's path.
pub fn set(name: &str, value: &str, path: &str) -> String {
    let path = if path.is_empty() { "/" } else { path };
    format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict")
}
