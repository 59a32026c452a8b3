//! Score placeholders (`${metadata.name}`, `${resources.db.host}`) rewritten into the
//! Application's (`${resources.db.outputs.host}`), or resolved at once when they name metadata.

use std::collections::BTreeMap;

use super::types::ScoreType;

/// What a workload's placeholders may refer to.
pub(crate) struct PlaceholderScope<'a> {
    /// The workload's `metadata`, as JSON.
    pub metadata: &'a serde_json::Value,
    /// Each declared resource: its serving type, or `None` when the platform does not serve it.
    pub resources: BTreeMap<&'a str, Option<&'a ScoreType>>,
}

/// A string with its placeholders rewritten, and what could not be.
#[derive(Debug, Default)]
pub(crate) struct Rewritten {
    /// The Application's text: served outputs as Application placeholders, metadata resolved,
    /// escapes (`$${`) kept, and anything unresolvable escaped so it stays as written.
    pub text: String,
    /// Why a placeholder cannot be served, one message each.
    pub unserved: Vec<String>,
}

/// Rewrites the placeholders of one Score string.
pub(crate) fn rewrite(text: &str, scope: &PlaceholderScope<'_>) -> Rewritten {
    let mut out = Rewritten {
        text: String::with_capacity(text.len()),
        unserved: Vec::new(),
    };
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.text.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("$$") {
            // Score's escape: `$$` is a literal `$`; the Application keeps `$${` literal too.
            out.text.push_str("$$");
            rest = after;
            continue;
        }
        let Some(body) = tail.strip_prefix("${") else {
            out.text.push('$');
            rest = &tail[1..];
            continue;
        };
        let Some(end) = body.find('}') else {
            out.unserved.push(format!(
                "unterminated placeholder: expected '}}' after \"{tail}\""
            ));
            out.text.push_str("$$");
            out.text.push_str(&tail[1..]);
            return out;
        };
        let inner = &body[..end];
        match resolve(inner, scope) {
            Ok(replacement) => out.text.push_str(&replacement),
            Err(reason) => {
                if let Some(reason) = reason {
                    out.unserved.push(reason);
                }
                out.text.push_str("$${");
                out.text.push_str(inner);
                out.text.push('}');
            }
        }
        rest = &body[end + 1..];
    }
    out.text.push_str(rest);
    out
}

/// The replacement of one placeholder's inside, or why there is none (`None`: already
/// reported elsewhere, as a resource of a type nobody serves is).
fn resolve(inner: &str, scope: &PlaceholderScope<'_>) -> Result<String, Option<String>> {
    let parts: Vec<&str> = inner.split('.').collect();
    match parts.as_slice() {
        ["metadata", path @ ..] if !path.is_empty() => {
            let mut value = scope.metadata;
            for part in path {
                value = value.get(part).ok_or_else(|| {
                    Some(format!(
                        "placeholder ${{{inner}}}: the workload's metadata has no {part:?}"
                    ))
                })?;
            }
            match value {
                serde_json::Value::String(s) => Ok(s.replace("${", "$${")),
                serde_json::Value::Object(_) | serde_json::Value::Array(_) => Err(Some(format!(
                    "placeholder ${{{inner}}}: expected a text value, found a structure"
                ))),
                other => Ok(other.to_string()),
            }
        }
        ["resources", name, output] => match scope.resources.get(name) {
            Some(Some(served)) => {
                let source = served.source_of(output);
                Ok(format!(
                    "${{resources.{name}.{}.{}}}",
                    source.section.as_str(),
                    source.key
                ))
            }
            Some(None) => Err(None),
            None => Err(Some(format!(
                "placeholder ${{{inner}}} refers to resource {name:?}, which the workload does not declare"
            ))),
        },
        ["resources", name] if matches!(scope.resources.get(name), Some(None)) => Err(None),
        _ => Err(Some(format!(
            "placeholder ${{{inner}}}: expected ${{metadata.<field>}} or ${{resources.<name>.<output>}}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::score::ScoreTypes;

    fn scope<'a>(types: &'a ScoreTypes, metadata: &'a serde_json::Value) -> PlaceholderScope<'a> {
        PlaceholderScope {
            metadata,
            resources: BTreeMap::from([
                ("db", types.get("postgres")),
                ("cache", types.get("redis")),
                ("dns", None),
            ]),
        }
    }

    #[test]
    fn outputs_secrets_metadata_and_escapes() {
        let types = ScoreTypes::builtin();
        let metadata = serde_json::json!({"name": "orders", "annotations": {"team": "shop"}});
        let scope = scope(&types, &metadata);
        let r = rewrite(
            "postgres://${resources.db.username}:${resources.db.password}@${resources.db.host}/${resources.db.name}?app=${metadata.name}&t=${metadata.annotations.team}&lit=$${resources.db.host}",
            &scope,
        );
        assert!(r.unserved.is_empty(), "{:?}", r.unserved);
        assert_eq!(
            r.text,
            "postgres://${resources.db.outputs.username}:${resources.db.secrets.password}@${resources.db.outputs.host}/${resources.db.outputs.database}?app=orders&t=shop&lit=$${resources.db.host}"
        );
    }

    #[test]
    fn unserved_and_unknown_references_stay_literal() {
        let types = ScoreTypes::builtin();
        let metadata = serde_json::json!({"name": "orders"});
        let scope = scope(&types, &metadata);
        let r = rewrite(
            "${resources.dns.host} ${resources.nope.host} ${oops}",
            &scope,
        );
        assert_eq!(
            r.text,
            "$${resources.dns.host} $${resources.nope.host} $${oops}"
        );
        // The unserved dns resource is reported once, at the resource itself.
        assert_eq!(r.unserved.len(), 2, "{:?}", r.unserved);
        assert!(r.unserved[0].contains("\"nope\""));
    }

    #[test]
    fn a_lone_dollar_is_text() {
        let types = ScoreTypes::builtin();
        let metadata = serde_json::json!({"name": "orders"});
        let r = rewrite("costs $5 ${metadata.name}", &scope(&types, &metadata));
        assert_eq!(r.text, "costs $5 orders");
    }
}
