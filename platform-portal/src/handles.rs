//! The SDK handles a portal reads and writes through.

use std::sync::Arc;

use platform_catalog::platform::CatalogStore;
use platform_template::TemplateFiles;

/// A golden path offered by the portal: a template's name and one version of its files.
#[derive(Debug, Clone)]
pub struct GoldenPath {
    /// The name shown and used in links (`service`).
    pub name: String,
    /// The template, read into memory.
    pub files: TemplateFiles,
    /// Its latest version, for the fleet view (`None` for an unversioned template).
    pub latest: Option<String>,
}

/// What the portal is built from.
#[derive(Debug, Clone)]
pub struct Handles {
    /// The state store with the catalog kept in step with its claims: claims, status,
    /// events, the journal and the catalog's entities.
    pub store: Arc<CatalogStore>,
    /// The golden paths offered under `/templates`.
    pub templates: Vec<GoldenPath>,
    /// Thresholds and toil minutes of the platform metrics.
    pub metrics: platform_metrics::platform::Settings,
}
