//! The platform's web portal: the catalog, the dependency map, claims and their status, the
//! golden paths and the metrics, as an [`axum::Router`] a service mounts under its own path.
//!
//! ```no_run
//! # async fn example(handles: platform_portal::Handles) {
//! use platform_portal::{PortalSettings, portal};
//!
//! let settings = PortalSettings { mount_path: "/portal".into(), ..PortalSettings::default() };
//! let app = axum::Router::new().nest("/portal", portal(handles, settings));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```
//!
//! Pages are HTML rendered on the server with every value escaped; the only script is
//! `static/portal.js`, loaded from the portal itself under a content security policy. Pages
//! that change something are POST only, need the token (`PLATFORM_PORTAL_TOKEN`) and a CSRF
//! token; read-only pages need the token too unless [`PortalSettings::public_read`].

mod assets;
pub mod data;
pub mod draw;
mod error;
mod handles;
mod pages;
pub mod security;
mod settings;
mod state;
mod views;

pub use error::PortalError;
pub use handles::{GoldenPath, Handles};
pub use settings::{PortalSettings, TOKEN_ENV};

use axum::Router;

/// The portal's router, built from the SDK's handles: nest it under `settings.mount_path`
/// (or serve it at the root, where `mount_path` is empty).
pub fn portal(handles: Handles, settings: PortalSettings) -> Router {
    let state = state::PortalState::new(handles, settings);
    pages::routes(state)
}
