//! The kinds' own rules (Backstage's kind validators): apiVersion and kind must name a known
//! kind, and its spec must have the kind's fields with the right types.

use platform_core::load::{Node, NodeValue, PathSegment};

use super::{Check, Options, child, found, item, path};
use crate::entity::{API_VERSIONS, TEMPLATE_API_VERSION};

/// The type a spec field must have.
#[derive(Clone, Copy)]
enum Field {
    /// A non-empty string.
    Text,
    /// A list of non-empty strings.
    TextList,
    /// A profile: displayName, email and picture, each a non-empty string.
    Profile,
    /// `required` or `optional`.
    Presence,
}

/// A kind's required spec fields and the types of the fields it knows.
struct Rules {
    required: &'static [&'static str],
    fields: &'static [(&'static str, Field)],
}

const OWNED: (&str, Field) = ("owner", Field::Text);

fn rules(kind: &str) -> Option<Rules> {
    use Field::*;
    Some(match kind {
        "Component" => Rules {
            required: &["type", "lifecycle", "owner"],
            fields: &[
                ("type", Text),
                ("lifecycle", Text),
                OWNED,
                ("system", Text),
                ("subcomponentOf", Text),
                ("providesApis", TextList),
                ("consumesApis", TextList),
                ("dependsOn", TextList),
            ],
        },
        "API" => Rules {
            required: &["type", "lifecycle", "owner", "definition"],
            fields: &[
                ("type", Text),
                ("lifecycle", Text),
                OWNED,
                ("system", Text),
                ("definition", Text),
            ],
        },
        "Resource" => Rules {
            required: &["type", "owner"],
            fields: &[
                ("type", Text),
                OWNED,
                ("dependsOn", TextList),
                ("system", Text),
            ],
        },
        "System" => Rules {
            required: &["owner"],
            fields: &[OWNED, ("domain", Text), ("type", Text)],
        },
        "Domain" => Rules {
            required: &["owner"],
            fields: &[OWNED, ("subdomainOf", Text), ("type", Text)],
        },
        "Group" => Rules {
            required: &["type", "children"],
            fields: &[
                ("type", Text),
                ("profile", Profile),
                ("parent", Text),
                ("children", TextList),
                ("members", TextList),
            ],
        },
        "User" => Rules {
            required: &["memberOf"],
            fields: &[("profile", Profile), ("memberOf", TextList)],
        },
        "Location" => Rules {
            required: &[],
            fields: &[
                ("type", Text),
                ("target", Text),
                ("targets", TextList),
                ("presence", Presence),
            ],
        },
        _ => return None,
    })
}

/// The built-in kinds, for messages.
const KINDS: &str = "Component, API, Resource, System, Domain, Group, User, Location (backstage.io/v1alpha1 or v1beta1) and Template (scaffolder.backstage.io/v1beta3)";

/// Checks the kind's rules (the envelope has passed).
pub(super) fn check(root: &Node, options: &Options, check: &mut Check<'_>) {
    let api_version = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
    if options
        .extra_kinds
        .iter()
        .any(|(a, k)| a == api_version && k == kind)
    {
        return;
    }
    if kind == "Template" && api_version == TEMPLATE_API_VERSION {
        template(root, check);
        return;
    }
    let known = API_VERSIONS.contains(&api_version);
    let Some(rules) = rules(kind).filter(|_| known) else {
        let field = if rules(kind).is_some() || kind == "Template" {
            "apiVersion"
        } else {
            "kind"
        };
        check.error(&path(&[field]), format!(
            "expected one of the kinds {KINDS}, found kind {kind:?} of apiVersion {api_version:?}"));
        return;
    };
    let Some(spec) = root.get("spec") else {
        check.error(
            &path(&["spec"]),
            format!("expected a value: spec is required for a {kind}"),
        );
        return;
    };
    let at = path(&["spec"]);
    for field in rules.required {
        if spec.get(field).is_none() {
            check.error(
                &at,
                format!("expected a value: spec.{field} is required for a {kind}"),
            );
        }
    }
    for (field, rule) in rules.fields {
        if let Some(value) = spec.get(field) {
            field_type(value, *rule, &child(&at, field), check);
        }
    }
}

fn field_type(value: &Node, rule: Field, at: &[PathSegment], check: &mut Check<'_>) {
    match rule {
        Field::Text => text(value, at, check),
        Field::TextList => match &value.value {
            NodeValue::Seq(items) => {
                for (i, node) in items.iter().enumerate() {
                    text(node, &item(at, i), check);
                }
            }
            _ => check.error(
                at,
                format!(
                    "expected a sequence of strings, found {}",
                    value.type_name()
                ),
            ),
        },
        Field::Profile => match &value.value {
            NodeValue::Map(_) => {
                for field in ["displayName", "email", "picture"] {
                    if let Some(node) = value.get(field) {
                        text(node, &child(at, field), check);
                    }
                }
            }
            _ => check.error(
                at,
                format!("expected a mapping, found {}", value.type_name()),
            ),
        },
        Field::Presence => {
            if !matches!(value.as_str(), Some("required" | "optional")) {
                check.error(
                    at,
                    format!("expected one of required, optional; found {}", found(value)),
                );
            }
        }
    }
}

