//! Rules for applications beyond their schema: names, references between containers and resources.

use serde_json::Value;
use std::collections::BTreeSet;

use super::placeholders;
use crate::kinds::KindRegistry;
use crate::load::PathSegment;
use crate::model::names::check_dns1123_label;
use crate::schema::FieldIssue;

/// Checks container names, environment names, placeholders and the requested resources.
pub(crate) fn check_application(
    object: &Value,
    registry: &KindRegistry,
    issues: &mut Vec<FieldIssue>,
) {
    let spec = &object["spec"];
    let resources = spec.get("resources").and_then(Value::as_object);
    if let Some(resources) = resources {
        for (name, request) in resources {
            let base = vec![
                PathSegment::key("spec"),
                PathSegment::key("resources"),
                PathSegment::key(name),
            ];
            if let Err(message) = check_dns1123_label(name) {
                issues.push(FieldIssue {
                    path: base.clone(),
                    at_key: true,
                    message: format!("resource name: {message}"),
                });
            }
            let Some(kind) = request.get("kind").and_then(Value::as_str) else {
                continue;
            };
            let mut kind_path = base.clone();
            kind_path.push(PathSegment::key("kind"));
            let def = match registry.find_kind(kind) {
                Ok(def) if def.claim => def,
                Ok(_) => {
                    issues.push(FieldIssue::at(
                        kind_path,
                        format!("expected a claim kind, found {kind:?}, which cannot be requested by an application"),
                    ));
                    continue;
                }
                Err(err) => {
                    issues.push(FieldIssue::at(kind_path, err.to_string()));
                    continue;
                }
            };
            let empty = Value::Object(Default::default());
            let nested = request.get("spec").unwrap_or(&empty);
            let mut spec_path = base;
            spec_path.push(PathSegment::key("spec"));
            for mut issue in def.schema().spec_issues(nested) {
                let mut path = spec_path.clone();
                path.append(&mut issue.path);
                issue.path = path;
                issues.push(issue);
            }
        }
    }
    let Some(containers) = spec.get("containers").and_then(Value::as_array) else {
        return;
    };
    let mut seen = BTreeSet::new();
    for (i, container) in containers.iter().enumerate() {
        let base = vec![
            PathSegment::key("spec"),
            PathSegment::key("containers"),
            PathSegment::Index(i),
        ];
        if let Some(name) = container.get("name").and_then(Value::as_str) {
            let mut path = base.clone();
            path.push(PathSegment::key("name"));
            if let Err(message) = check_dns1123_label(name) {
                issues.push(FieldIssue::at(path.clone(), message));
            }
            if !seen.insert(name) {
                issues.push(FieldIssue::at(
                    path,
                    format!("expected unique container names, found {name:?} twice"),
                ));
            }
        }
        let Some(env) = container.get("env").and_then(Value::as_object) else {
            continue;
        };
        for (var, value) in env {
            let mut path = base.clone();
            path.push(PathSegment::key("env"));
            path.push(PathSegment::key(var));
            if !is_env_name(var) {
                issues.push(FieldIssue {
                    path: path.clone(),
                    at_key: true,
                    message: format!(
                        "expected an environment variable name (letters, digits and '_', not starting with a digit), found {var:?}"
                    ),
                });
            }
            let Some(text) = value.as_str() else { continue };
            match placeholders(text) {
                Ok(found) => {
                    for placeholder in found {
                        if !resources.is_some_and(|r| r.contains_key(&placeholder.resource)) {
                            let known = resources
                                .map(|r| r.keys().cloned().collect::<Vec<_>>().join(", "))
                                .unwrap_or_default();
                            issues.push(FieldIssue::at(
                                path.clone(),
                                format!(
                                    "placeholder refers to resource {:?}, which is not in spec.resources (found: {})",
                                    placeholder.resource,
                                    if known.is_empty() { "none".to_owned() } else { known }
                                ),
                            ));
                        }
                    }
                }
                Err(message) => issues.push(FieldIssue::at(path, message)),
            }
        }
    }
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
