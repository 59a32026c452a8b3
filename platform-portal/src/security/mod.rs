//! What keeps the portal safe to expose: the token and sessions, CSRF tokens, the response
//! headers (content security policy), and the checks every request passes.

pub mod cookies;
pub mod csrf;
pub mod guard;
pub mod headers;
pub mod token;
