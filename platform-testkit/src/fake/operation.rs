//! The four provider operations the fake records, delays and fails.

use std::fmt;

/// One operation of the provider contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// `observe` (and each resource of `observe_many`).
    Observe,
    /// `create`.
    Create,
    /// `update`.
    Update,
    /// `delete`.
    Delete,
}

impl Operation {
    /// Every operation, in contract order.
    pub const ALL: [Operation; 4] = [
        Operation::Observe,
        Operation::Create,
        Operation::Update,
        Operation::Delete,
    ];

    /// Position in [`Operation::ALL`], for per-operation tables.
    pub(crate) fn index(self) -> usize {
        match self {
            Operation::Observe => 0,
            Operation::Create => 1,
            Operation::Update => 2,
            Operation::Delete => 3,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Observe => "observe",
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
        })
    }
}
