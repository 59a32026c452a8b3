//! Entity references: `[kind:][namespace/]name`, canonical as lower-case `kind:namespace/name`.

use std::fmt;

/// Why a reference cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    /// A part is empty (`:name`, `kind:/name`, `ns/`).
    #[error("expected [kind:][namespace/]name, found {0:?} with an empty part")]
    EmptyPart(String),
    /// No kind is written and the field has no default kind.
    #[error("expected a kind (such as \"component:{0}\"): this field has no default kind")]
    MissingKind(String),
    /// The name part is not an entity name (it holds `:` or `/`, or other characters).
    #[error(
        "expected [kind:][namespace/]name whose name is 1-63 characters [A-Za-z0-9] with inner -_., found name {name:?} in {text:?}"
    )]
    BadName {
        /// The whole reference.
        text: String,
        /// The name part read from it.
        name: String,
    },
}

/// A reference to an entity, canonical: kind, namespace and name in lower case, printed as
/// `kind:namespace/name`. Two references name the same entity exactly when they are equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityRef {
    /// Kind, lower case.
    pub kind: String,
    /// Namespace, lower case.
    pub namespace: String,
    /// Name, lower case.
    pub name: String,
}

impl EntityRef {
    /// A reference from its parts, lower-cased.
    pub fn new(kind: &str, namespace: &str, name: &str) -> Self {
        EntityRef {
            kind: kind.to_lowercase(),
            namespace: namespace.to_lowercase(),
            name: name.to_lowercase(),
        }
    }

    /// Reads `[kind:][namespace/]name` as Backstage does: the kind ends at the first `:`
    /// unless a `/` comes before it, the namespace at the first `/`; missing parts come from
    /// the field's default kind and the referring entity's namespace.
    ///
    /// ```
    /// use platform_catalog::EntityRef;
    /// let r = EntityRef::parse("team-a", Some("Group"), "default").unwrap();
    /// assert_eq!(r.to_string(), "group:default/team-a");
    /// let r = EntityRef::parse("user:infra/Jane", Some("Group"), "default").unwrap();
    /// assert_eq!(r.to_string(), "user:infra/jane");
    /// ```
    pub fn parse(
        text: &str,
        default_kind: Option<&str>,
        default_namespace: &str,
    ) -> Result<EntityRef, RefError> {
        let (kind, namespace, name) = split(text)?;
        let kind = match kind.or(default_kind) {
            Some(kind) => kind,
            None => return Err(RefError::MissingKind(text.to_owned())),
        };
        let namespace = namespace.unwrap_or(default_namespace);
        Ok(EntityRef::new(kind, namespace, name))
    }

    /// [`EntityRef::parse`], and the name must be an entity name: a reference such as
    /// `a:b:c:d` (whose name would be `b:c:d`) can never name an entity.
    pub fn parse_strict(
        text: &str,
        default_kind: Option<&str>,
        default_namespace: &str,
    ) -> Result<EntityRef, RefError> {
        let parsed = EntityRef::parse(text, default_kind, default_namespace)?;
        if !crate::validate::format::is_entity_name(&parsed.name) {
            return Err(RefError::BadName {
                text: text.to_owned(),
                name: parsed.name,
            });
        }
        Ok(parsed)
    }

    /// Reads a canonical or partial reference typed by a user (`component:default/x`,
    /// `component:x`, `default/x` is refused: a kind is needed).
    pub fn parse_user(text: &str) -> Result<EntityRef, RefError> {
        EntityRef::parse(text, None, crate::entity::DEFAULT_NAMESPACE)
    }
}

/// Splits a reference into kind, namespace and name as written.
fn split(text: &str) -> Result<(Option<&str>, Option<&str>, &str), RefError> {
    let slash = text.find('/');
    let colon = text.find(':').filter(|c| slash.is_none_or(|s| *c < s));
    let kind = colon.map(|c| &text[..c]);
    let rest = colon.map_or(text, |c| &text[c + 1..]);
    let (namespace, name) = match rest.find('/') {
        Some(s) => (Some(&rest[..s]), &rest[s + 1..]),
        None => (None, rest),
    };
    if kind == Some("") || namespace == Some("") || name.is_empty() {
        return Err(RefError::EmptyPart(text.to_owned()));
    }
    Ok((kind, namespace, name))
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}/{}", self.kind, self.namespace, self.name)
    }
}

/// Serialized as its canonical text, `kind:namespace/name`.
impl serde::Serialize for EntityRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_read_as_backstage_reads_them() {
        let r = EntityRef::parse("a/b:c", Some("Group"), "ns").unwrap();
        assert_eq!(
            r.to_string(),
            "group:a/b:c",
            "a slash before the colon: no kind"
        );
        let r = EntityRef::parse("a:b:c:d", Some("Group"), "ns").unwrap();
        assert_eq!(r.to_string(), "a:ns/b:c:d");
        assert!(matches!(
            EntityRef::parse_strict("a:b:c:d", Some("Group"), "ns"),
            Err(RefError::BadName { .. })
        ));
        assert!(matches!(
            EntityRef::parse("x", None, "ns"),
            Err(RefError::MissingKind(_))
        ));
        assert!(matches!(
            EntityRef::parse(":x", Some("Group"), "ns"),
            Err(RefError::EmptyPart(_))
        ));
        assert!(matches!(
            EntityRef::parse("ns/", Some("Group"), "ns"),
            Err(RefError::EmptyPart(_))
        ));
    }
}
