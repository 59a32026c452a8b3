//! The check every request passes before its handler: the query string's length, the CSRF
//! cookie, who is signed in, and whether read-only pages are open to this visitor.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::cookies;
use super::csrf::CsrfToken;
use super::token::{random_token, token_matches};
use crate::state::PortalState;

/// Who is asking: signed in (a session from a login, or `Authorization: Bearer TOKEN`), or
/// not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// Whether the request proved it holds the token.
    pub signed_in: bool,
}

/// Whether the request carries an open session or the token as a bearer.
pub fn signed_in(state: &PortalState, headers: &HeaderMap) -> bool {
    let Some(token) = &state.settings.token else {
        return false;
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer.is_some_and(|given| token_matches(token, given.trim())) {
        return true;
    }
    cookies::get(headers, cookies::SESSION).is_some_and(|id| state.sessions.is_open(&id))
}

/// A CSRF cookie value the portal could have set: 43 URL-safe base64 characters.
fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The middleware: refuses over-long query strings (414) and, unless reads are public,
/// visitors who are not signed in (a 401 for the API, the metrics and pictures; a redirect
/// to the login page otherwise); gives every visitor a CSRF cookie.
pub async fn guard(State(state): State<PortalState>, mut request: Request, next: Next) -> Response {
    let settings = &state.settings;
    if request
        .uri()
        .query()
        .is_some_and(|q| q.len() > settings.max_query_bytes)
    {
        return (
            StatusCode::URI_TOO_LONG,
            format!(
                "the query string is longer than {} bytes",
                settings.max_query_bytes
            ),
        )
            .into_response();
    }
    let headers = request.headers();
    let (csrf, fresh) = match cookies::get(headers, cookies::CSRF) {
        Some(c) if well_formed(&c) => (c, false),
        _ => (random_token(), true),
    };
    let viewer = Viewer {
        signed_in: signed_in(&state, headers),
    };
    let path = request.uri().path().to_owned();
    let open = path == "/login" || path == "/favicon.ico" || path.starts_with("/static/");
    if !settings.public_read && !viewer.signed_in && !open {
        let machine = path.starts_with("/api/") || path == "/metrics" || path.ends_with(".svg");
        let mut response = if machine {
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "sign in: send Authorization: Bearer with the portal token",
            )
                .into_response()
        } else {
            Redirect::to(&format!("{}/login", settings.mount_path)).into_response()
        };
        set_csrf_cookie(&mut response, fresh, &csrf, &settings.mount_path);
        return response;
    }
    request.extensions_mut().insert(CsrfToken(csrf.clone()));
    request.extensions_mut().insert(viewer);
    let mut response = next.run(request).await;
    set_csrf_cookie(&mut response, fresh, &csrf, &settings.mount_path);
    response
}

fn set_csrf_cookie(response: &mut Response, fresh: bool, csrf: &str, path: &str) {
    if !fresh {
        return;
    }
    if let Ok(value) = HeaderValue::from_str(&cookies::set(cookies::CSRF, csrf, path)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}
