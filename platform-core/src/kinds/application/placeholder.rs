//! Placeholders such as `${resources.db.outputs.host}` in application settings.

/// A reference to a resource's output inside a string: `${resources.<name>.outputs.<key>}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// Local name of the resource in `spec.resources`.
    pub resource: String,
    /// `outputs` for plain outputs, `secrets` for connection secrets.
    pub section: String,
    /// The output's key, such as `host`.
    pub key: String,
    /// Byte range of the whole `${...}` in the string.
    pub span: std::ops::Range<usize>,
}

/// Finds the placeholders in a string; `$${` is a literal `${`.
pub fn placeholders(text: &str) -> Result<Vec<Placeholder>, String> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'$') {
            i += 2;
            continue;
        }
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            let start = i;
            let Some(len) = text[i + 2..].find('}') else {
                return Err(format!(
                    "unterminated placeholder at byte {start}: expected '}}' after \"${{\""
                ));
            };
            let inner = &text[i + 2..i + 2 + len];
            let parts: Vec<&str> = inner.split('.').collect();
            match parts.as_slice() {
                [
                    "resources",
                    resource,
                    section @ ("outputs" | "secrets"),
                    key,
                ] if !resource.is_empty() && !key.is_empty() => {
                    found.push(Placeholder {
                        resource: (*resource).to_owned(),
                        section: (*section).to_owned(),
                        key: (*key).to_owned(),
                        span: start..i + 3 + len,
                    });
                }
                _ => {
                    return Err(format!(
                        "expected a placeholder of the form ${{resources.<name>.outputs.<key>}} or ${{resources.<name>.secrets.<key>}}, found \"${{{inner}}}\""
                    ));
                }
            }
            i += 3 + len;
            continue;
        }
        i += 1;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders_and_their_spans() {
        let text = "postgres://${resources.db.outputs.host}:${resources.db.outputs.port}/x";
        let found = placeholders(text).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].resource, "db");
        assert_eq!(found[0].key, "host");
        assert_eq!(&text[found[1].span.clone()], "${resources.db.outputs.port}");
    }

    #[test]
    fn escaped_and_malformed_placeholders() {
        assert!(placeholders("cost: $${literal}").unwrap().is_empty());
        assert!(
            placeholders("${resources.db}")
                .unwrap_err()
                .contains("expected a placeholder")
        );
        assert!(
            placeholders("${resources.db.outputs.host")
                .unwrap_err()
                .contains("unterminated")
        );
        assert_eq!(
            placeholders("${resources.db.secrets.password}").unwrap()[0].section,
            "secrets"
        );
    }
}
