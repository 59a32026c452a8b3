//! What can go wrong serving a page, and the response each gives.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use platform_core::store::StoreError;

/// An error of a portal request; its message never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// Nothing at this address.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request is malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The request lacks the token or the CSRF token.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The state store failed.
    #[error("state store: {0}")]
    Store(#[from] StoreError),
    /// A page could not be rendered.
    #[error("rendering the page: {0}")]
    Render(#[from] minijinja::Error),
    /// Drawing a picture failed.
    #[error("drawing: {0}")]
    Draw(String),
}

impl PortalError {
    /// The HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            PortalError::NotFound(_) => StatusCode::NOT_FOUND,
            PortalError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PortalError::Forbidden(_) => StatusCode::FORBIDDEN,
            PortalError::Store(_) | PortalError::Render(_) | PortalError::Draw(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "portal request failed");
        }
        let text = crate::draw::escape_html(&self.to_string());
        let page = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{status}</title></head><body><main><h1>{status}</h1><p role=\"alert\" class=\"error\">{text}</p></main></body></html>"
        );
        (status, Html(page)).into_response()
    }
}
