//! The provider operations the layers delay and fail, and the recorder records.

use std::fmt;

/// One operation of the provider contract, as the layers and the call recorder name it.
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
    /// `adopt`. The fake provider adopts by observing, so it records and delays an observe.
    Adopt,
    /// `inventory`. The fake provider lists nothing, so it never sees one.
    Inventory,
}

impl Operation {
    /// Every operation, in contract order.
    pub const ALL: [Operation; 6] = [
        Operation::Observe,
        Operation::Create,
        Operation::Update,
        Operation::Delete,
        Operation::Adopt,
        Operation::Inventory,
    ];

    /// Position in [`Operation::ALL`], for per-operation tables.
    pub(crate) fn index(self) -> usize {
        match self {
            Operation::Observe => 0,
            Operation::Create => 1,
            Operation::Update => 2,
            Operation::Delete => 3,
            Operation::Adopt => 4,
            Operation::Inventory => 5,
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
            Operation::Adopt => "adopt",
            Operation::Inventory => "inventory",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_the_position_in_all() {
        for (i, operation) in Operation::ALL.into_iter().enumerate() {
            assert_eq!(operation.index(), i, "{operation}");
        }
    }
}
