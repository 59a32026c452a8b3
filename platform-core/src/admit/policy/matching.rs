//! Which requests a policy looks at: kinds, environments and operations.

use crate::admit::Operation;

/// Kinds, environments and operations a policy applies to; an empty list means any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyMatch {
    /// Kind names such as `DatabaseClaim` (any API group); empty for every kind.
    pub kinds: Vec<String>,
    /// Environment names; empty for every environment.
    pub environments: Vec<String>,
    /// Operations; create and update unless stated.
    pub operations: Vec<Operation>,
}

impl Default for PolicyMatch {
    fn default() -> Self {
        PolicyMatch {
            kinds: Vec::new(),
            environments: Vec::new(),
            operations: vec![Operation::Create, Operation::Update],
        }
    }
}

impl PolicyMatch {
    /// Whether a request for this kind, environment and operation is matched.
    pub fn matches(&self, kind: &str, environment: &str, operation: Operation) -> bool {
        (self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind))
            && (self.environments.is_empty() || self.environments.iter().any(|e| e == environment))
            && self.operations.contains(&operation)
    }
}

/// Parses an operation name, in any case.
pub(crate) fn parse_operation(name: &str) -> Option<Operation> {
    match name.to_ascii_lowercase().as_str() {
        "create" => Some(Operation::Create),
        "update" => Some(Operation::Update),
        "delete" => Some(Operation::Delete),
        _ => None,
    }
}
