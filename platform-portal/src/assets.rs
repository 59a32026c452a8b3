//! The stylesheet and the one script, served by the portal itself (the content security
//! policy allows nothing else).

use axum::http::header;
use axum::response::IntoResponse;

/// `static/portal.css`.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("assets/portal.css"),
    )
}

/// `static/portal.js`.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("assets/portal.js"),
    )
}

/// `favicon.ico`: none, said without an error (browsers ask for it on every visit).
pub async fn no_icon() -> axum::http::StatusCode {
    axum::http::StatusCode::NO_CONTENT
}
