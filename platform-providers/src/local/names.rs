//! Strict patterns for every name that reaches a path or a SQL statement.

use platform_core::provider::ProviderError;

const MAX: usize = 200;

fn invalid(what: &str, expected: &str, found: &str) -> ProviderError {
    let shown: String = found.chars().take(80).collect();
    ProviderError::permanent(format!(
        "invalid {what}: expected {expected}, found {shown:?}"
    ))
}

fn segment_ok(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !segment.is_empty()
        && edge(bytes[0])
        && edge(bytes[bytes.len() - 1])
        && bytes.iter().all(|&b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'.'
        })
        && !segment.contains("..")
}

/// A relative path of lowercase segments (`team-a/orders-db.sqlite3`); no `..`, no absolute path.
pub(crate) fn relative_path(what: &str, value: &str) -> Result<(), ProviderError> {
    let expected = "a relative path of lowercase letters, digits, '-', '_' and '.' segments separated by '/', at most 200 characters";
    if value.is_empty() || value.len() > MAX || !value.split('/').all(segment_ok) {
        return Err(invalid(what, expected, value));
    }
    Ok(())
}

/// A queue or cache identifier: letters, digits, `-`, `_`, `.` and `:`, at most 200 characters.
pub(crate) fn identifier(what: &str, value: &str) -> Result<(), ProviderError> {
    let ok = !value.is_empty()
        && value.len() <= MAX
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            what,
            "letters, digits, '-', '_', '.' and ':' only, 1 to 200 characters",
            value,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_refused_before_anything_is_touched() {
        for bad in [
            "../etc/passwd",
            "/abs",
            "a//b",
            "a b",
            "x;rm -rf",
            "q'--",
            "a*",
            "",
            "Upper",
        ] {
            assert!(relative_path("file", bad).is_err(), "{bad}");
        }
        assert!(relative_path("file", &"a".repeat(201)).is_err());
        assert!(relative_path("file", "team-a/orders-db.sqlite3").is_ok());
        for bad in ["a b", "x;drop", "q'", "a*", "", "é"] {
            assert!(identifier("queue", bad).is_err(), "{bad}");
        }
        assert!(identifier("queue", "team-a.orders").is_ok());
        let err = identifier("queue", "x'; DROP TABLE queues; --").unwrap_err();
        assert!(
            err.message.starts_with("invalid queue: expected letters"),
            "{err}"
        );
    }
}
