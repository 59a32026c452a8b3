use std::fmt;

/// An `apiVersion` split into its group (empty for the core group) and version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiVersion {
    /// API group, such as `platform.dev`; empty for the Kubernetes core group.
    pub group: String,
    /// Version within the group, such as `v1alpha1`.
    pub version: String,
}

impl ApiVersion {
    /// Splits `group/version` (or a bare `version`) into its parts.
    pub fn parse(api_version: &str) -> ApiVersion {
        match api_version.rsplit_once('/') {
            Some((group, version)) => ApiVersion {
                group: group.to_owned(),
                version: version.to_owned(),
            },
            None => ApiVersion {
                group: String::new(),
                version: api_version.to_owned(),
            },
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.version)
        } else {
            write!(f, "{}/{}", self.group, self.version)
        }
    }
}

/// Group, version and kind: what identifies the type of an object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupVersionKind {
    /// API group.
    pub group: String,
    /// Version within the group.
    pub version: String,
    /// Kind name, such as `DatabaseClaim`.
    pub kind: String,
}

impl GroupVersionKind {
    /// Builds a group, version and kind from its parts.
    pub fn new(
        group: impl Into<String>,
        version: impl Into<String>,
        kind: impl Into<String>,
    ) -> Self {
        GroupVersionKind {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
        }
    }

    /// The `apiVersion` string of this kind.
    pub fn api_version(&self) -> String {
        ApiVersion {
            group: self.group.clone(),
            version: self.version.clone(),
        }
        .to_string()
    }
}

impl fmt::Display for GroupVersionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.api_version(), self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_splits_group_and_version() {
        let v = ApiVersion::parse("platform.company.io/v1alpha1");
        assert_eq!(v.group, "platform.company.io");
        assert_eq!(v.version, "v1alpha1");
        assert_eq!(v.to_string(), "platform.company.io/v1alpha1");
        let core = ApiVersion::parse("v1");
        assert_eq!(core.group, "");
        assert_eq!(core.to_string(), "v1");
    }
}
