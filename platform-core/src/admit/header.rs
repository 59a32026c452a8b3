//! The header every guardrail document (Policy, PriceList, Budget) shares: its apiVersion and
//! `metadata.name`.

use crate::load::{Document, Field, FieldReader};

/// API version of the guardrail kinds; fixed, unlike the configurable group of claims.
pub const GUARDRAILS_API_VERSION: &str = "platform.dev/v1alpha1";

/// Checks `apiVersion` and reads `metadata.name` (a DNS-1123 label of at most `max_name` characters).
pub(crate) fn read_header(r: &mut FieldReader, doc: &Document, max_name: usize) -> Option<String> {
    let root = Field::root(&doc.root);
    if doc.top_str("apiVersion") != Some(GUARDRAILS_API_VERSION) {
        r.expected_value(
            &root.get("apiVersion"),
            &format!("{GUARDRAILS_API_VERSION:?}"),
        );
    }
    let metadata = r.required(root.get("metadata"), "a mapping with a name")?;
    r.mapping(&metadata, &["name", "labels", "annotations"])?;
    let name_field = r.required(metadata.get("name"), "a name")?;
    let name = r.non_empty_string(&name_field)?;
    if let Err(message) = crate::model::names::check_dns1123_label(&name) {
        r.fail(&name_field, message);
        return None;
    }
    if name.len() > max_name {
        r.fail(
            &name_field,
            format!(
                "expected at most {max_name} characters (the name is part of an annotation key), found {}",
                name.len()
            ),
        );
        return None;
    }
    Some(name)
}