fn text(value: &Node, at: &[PathSegment], check: &mut Check<'_>) {
    match value.as_str() {
        Some(s) if !s.is_empty() => {}
        Some(_) => check.error(at, "expected a non-empty string, found \"\""),
        None => check.error(
            at,
            format!("expected a string, found {}", value.type_name()),
        ),
    }
}

/// The scaffolder's Template v1beta3 rules.
fn template(root: &Node, check: &mut Check<'_>) {
    let Some(spec) = root.get("spec") else {
        check.error(
            &path(&["spec"]),
            "expected a value: spec is required for a Template",
        );
        return;
    };
    let at = path(&["spec"]);
    for field in ["type", "steps"] {
        if spec.get(field).is_none() {
            check.error(
                &at,
                format!("expected a value: spec.{field} is required for a Template"),
            );
        }
    }
    for field in ["type", "owner", "lifecycle"] {
        if let Some(value) = spec.get(field) {
            text(value, &child(&at, field), check);
        }
    }
    if let Some(parameters) = spec.get("parameters") {
        let p = child(&at, "parameters");
        match &parameters.value {
            NodeValue::Map(_) => {}
            NodeValue::Seq(pages) => {
                for (i, page) in pages.iter().enumerate() {
                    if !matches!(page.value, NodeValue::Map(_)) {
                        check.error(
                            &item(&p, i),
                            format!(
                                "expected a mapping (a form page), found {}",
                                page.type_name()
                            ),
                        );
                    } else if let Some(when) = page.get("when") {
                        string_or_bool(when, &child(&item(&p, i), "when"), check);
                    }
                }
            }
            _ => check.error(
                &p,
                format!(
                    "expected a mapping or a sequence of mappings, found {}",
                    parameters.type_name()
                ),
            ),
        }
    }
    if let Some(steps) = spec.get("steps") {
        let s = child(&at, "steps");
        match &steps.value {
            NodeValue::Seq(items) => {
                for (i, step) in items.iter().enumerate() {
                    let si = item(&s, i);
                    if !matches!(step.value, NodeValue::Map(_)) {
                        check.error(
                            &si,
                            format!("expected a mapping (a step), found {}", step.type_name()),
                        );
                        continue;
                    }
                    match step.get("action") {
                        None => check.error(&si, "expected a value: action is required in a step"),
                        Some(a) if a.as_str().is_none() => check.error(
                            &child(&si, "action"),
                            format!("expected a string, found {}", a.type_name()),
                        ),
                        Some(_) => {}
                    }
                    for field in ["id", "name"] {
                        if let Some(v) = step.get(field)
                            && v.as_str().is_none()
                        {
                            check.error(
                                &child(&si, field),
                                format!("expected a string, found {}", v.type_name()),
                            );
                        }
                    }
                    if let Some(v) = step.get("input")
                        && !matches!(v.value, NodeValue::Map(_))
                    {
                        check.error(
                            &child(&si, "input"),
                            format!("expected a mapping, found {}", v.type_name()),
                        );
                    }
                    if let Some(v) = step.get("if") {
                        string_or_bool(v, &child(&si, "if"), check);
                    }
                }
            }
            _ => check.error(
                &s,
                format!("expected a sequence of steps, found {}", steps.type_name()),
            ),
        }
    }
    if let Some(output) = spec.get("output") {
        let o = child(&at, "output");
        match &output.value {
            NodeValue::Map(entries) => {
                for (key, value) in entries {
                    let k = child(&o, &key.name);
                    match key.name.as_str() {
                        "links" | "text" => match &value.value {
                            NodeValue::Seq(items) => {
                                for (i, entry) in items.iter().enumerate() {
                                    if !matches!(entry.value, NodeValue::Map(_)) {
                                        check.error(
                                            &item(&k, i),
                                            format!(
                                                "expected a mapping, found {}",
                                                entry.type_name()
                                            ),
                                        );
                                    }
                                }
                            }
                            _ => check.error(
                                &k,
                                format!("expected a sequence, found {}", value.type_name()),
                            ),
                        },
                        _ => {
                            if value.as_str().is_none() {
                                check.error(
                                    &k,
                                    format!("expected a string, found {}", value.type_name()),
                                );
                            }
                        }
                    }
                }
            }
            _ => check.error(
                &o,
                format!("expected a mapping, found {}", output.type_name()),
            ),
        }
    }
}

fn string_or_bool(value: &Node, at: &[PathSegment], check: &mut Check<'_>) {
    if !matches!(value.value, NodeValue::String(_) | NodeValue::Bool(_)) {
        check.error(
            at,
            format!(
                "expected a string or a boolean, found {}",
                value.type_name()
            ),
        );
    }
}
