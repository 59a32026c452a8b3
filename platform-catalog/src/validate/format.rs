//! Field formats of Backstage's `FieldFormatEntityPolicy`: names, namespaces, kinds,
//! apiVersions, label and annotation keys, tags and link URLs.

use regex::Regex;
use std::sync::LazyLock;

static ENTITY_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$").expect("valid regex")
});
static DNS_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]+(?:-+[a-z0-9]+)*$").expect("valid regex"));
static KIND: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-z0-9A-Z]*$").expect("valid regex"));
static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9A-Z]+$").expect("valid regex"));
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$").expect("valid regex"));
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$").expect("valid regex"));

/// 1–63 characters `[A-Za-z0-9]`, with `-`, `_` and `.` inside.
pub fn is_entity_name(value: &str) -> bool {
    (1..=63).contains(&value.len()) && ENTITY_NAME.is_match(value)
}

/// A DNS label: 1–63 characters `[a-z0-9]` separated by `-`.
pub fn is_dns_label(value: &str) -> bool {
    (1..=63).contains(&value.len()) && DNS_LABEL.is_match(value)
}

/// A DNS subdomain: dot-separated DNS labels, at most 253 characters.
pub fn is_dns_subdomain(value: &str) -> bool {
    (1..=253).contains(&value.len()) && value.split('.').all(is_dns_label)
}

/// A kind: a letter then letters and digits, at most 63 characters.
pub fn is_kind(value: &str) -> bool {
    (1..=63).contains(&value.len()) && KIND.is_match(value)
}

/// `[group/]version`: a DNS subdomain, then letters and digits.
pub fn is_api_version(value: &str) -> bool {
    prefixed(value, |v| {
        (1..=63).contains(&v.len()) && VERSION.is_match(v)
    })
}

/// A label or annotation key: `[prefix/]name`, the prefix a DNS subdomain.
pub fn is_prefixed_key(value: &str) -> bool {
    prefixed(value, is_entity_name)
}

/// A label value: empty or an entity name.
pub fn is_label_value(value: &str) -> bool {
    value.is_empty() || is_entity_name(value)
}

/// A tag: `[a-z0-9:+#]` runs separated by single `-`, at most 63 characters.
pub fn is_tag(value: &str) -> bool {
    (1..=63).contains(&value.len()) && TAG.is_match(value)
}

/// An absolute URL (a scheme, then no whitespace).
pub fn is_url(value: &str) -> bool {
    URL.is_match(value)
}

/// Not empty once surrounding whitespace is removed.
pub fn is_non_empty(value: &str) -> bool {
    !value.trim().is_empty()
}

fn prefixed(value: &str, suffix: impl Fn(&str) -> bool) -> bool {
    let mut parts = value.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), None, None) => suffix(name),
        (Some(prefix), Some(name), None) => is_dns_subdomain(prefix) && suffix(name),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_accept_and_refuse_what_backstage_does() {
        assert!(is_entity_name("a.b_c-d"));
        assert!(!is_entity_name("invalid component"));
        assert!(!is_entity_name("-a"));
        assert!(!is_entity_name(&"a".repeat(64)));
        assert!(is_dns_label("team--a"));
        assert!(!is_dns_label("Team"));
        assert!(is_api_version("backstage.io/v1alpha1"));
        assert!(!is_api_version("backstage.io/v1/x"));
        assert!(is_prefixed_key("backstage.io/techdocs-ref"));
        assert!(!is_prefixed_key("Backstage.io/x"));
        assert!(is_tag("c++"));
        assert!(is_tag("a:b"));
        assert!(!is_tag("Java"));
        assert!(!is_tag("a--b"));
        assert!(is_url("https://example.com/x"));
        assert!(!is_url("example.com"));
    }
}
