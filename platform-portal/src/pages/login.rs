//! `/login`: the token, once, for a session (an HttpOnly, SameSite=Strict cookie).

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Chrome, render, writes_refused};
use crate::error::PortalError;
use crate::security::cookies;
use crate::security::csrf;
use crate::security::token::token_matches;
use crate::state::PortalState;

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

/// The login form.
pub async fn form(
    State(state): State<PortalState>,
    chrome: Chrome,
) -> Result<Response, PortalError> {
    let error = writes_refused(&state);
    Ok(render(
        &state,
        &chrome,
        "login.html",
        "Sign in",
        minijinja::context! { error => error },
    )?
    .into_response())
}

/// Checks the token and opens a session; 403 with the form again otherwise.
pub async fn submit(
    State(state): State<PortalState>,
    chrome: Chrome,
    headers: HeaderMap,
    Form(login): Form<LoginForm>,
) -> Result<Response, PortalError> {
    let cookie = cookies::get(&headers, cookies::CSRF);
    let error = if !csrf::matches(cookie.as_deref(), &login.csrf) {
        Some("the form's CSRF token does not match this browser's: reload the page".to_owned())
    } else {
        match &state.settings.token {
            None => writes_refused(&state),
            Some(token) if token_matches(token, &login.token) => None,
            Some(_) => Some("wrong token".to_owned()),
        }
    };
    if let Some(error) = error {
        let page = render(
            &state,
            &chrome,
            "login.html",
            "Sign in",
            minijinja::context! { error => error },
        )?;
        return Ok((StatusCode::FORBIDDEN, page).into_response());
    }
    let session = state.sessions.open();
    let base = &state.settings.mount_path;
    let mut response = Redirect::to(&format!("{base}/")).into_response();
    if let Ok(value) = cookies::set(cookies::SESSION, &session, base).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}
