//! Strict checks of stream, consumer and bucket names and of subjects, before anything is sent.

use platform_core::provider::ProviderError;

/// The longest stream, consumer or bucket name accepted.
pub(super) const NAME_MAX: usize = 128;
/// The longest subject accepted.
pub(super) const SUBJECT_MAX: usize = 255;

fn invalid(field: &str, expected: &str, found: &str) -> ProviderError {
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

/// A stream name as the production composition writes it (`TEAM_A_ORDERS`): an uppercase
/// letter or digit, then uppercase letters, digits, `_` and `-`, at most 128 characters.
pub(super) fn stream(field: &str, value: &str) -> Result<(), ProviderError> {
    let b = value.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= NAME_MAX
        && (b[0].is_ascii_uppercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_' || c == b'-');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            "an uppercase letter or digit, then uppercase letters, digits, '_' and '-', at most 128 characters",
            value,
        ))
    }
}

/// A consumer or key-value bucket name: a letter or digit, then letters, digits, `_` and
/// `-`, at most 128 characters.
pub(super) fn plain(field: &str, value: &str) -> Result<(), ProviderError> {
    let b = value.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= NAME_MAX
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            "a letter or digit, then letters, digits, '_' and '-', at most 128 characters",
            value,
        ))
    }
}

/// A subject: dot-separated tokens of letters, digits, `_` and `-`, where a whole token may be
/// the wildcard `*` and the last may be `>`, at most 255 characters (`team-a.orders.>`).
pub(super) fn subject(field: &str, value: &str) -> Result<(), ProviderError> {
    let tokens: Vec<&str> = value.split('.').collect();
    let last = tokens.len().saturating_sub(1);
    let ok = !value.is_empty()
        && value.len() <= SUBJECT_MAX
        && tokens.iter().enumerate().all(|(i, t)| {
            *t == "*"
                || (*t == ">" && i == last)
                || (!t.is_empty()
                    && t.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-'))
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            "dot-separated tokens of letters, digits, '_' and '-' (a whole token may be '*', the last may be '>'), at most 255 characters",
            value,
        ))
    }
}
