//! Name rules of the resource model: DNS-1123 labels, label keys and values.

/// Longest DNS-1123 label.
pub const DNS1123_LABEL_MAX: usize = 63;
/// Longest DNS-1123 subdomain (the prefix of a qualified key).
pub const DNS1123_SUBDOMAIN_MAX: usize = 253;

/// Checks a DNS-1123 label: lowercase alphanumerics and `-`, starting and ending alphanumeric, 1..=63.
pub fn check_dns1123_label(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(
            "expected a DNS-1123 label (lowercase letters, digits and '-'), found an empty string"
                .into(),
        );
    }
    if value.len() > DNS1123_LABEL_MAX {
        return Err(format!(
            "expected at most {DNS1123_LABEL_MAX} characters, found {} in {value:?}",
            value.len()
        ));
    }
    let bytes = value.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if let Some(bad) = value
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
    {
        return Err(format!(
            "expected a DNS-1123 label (lowercase letters, digits and '-'), found {bad:?} in {value:?}"
        ));
    }
    if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return Err(format!(
            "expected a DNS-1123 label starting and ending with a letter or digit, found {value:?}"
        ));
    }
    Ok(())
}

/// Checks a DNS-1123 subdomain: dot-separated labels, at most 253 characters.
pub fn check_dns1123_subdomain(value: &str) -> Result<(), String> {
    if value.len() > DNS1123_SUBDOMAIN_MAX {
        return Err(format!(
            "expected a DNS subdomain of at most {DNS1123_SUBDOMAIN_MAX} characters, found {}",
            value.len()
        ));
    }
    for label in value.split('.') {
        check_dns1123_label(label)
            .map_err(|_| format!("expected a DNS-1123 subdomain, found {value:?}"))?;
    }
    Ok(())
}

/// Checks the name part of a qualified name: alphanumerics, `-`, `_`, `.`, alphanumeric at both ends, 1..=63.
fn check_qualified_name_part(part: &str, whole: &str) -> Result<(), String> {
    if part.is_empty() || part.len() > 63 {
        return Err(format!(
            "expected a name of 1 to 63 characters (with an optional DNS subdomain prefix and '/'), found {whole:?}"
        ));
    }
    check_label_value_chars(part)
        .map_err(|_| format!("expected letters, digits, '-', '_' or '.', starting and ending with a letter or digit, found {whole:?}"))
}

fn check_label_value_chars(value: &str) -> Result<(), ()> {
    let bytes = value.as_bytes();
    let ok_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.';
    if !value.chars().all(ok_char) {
        return Err(());
    }
    if !bytes[0].is_ascii_alphanumeric() || !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
        return Err(());
    }
    Ok(())
}

/// Checks a label or annotation key: an optional DNS subdomain prefix and `/`, then a name of 1..=63.
pub fn check_qualified_key(key: &str) -> Result<(), String> {
    match key.split_once('/') {
        Some((prefix, name)) => {
            if prefix.is_empty() {
                return Err(format!(
                    "expected a DNS subdomain before '/', found {key:?}"
                ));
            }
            check_dns1123_subdomain(prefix).map_err(|e| format!("in key prefix: {e}"))?;
            check_qualified_name_part(name, key)
        }
        None => check_qualified_name_part(key, key),
    }
}

/// Checks a label value: empty, or at most 63 of letters, digits, `-`, `_`, `.`, alphanumeric at both ends.
pub fn check_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    if value.len() > 63 {
        return Err(format!(
            "expected a label value of at most 63 characters, found {}",
            value.len()
        ));
    }
    check_label_value_chars(value).map_err(|_| {
        format!("expected letters, digits, '-', '_' or '.', starting and ending with a letter or digit, found {value:?}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(check_dns1123_label("orders-db").is_ok());
        assert!(check_dns1123_label("a").is_ok());
        assert!(check_dns1123_label(&"a".repeat(63)).is_ok());
        assert!(
            check_dns1123_label(&"a".repeat(64))
                .unwrap_err()
                .contains("at most 63")
        );
        assert!(check_dns1123_label("Orders").unwrap_err().contains("'O'"));
        assert!(check_dns1123_label("-a").is_err());
        assert!(check_dns1123_label("a-").is_err());
        assert!(check_dns1123_label("a_b").is_err());
        assert!(check_dns1123_label("").is_err());
    }

    #[test]
    fn label_keys_and_values() {
        assert!(check_qualified_key("app").is_ok());
        assert!(check_qualified_key("platform.dev/owner").is_ok());
        assert!(check_qualified_key("app.kubernetes.io/name").is_ok());
        assert!(check_qualified_key("/x").is_err());
        assert!(check_qualified_key("Bad_Prefix/x").is_err());
        assert!(check_qualified_key("a/b/c").is_err());
        assert!(check_qualified_key(&"k".repeat(64)).is_err());
        assert!(check_label_value("").is_ok());
        assert!(check_label_value("team_a.v1").is_ok());
        assert!(check_label_value("has space").is_err());
        assert!(check_label_value("-x").is_err());
    }
}
