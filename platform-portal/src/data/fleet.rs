//! The fleet view: components made from a golden path, with the template version each was
//! rendered from and whether a newer one exists.

use serde::Serialize;

use platform_catalog::platform::scaffolded::{SOURCE_TEMPLATE, TEMPLATE_VERSION};

use super::catalog::CatalogView;
use crate::handles::GoldenPath;

/// One component made from a template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetRow {
    /// The component's reference.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Its kind, lower case (for links).
    pub kind: String,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// The template's name.
    pub template: String,
    /// The version it was rendered from (empty when unversioned).
    pub version: String,
    /// The template's latest version, when the portal offers the template.
    pub latest: String,
    /// Whether a newer version than its own exists.
    pub behind: bool,
}

/// Every entity annotated with its source template, in reference order.
pub fn fleet(view: &CatalogView, templates: &[GoldenPath]) -> Vec<FleetRow> {
    let mut rows: Vec<FleetRow> = view
        .catalog
        .entities()
        .filter_map(|e| {
            let source = e.metadata.annotations.get(SOURCE_TEMPLATE)?;
            let template = source.rsplit('/').next().unwrap_or(source).to_owned();
            let version = e
                .metadata
                .annotations
                .get(TEMPLATE_VERSION)
                .cloned()
                .unwrap_or_default();
            let latest = templates
                .iter()
                .find(|t| t.name == template)
                .and_then(|t| t.latest.clone())
                .unwrap_or_default();
            let behind = !latest.is_empty() && latest != version;
            let r = e.entity_ref();
            Some(FleetRow {
                reference: r.to_string(),
                kind: r.kind,
                namespace: r.namespace,
                name: r.name,
                template,
                version,
                latest,
                behind,
            })
        })
        .collect();
    rows.sort_by(|a, b| a.reference.cmp(&b.reference));
    rows
}
