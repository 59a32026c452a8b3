//! Strict checks of every RabbitMQ name, pattern and routing key before anything is sent.

use platform_core::provider::ProviderError;

use crate::support::ident;

/// The longest routing key or permission pattern accepted (AMQP short strings hold 255 bytes).
pub(super) const SHORT_MAX: usize = 255;

/// A virtual host: `/` (the default) or a strict name (`team-a`).
pub(super) fn vhost(field: &str, value: &str) -> Result<(), ProviderError> {
    if value == "/" {
        return Ok(());
    }
    ident::name(field, value).map_err(|e| {
        ProviderError::permanent(format!("{} (or \"/\", the default vhost)", e.message))
    })
}

/// A queue or exchange the adapter declares: a strict name outside the server's reserved
/// `amq.` namespace.
pub(super) fn declared(field: &str, value: &str) -> Result<(), ProviderError> {
    ident::name(field, value)?;
    if value.starts_with("amq.") {
        return Err(ProviderError::permanent(format!(
            "invalid {field}: expected a name outside the reserved \"amq.\" prefix, found {value:?}"
        )));
    }
    Ok(())
}

/// A routing key: dot-separated words of letters, digits, `-` and `_`, where a whole word may
/// be the topic wildcard `*` or `#`; empty is allowed (fanout and default bindings).
pub(super) fn routing_key(field: &str, value: &str) -> Result<(), ProviderError> {
    if value.is_empty() {
        return Ok(());
    }
    let word_ok = |w: &str| {
        w == "*"
            || w == "#"
            || (!w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    };
    if value.len() <= SHORT_MAX && value.split('.').all(word_ok) {
        Ok(())
    } else {
        Err(invalid(
            field,
            "dot-separated words of letters, digits, '-' and '_' (a whole word may be '*' or '#'), at most 255 characters",
            value,
        ))
    }
}

/// A permission pattern (a regular expression the server matches against resource names):
/// printable ASCII without spaces, quotes, semicolons, backticks or control characters, at
/// most 255 characters; empty means no access.
pub(super) fn pattern(field: &str, value: &str) -> Result<(), ProviderError> {
    let ok = value.len() <= SHORT_MAX
        && value.bytes().all(|b| {
            b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b';' | b'`' | b'{' | b'}')
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            "a regular expression of printable ASCII without spaces, quotes, ';', '`', '{' or '}', at most 255 characters",
            value,
        ))
    }
}

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

/// The default permission pattern of user `name` (already checked): exactly the resources
/// named like the user, where a `-` of the name also matches a `.`, because the production
/// composition names the user `<namespace>-<claim>` and its queue `<namespace>.<claim>`.
/// Exact, not a prefix: user `team-a` (namespace `team`, claim `a`) must not reach the queue
/// `team-a.orders` of namespace `team-a`. The application publishes through an exchange named
/// like the user (`team-a-orders`) that it declares and binds to its queue; the default exchange
/// is not granted, as it routes to every queue of the vhost.
pub(super) fn own_resources(name: &str) -> String {
    let mut out = String::from("^");
    for c in name.chars() {
        match c {
            '-' | '.' => out.push_str("[-.]"),
            other => out.push(other),
        }
    }
    out.push('$');
    out
}

/// A vhost as it appears in an AMQP URI path (`/` is `%2f`).
pub(super) fn vhost_in_uri(vhost: &str) -> String {
    let mut out = String::new();
    for b in vhost.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}
