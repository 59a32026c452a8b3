//! Backstage's entity policies, in order: no foreign root fields, field formats, then the
//! envelope schema (the namespace default is applied when the entity is built).

use platform_core::load::{Node, NodeValue};

use super::{Check, child, found, item, path};
use crate::validate::format;

/// The root fields an entity may have.
const ROOT_FIELDS: [&str; 4] = ["apiVersion", "kind", "metadata", "spec"];

/// Checks the envelope; returns whether it passed (the kind's rules run only then).
pub(super) fn check(root: &Node, check: &mut Check<'_>) -> bool {
    let before = check.count();
    let NodeValue::Map(entries) = &root.value else {
        check.error(
            &[],
            format!(
                "expected an entity (a mapping with apiVersion, kind, metadata and spec), found {}",
                root.type_name()
            ),
        );
        return false;
    };
    for (key, _) in entries {
        if !ROOT_FIELDS.contains(&key.name.as_str()) {
            check.key_error(
                &[],
                &key.name,
                format!(
                    "unknown root field {:?}; expected only apiVersion, kind, metadata and spec",
                    key.name
                ),
            );
        }
    }
    formats(root, check);
    schema(root, check);
    check.count() == before
}

/// `FieldFormatEntityPolicy`: the formats of apiVersion, kind, name, namespace, labels,
/// annotations, tags and links.
fn formats(root: &Node, check: &mut Check<'_>) {
    required(
        root,
        check,
        &["apiVersion"],
        format::is_api_version,
        "expected [group/]version such as backstage.io/v1alpha1 (a DNS subdomain, then letters and digits)",
    );
    required(
        root,
        check,
        &["kind"],
        format::is_kind,
        "expected a kind: a letter, then letters and digits, at most 63 characters",
    );
    let Some(metadata) = root.get("metadata") else {
        check.error(
            &path(&["metadata"]),
            "expected a value: metadata is required",
        );
        return;
    };
    if !matches!(metadata.value, NodeValue::Map(_)) {
        check.error(
            &path(&["metadata"]),
            format!("expected a mapping, found {}", metadata.type_name()),
        );
        return;
    }
    required(
        root,
        check,
        &["metadata", "name"],
        format::is_entity_name,
        "expected 1-63 characters [A-Za-z0-9] separated by any of -_.",
    );
    if metadata.get("namespace").is_some() {
        required(
            root,
            check,
            &["metadata", "namespace"],
            format::is_dns_label,
            "expected a DNS label: 1-63 characters [a-z0-9] separated by -",
        );
    }
    for (field, is_value, value_rule) in [
        (
            "labels",
            format::is_label_value as fn(&str) -> bool,
            "expected a label value: empty, or 1-63 characters [A-Za-z0-9] separated by any of -_.",
        ),
        (
            "annotations",
            (|_: &str| true) as fn(&str) -> bool,
            "expected a string",
        ),
    ] {
        let parent = path(&["metadata", field]);
        if let Some(Node {
            value: NodeValue::Map(entries),
            ..
        }) = metadata.get(field)
        {
            for (key, value) in entries {
                if !format::is_prefixed_key(&key.name) {
                    check.key_error(&parent, &key.name, format!(
                        "expected a key [prefix/]name, the prefix a DNS subdomain and the name 1-63 characters [A-Za-z0-9] separated by any of -_., found {:?}", key.name));
                }
                let ok = value.as_str().is_some_and(is_value);
                if !ok {
                    check.error(
                        &child(&parent, &key.name),
                        format!("{value_rule}, found {}", found(value)),
                    );
                }
            }
        }
    }
    if let Some(Node {
        value: NodeValue::Seq(tags),
        ..
    }) = metadata.get("tags")
    {
        for (i, tag) in tags.iter().enumerate() {
            if !tag.as_str().is_some_and(format::is_tag) {
                check.error(&item(&path(&["metadata", "tags"]), i), format!(
                    "expected a tag: runs of [a-z0-9:+#] separated by single -, at most 63 characters, found {}", found(tag)));
            }
        }
    }
    if let Some(Node {
        value: NodeValue::Seq(links),
        ..
    }) = metadata.get("links")
    {
        for (i, link) in links.iter().enumerate() {
            let at = item(&path(&["metadata", "links"]), i);
            match link.get("url") {
                Some(url) if url.as_str().is_some_and(format::is_url) => {}
                Some(url) => check.error(
                    &child(&at, "url"),
                    format!("expected an absolute URL, found {}", found(url)),
                ),
                None => check.error(&at, "expected a value: url is required"),
            }
            for field in ["title", "icon"] {
                if let Some(value) = link.get(field)
                    && !value.as_str().is_some_and(format::is_non_empty)
                {
                    check.error(
                        &child(&at, field),
                        format!("expected a non-empty string, found {}", found(value)),
                    );
                }
            }
        }
    }
}

