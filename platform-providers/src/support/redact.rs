//! Removing credentials from server messages before they become errors or conditions.

/// `message` with every given secret replaced by `***`, and the password of any URL in it
/// (`scheme://user:password@host`) replaced too. Secrets shorter than 4 characters are kept,
/// as replacing them would mangle ordinary words.
pub fn redact(message: &str, secrets: &[&str]) -> String {
    let mut out = message.to_owned();
    for secret in secrets {
        if secret.len() >= 4 {
            out = out.replace(secret, "***");
        }
    }
    redact_url_passwords(&out)
}

/// Every `scheme://user:password@` in `text` with the password replaced by `***`.
pub fn redact_url_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        // The authority ends at the first '/', whitespace or quote; credentials end at its last '@'.
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(atsign), Some(colon)) if colon < atsign => {
                out.push_str(&authority[..colon]);
                out.push_str(":***");
                out.push_str(&authority[atsign..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_and_known_secrets_are_replaced() {
        let m = redact(
            "cannot connect to postgres://app:s3cretpw@db:5432/x; token abcdef12 refused",
            &["abcdef12"],
        );
        assert_eq!(
            m,
            "cannot connect to postgres://app:***@db:5432/x; token *** refused"
        );
        assert_eq!(
            redact_url_passwords("redis://:pw@h:6379"),
            "redis://:***@h:6379"
        );
        assert_eq!(
            redact_url_passwords("http://host:80/path"),
            "http://host:80/path"
        );
        assert_eq!(redact_url_passwords("no url"), "no url");
    }
}
