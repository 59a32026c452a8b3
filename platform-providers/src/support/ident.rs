//! Strict patterns for every identifier that reaches SQL, an ACL rule or an API call.
//!
//! Names are checked before anything is sent, and rejected with what was expected and what
//! was found; adapters still quote what they send. A name that passes a check here holds no
//! quote, semicolon, space, wildcard or control character.

use platform_core::provider::ProviderError;

/// The longest identifier PostgreSQL keeps (longer ones are silently truncated by the server).
pub const SQL_MAX: usize = 63;

/// The longest name accepted by [`name`].
pub const NAME_MAX: usize = 200;

fn invalid(field: &str, expected: &str, found: &str) -> ProviderError {
    // A hostile value may be huge or hold control characters: show a bounded, escaped prefix.
    let shown: String = found.chars().take(80).collect();
    let more = if found.chars().count() > 80 {
        format!(" ({} characters)", found.chars().count())
    } else {
        String::new()
    };
    ProviderError::permanent(format!(
        "invalid {field}: expected {expected}, found {shown:?}{more}"
    ))
}

/// A SQL identifier: a lowercase letter or `_`, then lowercase letters, digits and `_`, at most
/// 63 characters (`orders_db`). `field` names the spec field, such as `spec.name`.
pub fn sql(field: &str, value: &str) -> Result<(), ProviderError> {
    let bytes = value.as_bytes();
    let ok = !bytes.is_empty()
        && bytes.len() <= SQL_MAX
        && (bytes[0].is_ascii_lowercase() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            "a lowercase letter or '_' followed by lowercase letters, digits and '_', at most 63 characters",
            value,
        ))
    }
}

/// A resource name for APIs and ACL rules: starts and ends with a lowercase letter or digit,
/// with lowercase letters, digits, `-`, `_`, `.` and `:` between, at most 200 characters
/// (`team-a:orders:`, `orders.events`). A trailing `:` is allowed, as key prefixes end in one.
pub fn name(field: &str, value: &str) -> Result<(), ProviderError> {
    let bytes = value.as_bytes();
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let ok = !bytes.is_empty()
        && bytes.len() <= NAME_MAX
        && edge(bytes[0])
        && (edge(bytes[bytes.len() - 1]) || bytes[bytes.len() - 1] == b':')
        && bytes.iter().all(|&b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.' | b':')
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            "lowercase letters, digits, '-', '_', '.' and ':', starting with a letter or digit, at most 200 characters",
            value,
        ))
    }
}

/// A name with the same characters as [`name`] but at most `max` characters, for servers with
/// tighter limits (S3 buckets: 63).
pub fn name_at_most(field: &str, value: &str, max: usize) -> Result<(), ProviderError> {
    name(field, value)?;
    if value.len() > max {
        return Err(invalid(field, &format!("at most {max} characters"), value));
    }
    Ok(())
}

/// One word of a fixed vocabulary (a privilege, a retention policy), compared exactly.
pub fn one_of<'a>(field: &str, value: &str, allowed: &[&'a str]) -> Result<&'a str, ProviderError> {
    allowed
        .iter()
        .find(|a| **a == value)
        .copied()
        .ok_or_else(|| invalid(field, &format!("one of {}", allowed.join(", ")), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &[&str] = &[
        "",
        "orders\"; DROP DATABASE postgres; --",
        "o'brien",
        "two words",
        "all*",
        "semi;colon",
        "back`tick",
        "new\nline",
        "Upper",
        "ünïcode",
        "-leading",
    ];

    #[test]
    fn hostile_sql_identifiers_are_rejected_with_what_was_expected() {
        for value in HOSTILE {
            let e = sql("spec.name", value).unwrap_err();
            assert!(
                e.message
                    .starts_with("invalid spec.name: expected a lowercase letter"),
                "{e}"
            );
        }
        let long = "a".repeat(64);
        assert!(sql("spec.name", &long).is_err());
        sql("spec.name", &"a".repeat(63)).unwrap();
        sql("spec.name", "team_a_orders_db").unwrap();
        sql("spec.name", "_private").unwrap();
    }

    #[test]
    fn hostile_names_are_rejected_and_long_ones_are_shown_shortened() {
        for value in HOSTILE {
            assert!(name("spec.name", value).is_err(), "{value:?} accepted");
        }
        let long = "a".repeat(5000);
        let e = name("spec.name", &long).unwrap_err();
        assert!(e.message.contains("(5000 characters)"), "{e}");
        assert!(e.message.len() < 400, "{e}");
        name("spec.keyPrefix", "team-a:orders:").unwrap();
        name("spec.name", "orders.events-v1").unwrap();
        assert!(name_at_most("spec.name", &"b".repeat(64), 63).is_err());
    }

    #[test]
    fn vocabulary_words_are_matched_exactly() {
        assert_eq!(
            one_of("spec.privileges[0]", "ALL", &["ALL", "SELECT"]).unwrap(),
            "ALL"
        );
        let e = one_of("spec.privileges[0]", "ALL; DROP", &["ALL", "SELECT"]).unwrap_err();
        assert!(e.message.contains("expected one of ALL, SELECT"), "{e}");
    }
}