fn required(
    root: &Node,
    check: &mut Check<'_>,
    keys: &[&str],
    rule: fn(&str) -> bool,
    expected: &str,
) {
    let at = path(keys);
    let present = keys.last().and_then(|k| {
        let parent = root.locate(&at[..at.len() - 1]);
        parent.get(k)
    });
    match present {
        None => check.error(
            &at,
            format!("expected a value: {} is required", keys.join(".")),
        ),
        Some(n) if n.value == NodeValue::Null => check.error(
            &at,
            format!("expected a value: {} is required", keys.join(".")),
        ),
        Some(n) if n.as_str().is_some_and(rule) => {}
        Some(n) => check.error(&at, format!("{expected}, found {}", found(n))),
    }
}

/// The envelope schema: the types of the metadata fields, `spec` a mapping.
fn schema(root: &Node, check: &mut Check<'_>) {
    if let Some(spec) = root.get("spec")
        && !matches!(spec.value, NodeValue::Map(_))
    {
        check.error(
            &path(&["spec"]),
            format!("expected a mapping, found {}", spec.type_name()),
        );
    }
    let Some(metadata) = root.get("metadata") else {
        return;
    };
    for field in ["uid", "etag", "title"] {
        if let Some(value) = metadata.get(field)
            && value.as_str().is_none_or(str::is_empty)
        {
            check.error(
                &path(&["metadata", field]),
                format!("expected a non-empty string, found {}", found(value)),
            );
        }
    }
    if let Some(value) = metadata.get("description")
        && value.as_str().is_none()
    {
        check.error(
            &path(&["metadata", "description"]),
            format!("expected a string, found {}", found(value)),
        );
    }
    for field in ["labels", "annotations"] {
        if let Some(value) = metadata.get(field)
            && !matches!(value.value, NodeValue::Map(_))
        {
            check.error(
                &path(&["metadata", field]),
                format!("expected a mapping of strings, found {}", value.type_name()),
            );
        }
    }
    for field in ["tags", "links"] {
        if let Some(value) = metadata.get(field)
            && !matches!(value.value, NodeValue::Seq(_))
        {
            check.error(
                &path(&["metadata", field]),
                format!("expected a sequence, found {}", value.type_name()),
            );
        }
    }
    if let Some(Node {
        value: NodeValue::Seq(links),
        ..
    }) = metadata.get("links")
    {
        for (i, link) in links.iter().enumerate() {
            if !matches!(link.value, NodeValue::Map(_)) {
                check.error(
                    &item(&path(&["metadata", "links"]), i),
                    format!("expected a mapping with url, found {}", link.type_name()),
                );
            } else if let Some(value) = link.get("type")
                && value.as_str().is_none_or(str::is_empty)
            {
                check.error(
                    &child(&item(&path(&["metadata", "links"]), i), "type"),
                    format!("expected a non-empty string, found {}", found(value)),
                );
            }
        }
    }
}
