//! The one decision about a managed resource: what apply does and what plan announces.
//!
//! Plan used to repeat this logic and drifted from it (for an `ObserveOnly` resource plan
//! announced a create that apply never made). Both observe, then call [`step`]; only apply
//! acts on the answer.

use crate::engine::ManagementPolicy;
use crate::provider::{FieldDiff, Observation};

/// What to do with one managed resource.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// Create it: nothing is recorded and it does not exist.
    Create,
    /// Take it over: nothing is recorded but it exists (a claim deleted with `Orphan` and
    /// applied again, a record lost). Only the provider's adopt can hand out credentials a
    /// create would have generated, so it is adopted rather than created again.
    Adopt,
    /// Create it again: it is recorded but was observed missing.
    Recreate,
    /// Bring it to the desired spec: these fields differ.
    Update(Vec<FieldDiff>),
    /// Leave it as it is; `ready` when the provider reports it available.
    Keep {
        /// Whether it is available.
        ready: bool,
    },
    /// It does not exist and is never created: its management policy is `ObserveOnly`.
    Absent,
}

/// The step for a resource under `policy`, given whether it is recorded and what observing
/// it found.
pub(crate) fn step(policy: ManagementPolicy, recorded: bool, o: &Observation) -> Step {
    let only_observed = policy == ManagementPolicy::ObserveOnly;
    match o {
        o if !o.exists && only_observed => Step::Absent,
        o if !o.exists && recorded => Step::Recreate,
        o if !o.exists => Step::Create,
        _ if !recorded && !only_observed => Step::Adopt,
        o if !o.up_to_date && !only_observed => Step::Update(o.diff.clone()),
        o => Step::Keep { ready: o.ready },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(exists: bool, up_to_date: bool) -> Observation {
        Observation {
            exists,
            up_to_date,
            ready: true,
            ..Observation::absent()
        }
    }

    #[test]
    fn observe_only_resources_are_never_created_or_updated() {
        let policy = ManagementPolicy::ObserveOnly;
        assert_eq!(step(policy, false, &found(false, false)), Step::Absent);
        assert_eq!(
            step(policy, false, &found(true, false)),
            Step::Keep { ready: true }
        );
        assert_eq!(
            step(policy, true, &found(true, false)),
            Step::Keep { ready: true }
        );
    }

    #[test]
    fn unrecorded_resources_are_created_or_adopted_and_recorded_ones_recreated() {
        let policy = ManagementPolicy::Full;
        assert_eq!(step(policy, false, &found(false, false)), Step::Create);
        assert_eq!(step(policy, false, &found(true, true)), Step::Adopt);
        assert_eq!(step(policy, true, &found(false, false)), Step::Recreate);
        assert_eq!(
            step(policy, true, &found(true, false)),
            Step::Update(Vec::new())
        );
        assert_eq!(
            step(policy, true, &found(true, true)),
            Step::Keep { ready: true }
        );
    }
}
