//! The routes: a file per page, the JSON API, and what pages share.

mod api;
mod catalog;
mod claims;
mod entity;
mod graph;
mod home;
mod login;
mod metrics;
mod templates;

use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::middleware::from_fn_with_state;
use axum::response::Html;
use axum::routing::get;
use axum::{Router, http::HeaderMap};
use minijinja::Value;
use tower_http::limit::RequestBodyLimitLayer;

use crate::error::PortalError;
use crate::security::cookies;
use crate::security::csrf::{self, CsrfToken};
use crate::security::guard::{Viewer, guard};
use crate::security::headers::with_headers;
use crate::security::token::token_matches;
use crate::settings::TOKEN_ENV;
use crate::state::PortalState;

/// Every route of the portal, behind the guard and the security headers.
pub fn routes(state: PortalState) -> Router {
    let body_limit = state.settings.max_body_bytes;
    let router = Router::new()
        .route("/", get(home::page))
        .route("/catalog", get(catalog::page))
        .route("/catalog/{kind}/{namespace}/{name}", get(entity::page))
        .route("/graph/all.svg", get(graph::estate))
        .route("/graph/{kind}/{namespace}/{file}", get(graph::around))
        .route("/claims", get(claims::list))
        .route("/claims/{kind}/{namespace}/{name}", get(claims::detail))
        .route("/templates", get(templates::list))
        .route(
            "/templates/{name}",
            get(templates::form).post(templates::create),
        )
        .route("/metrics-dashboard", get(metrics::dashboard))
        .route("/metrics-dashboard/deployments.svg", get(metrics::chart))
        .route("/metrics", get(metrics::prometheus))
        .route("/api/catalog", get(api::catalog))
        .route("/api/catalog/{kind}/{namespace}/{name}", get(api::entity))
        .route("/api/claims", get(api::claims))
        .route("/api/metrics", get(api::metrics))
        .route("/login", get(login::form).post(login::submit))
        .route("/static/portal.css", get(crate::assets::stylesheet))
        .route("/static/portal.js", get(crate::assets::script))
        .route("/favicon.ico", get(crate::assets::no_icon))
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), guard))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .with_state(state);
    with_headers(router)
}

async fn not_found() -> PortalError {
    PortalError::NotFound("no page at this address".into())
}

/// What every page's frame needs: the mount path, the CSRF token, whether the visitor is
/// signed in.
#[derive(Debug, Clone)]
pub struct Chrome {
    base: String,
    csrf: String,
    signed_in: bool,
}

impl FromRequestParts<PortalState> for Chrome {
    type Rejection = PortalError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<Self, Self::Rejection> {
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let signed_in = parts
            .extensions
            .get::<Viewer>()
            .is_some_and(|v| v.signed_in);
        Ok(Chrome {
            base: state.settings.mount_path.clone(),
            csrf,
            signed_in,
        })
    }
}

/// Renders page `view` with `context` and the frame's values.
fn render(
    state: &PortalState,
    chrome: &Chrome,
    view: &str,
    title: &str,
    context: Value,
) -> Result<Html<String>, PortalError> {
    let frame = minijinja::context! {
        // The mount path is the embedder's, not user input: links keep it as written.
        base => Value::from_safe_string(chrome.base.clone()),
        csrf => chrome.csrf.clone(),
        signed_in => chrome.signed_in,
        title => title,
    };
    let page = state
        .views
        .get_template(view)?
        .render(minijinja::context! { ..frame, ..context })?;
    Ok(Html(page))
}

/// Whether the portal accepts writes at all, and why not when it does not.
fn writes_refused(state: &PortalState) -> Option<String> {
    state
        .settings
        .token
        .is_none()
        .then(|| format!("the portal was started without {TOKEN_ENV}, so it accepts no changes"))
}

/// Checks a request that changes something: the portal has a token, the form's CSRF token
/// is the cookie's, and the visitor is signed in or the form carries the token.
fn authorize_write(
    state: &PortalState,
    headers: &HeaderMap,
    chrome: &Chrome,
    form_csrf: Option<&str>,
    form_token: Option<&str>,
) -> Result<(), PortalError> {
    if let Some(why) = writes_refused(state) {
        return Err(PortalError::Forbidden(why));
    }
    let cookie = cookies::get(headers, cookies::CSRF);
    if !csrf::matches(cookie.as_deref(), form_csrf.unwrap_or_default()) {
        return Err(PortalError::Forbidden(
            "the form's CSRF token is missing or does not match this browser's: reload the page and send the form again".into(),
        ));
    }
    let token_given = match (&state.settings.token, form_token) {
        (Some(token), Some(given)) => token_matches(token, given),
        _ => false,
    };
    if chrome.signed_in || token_given {
        Ok(())
    } else {
        Err(PortalError::Forbidden(format!(
            "the portal token is missing or wrong: give the value of {TOKEN_ENV}"
        )))
    }
}
