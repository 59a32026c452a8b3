//! The one decision about a managed resource: what apply does and what plan announces.
//!
//! Plan used to repeat this logic and drifted from it (for an `ObserveOnly` resource plan
//! announced a create that apply never made). Both now call [`observes`] and [`step`]; only
//! apply acts on the answer.

use super::policy::ManagementPolicy;
use crate::provider::{FieldDiff, Observation};

/// What to do with one managed resource.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// Create it: nothing is recorded, and a provider's create is idempotent, so it is not
    /// observed first.
    Create,
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

/// Whether deciding needs an observation first: a first create does not, unless the
/// resource is only observed.
pub(crate) fn observes(policy: ManagementPolicy, recorded: bool) -> bool {
    recorded || policy == ManagementPolicy::ObserveOnly
}

/// The step for a resource under `policy`, given what observing found (`None` when
/// [`observes`] said no observation was needed).
pub(crate) fn step(policy: ManagementPolicy, observed: Option<&Observation>) -> Step {
    let only_observed = policy == ManagementPolicy::ObserveOnly;
    match observed {
        None if only_observed => Step::Absent,
        None => Step::Create,
        Some(o) if !o.exists && only_observed => Step::Absent,
        Some(o) if !o.exists => Step::Recreate,
        Some(o) if !o.up_to_date && !only_observed => Step::Update(o.diff.clone()),
        Some(o) => Step::Keep { ready: o.ready },
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
        assert!(observes(policy, false));
        assert_eq!(step(policy, Some(&found(false, false))), Step::Absent);
        assert_eq!(
            step(policy, Some(&found(true, false))),
            Step::Keep { ready: true }
        );
    }

    #[test]
    fn a_first_create_is_not_observed_and_a_missing_record_is_recreated() {
        let policy = ManagementPolicy::Full;
        assert!(!observes(policy, false));
        assert_eq!(step(policy, None), Step::Create);
        assert!(observes(policy, true));
        assert_eq!(step(policy, Some(&found(false, false))), Step::Recreate);
        assert_eq!(
            step(policy, Some(&found(true, false))),
            Step::Update(Vec::new())
        );
    }
}
