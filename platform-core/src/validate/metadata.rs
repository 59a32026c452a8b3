//! Metadata rules: DNS-1123 names and namespaces, label and annotation keys, label values.

use serde_json::Value;

use crate::load::PathSegment;
use crate::model::names::{check_dns1123_label, check_label_value, check_qualified_key};
use crate::schema::FieldIssue;

/// Checks the metadata of an object (as JSON); type errors are left to the schema.
pub(crate) fn check(object: &Value, issues: &mut Vec<FieldIssue>) {
    let Some(meta) = object.get("metadata") else {
        return;
    };
    for field in ["name", "namespace"] {
        if let Some(Value::String(value)) = meta.get(field)
            && let Err(message) = check_dns1123_label(value)
        {
            issues.push(FieldIssue::at(
                vec![PathSegment::key("metadata"), PathSegment::key(field)],
                message,
            ));
        }
    }
    for (section, check_values) in [("labels", true), ("annotations", false)] {
        let Some(entries) = meta.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (k, v) in entries {
            let path = vec![
                PathSegment::key("metadata"),
                PathSegment::key(section),
                PathSegment::key(k),
            ];
            if let Err(message) = check_qualified_key(k) {
                issues.push(FieldIssue {
                    path: path.clone(),
                    at_key: true,
                    message: format!("invalid key: {message}"),
                });
            }
            match v {
                Value::String(s) if check_values => {
                    if let Err(message) = check_label_value(s) {
                        issues.push(FieldIssue::at(path, message));
                    }
                }
                Value::String(_) => {}
                other => issues.push(FieldIssue::at(
                    path,
                    format!("expected a string, found {other}; quote numbers and booleans"),
                )),
            }
        }
    }
}
