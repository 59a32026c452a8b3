//! How a portal is run: its token, who may read, where it is mounted, its limits.

use std::path::PathBuf;

use secrecy::SecretString;

/// The environment variable holding the token that pages which change something need.
pub const TOKEN_ENV: &str = "PLATFORM_PORTAL_TOKEN";

/// Settings of one portal.
#[derive(Debug, Clone)]
pub struct PortalSettings {
    /// The token writes need (and reads, unless `public_read`); with none, every write is
    /// refused and only public reads are served.
    pub token: Option<SecretString>,
    /// Whether read-only pages are open to anyone who reaches the portal.
    pub public_read: bool,
    /// The path the router is nested under (`/portal`), empty at the root; links use it.
    pub mount_path: String,
    /// Where "Create" scaffolds new repositories; `None` turns scaffolding off.
    pub scaffold_root: Option<PathBuf>,
    /// The environment whose deployments the DORA metrics count.
    pub deploy_environment: String,
    /// The largest request body read, in bytes.
    pub max_body_bytes: usize,
    /// The longest query string accepted, in bytes.
    pub max_query_bytes: usize,
}

impl Default for PortalSettings {
    fn default() -> Self {
        PortalSettings {
            token: None,
            public_read: false,
            mount_path: String::new(),
            scaffold_root: None,
            deploy_environment: "production".into(),
            max_body_bytes: 64 * 1024,
            max_query_bytes: 2048,
        }
    }
}
