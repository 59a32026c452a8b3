//! A model-based test of the engine on the trio composition: random sequences of apply, size
//! change, delete, out-of-band drift, provider faults and engine restarts always converge to the
//! desired claims, with no duplicate and no leaked real resource in the fake cloud.
//!
//! The reference model is only the desired set of claims (a pool of five names, each with a
//! size and a disk size) and whether faults are on. The system under test is a [`Harness`]
//! whose cloud is in strict-create mode from the start, so a second create of a name shows up
//! as a duplicate instead of being absorbed by the fake's idempotent create. While faults are
//! on, create, update, observe and delete each fail with probability 0.3, either transiently
//! (nothing happens) or with a lost response (the cloud does the work, the reply is lost); the
//! dice are seeded from the generated initial state, the runtime is current-thread and the
//! fakes have no latency, so a failing case usually replays and shrinks (not always: the
//! engine iterates some hash maps, whose order can change which call a die lands on).
//!
//! What must hold after every transition, faults or not:
//! - the cloud holds no duplicate;
//! - no real resource exists for a claim that is *settled absent*: never applied, or whose
//!   last delete returned `Ok` and that was not applied again since. A claim whose delete
//!   failed (a provider error part way through) is *pending deletion*: its claim record and
//!   the records of the resources not yet deleted stay in the store, so some of its real
//!   resources may legitimately still exist; it is settled by retrying the delete.
//! - with faults off, an apply returns `Ok` with every applied claim Ready and its three real
//!   resources as composed, and a delete returns `Ok`: once the outage is over, one call is
//!   enough.
//!
//! What must hold after settling (faults off, pending deletes retried, the desired set
//! applied, a drift sweep run), at the end of every sequence and at every `Settle` transition,
//! and again after a restart that follows it:
//! - every desired claim is Ready and a plan of the desired set shows no change;
//! - no duplicate, and the cloud holds exactly the resources the store records;
//! - the cloud holds exactly three resources per desired claim and nothing else;
//! - each real resource's spec is what the composition derives from its claim;
//! - a drift sweep finds nothing.

use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use tokio::runtime::Runtime;

use platform_core::engine::EngineError;
use platform_core::kinds::{DatabaseClaim, DatabaseClaimSpec, DatabaseEngine, Size};
use platform_core::model::{DynamicObject, Resource};
use platform_testkit::fake::{FakeCloud, Fault, Operation};
use platform_testkit::harness::{Harness, TRIO_API_VERSION, trio_composition};

/// Claim names the model draws from: few enough that names get reused after a delete.
const POOL: [&str; 5] = ["db0", "db1", "db2", "db3", "db4"];
/// Disk sizes a claim may ask for.
const STORAGE: [u32; 3] = [10, 20, 40];
/// Chance that an operation fails while faults are on.
const FAULT_PROBABILITY: f64 = 0.3;

/// What a claim asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Wanted {
    size: Size,
    storage_gib: u32,
}

/// The resources of the trio composition, for drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Role,
    Database,
    Grant,
}

impl Part {
    fn kind(self) -> &'static str {
        match self {
            Part::Role => "Role",
            Part::Database => "Database",
            Part::Grant => "Grant",
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Part::Role => "role",
            Part::Database => "database",
            Part::Grant => "grant",
        }
    }

    /// A field the composition sets, and a value it never derives.
    fn drifted_field(self) -> (&'static str, Value) {
        match self {
            Part::Role => ("spec.connectionLimit", json!(7)),
            Part::Database => ("spec.owner", json!("intruder")),
            Part::Grant => ("spec.privileges", json!(["SELECT"])),
        }
    }
}

/// How a provider call fails while faults are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FaultKind {
    /// Nothing happens in the cloud; the call fails.
    Transient,
    /// The cloud does the work; the reply is lost.
    LostResponse,
}

/// One step of a sequence.
#[derive(Debug, Clone)]
enum Transition {
    /// Applies these claims (new ones, or existing ones possibly resized).
    Apply(Vec<(&'static str, Wanted)>),
    /// Deletes a desired claim.
    Delete(&'static str),
    /// Changes a field of a real resource behind the engine's back.
    DriftChange(&'static str, Part),
    /// Deletes a real resource behind the engine's back.
    DriftDelete(&'static str, Part),
    /// Makes create, update, observe and delete fail with some probability.
    FaultsOn(FaultKind),
    /// Ends the outage.
    FaultsOff,
    /// Drops the engine and builds a new one on the same store and cloud.
    Restart,
    /// Ends the outage, settles, and checks convergence in the middle of a sequence.
    Settle,
}

/// The reference state: what the user wants.
#[derive(Debug, Clone)]
struct Desired {
    /// Seed of the fake provider's fault dice.
    seed: u64,
    /// Desired claims by name.
    claims: BTreeMap<&'static str, Wanted>,
    /// Whether provider calls may fail.
    faults: bool,
}

fn wanted() -> impl Strategy<Value = Wanted> {
    (
        prop_oneof![
            Just(Size::Small),
            Just(Size::Medium),
            Just(Size::Large),
            Just(Size::Xlarge)
        ],
        proptest::sample::select(STORAGE.to_vec()),
    )
        .prop_map(|(size, storage_gib)| Wanted { size, storage_gib })
}

fn part() -> impl Strategy<Value = Part> {
    prop_oneof![Just(Part::Role), Just(Part::Database), Just(Part::Grant)]
}

struct Model;

impl ReferenceStateMachine for Model {
    type State = Desired;
    type Transition = Transition;

    fn init_state() -> BoxedStrategy<Desired> {
        any::<u64>()
            .prop_map(|seed| Desired {
                seed,
                claims: BTreeMap::new(),
                faults: false,
            })
            .boxed()
    }

    fn transitions(state: &Desired) -> BoxedStrategy<Transition> {
        let apply = proptest::sample::subsequence(POOL.to_vec(), 1..=3)
            .prop_flat_map(|names| {
                let n = names.len();
                (Just(names), proptest::collection::vec(wanted(), n))
            })
            .prop_map(|(names, wants)| Transition::Apply(names.into_iter().zip(wants).collect()));
        let fault_kind = prop_oneof![Just(FaultKind::Transient), Just(FaultKind::LostResponse)];
        let common = prop_oneof![
            6 => apply,
            2 => fault_kind.prop_map(Transition::FaultsOn),
            1 => Just(Transition::FaultsOff),
            2 => Just(Transition::Restart),
            1 => Just(Transition::Settle),
        ];
        if state.claims.is_empty() {
            return common.boxed();
        }
        let names: Vec<&'static str> = state.claims.keys().copied().collect();
        let name = proptest::sample::select(names);
        prop_oneof![
            10 => common,
            4 => name.clone().prop_map(Transition::Delete),
            2 => (name.clone(), part()).prop_map(|(n, p)| Transition::DriftChange(n, p)),
            2 => (name, part()).prop_map(|(n, p)| Transition::DriftDelete(n, p)),
        ]
        .boxed()
    }

    fn preconditions(state: &Desired, transition: &Transition) -> bool {
        // Shrinking drops earlier steps: a delete or drift must still name a desired claim.
        match transition {
            Transition::Delete(name)
            | Transition::DriftChange(name, _)
            | Transition::DriftDelete(name, _) => state.claims.contains_key(name),
            _ => true,
        }
    }

    fn apply(mut state: Desired, transition: &Transition) -> Desired {
        match transition {
            Transition::Apply(claims) => state.claims.extend(claims.iter().copied()),
            Transition::Delete(name) => {
                state.claims.remove(name);
            }
            Transition::FaultsOn(_) => state.faults = true,
            Transition::FaultsOff | Transition::Settle => state.faults = false,
            Transition::DriftChange(..) | Transition::DriftDelete(..) | Transition::Restart => {}
        }
        state
    }
}

/// The engine under test, driven one transition at a time on its own runtime.
struct System {
    runtime: Runtime,
    harness: Harness,
    /// Claims whose last delete failed and that were not applied since.
    pending_deletes: BTreeSet<&'static str>,
    /// Whether faults are on.
    faults: bool,
}

fn claim(name: &str, wanted: Wanted) -> DynamicObject {
    let mut spec = DatabaseClaimSpec::new(DatabaseEngine::Postgresql);
    spec.size = wanted.size;
    spec.storage_gib = wanted.storage_gib;
    match DatabaseClaim::new(name, spec).to_dynamic() {
        Ok(object) => object,
        Err(e) => panic!("claim {name}: {e}"),
    }
}

fn external_name(name: &str, part: Part) -> String {
    format!("default-{name}-{}", part.suffix())
}

/// Role.connectionLimit as the trio composition derives it from a size.
fn connection_limit(size: Size) -> u32 {
    match size {
        Size::Small => 20,
        Size::Medium => 50,
        Size::Large => 100,
        Size::Xlarge => 200,
    }
}

/// The spec a real resource must have once its claim converged.
fn expected_spec(name: &str, wanted: Wanted, part: Part) -> Value {
    match part {
        Part::Role => json!({"login": true, "connectionLimit": connection_limit(wanted.size)}),
        Part::Database => json!({
            "owner": external_name(name, Part::Role),
            "storageGiB": wanted.storage_gib,
        }),
        Part::Grant => json!({
            "role": external_name(name, Part::Role),
            "database": external_name(name, Part::Database),
            "privileges": ["ALL"],
        }),
    }
}

fn desired_objects(desired: &Desired) -> Vec<DynamicObject> {
    desired
        .claims
        .iter()
        .map(|(name, wanted)| claim(name, *wanted))
        .collect()
}

impl System {
    fn set_faults(&mut self, kind: Option<FaultKind>) {
        let provider = self.harness.provider();
        provider.clear_faults();
        self.faults = kind.is_some();
        let Some(kind) = kind else { return };
        for operation in [
            Operation::Create,
            Operation::Update,
            Operation::Observe,
            Operation::Delete,
        ] {
            let fault = match kind {
                FaultKind::Transient => Fault::transient(),
                FaultKind::LostResponse => Fault::lost_response(),
            };
            if let Err(e) = provider.add_fault(operation, fault.probability(FAULT_PROBABILITY)) {
                panic!("fault: {e}");
            }
        }
    }

    fn apply_claims(&mut self, claims: &[(&'static str, Wanted)]) {
        let objects: Vec<DynamicObject> = claims.iter().map(|(n, w)| claim(n, *w)).collect();
        let result = self.runtime.block_on(self.harness.engine().apply(&objects));
        // Apply stores every claim before provisioning: an applied claim is no longer deleted.
        for (name, _) in claims {
            self.pending_deletes.remove(name);
        }
        if self.faults {
            return;
        }
        match result {
            Ok(report) => assert!(
                report.all_ready(),
                "with faults off, one apply makes every claim Ready: {report:#?}"
            ),
            Err(e) => panic!("with faults off, apply failed: {e}"),
        }
        // Ready means usable: each applied claim's resources exist once, as composed.
        let cloud = self.harness.cloud();
        for (name, wanted) in claims {
            for part in [Part::Role, Part::Database, Part::Grant] {
                let external = external_name(name, part);
                let real = cloud.get(TRIO_API_VERSION, part.kind(), &external);
                assert_eq!(
                    real.map(|r| r.spec),
                    Some(expected_spec(name, *wanted, part)),
                    "{} {external} right after a Ready apply",
                    part.kind()
                );
            }
        }
    }

    fn delete(&mut self, name: &'static str, wanted_ok: bool) {
        let key = claim(
            name,
            Wanted {
                size: Size::Small,
                storage_gib: 20,
            },
        )
        .object_ref();
        match self.runtime.block_on(self.harness.engine().delete(&key)) {
            // NotFound: an apply under faults failed before it stored the claim.
            Ok(_) | Err(EngineError::NotFound(_)) => {
                self.pending_deletes.remove(name);
            }
            Err(e) => {
                assert!(!wanted_ok, "with faults off, deleting {name} failed: {e}");
                self.pending_deletes.insert(name);
            }
        }
    }

    fn drift(&self, name: &str, part: Part, change: bool) {
        let cloud = self.harness.cloud();
        let external = external_name(name, part);
        // The resource may not exist (an apply under faults did not create it): then no drift.
        let _ = if change {
            let (path, value) = part.drifted_field();
            cloud.drift_change(TRIO_API_VERSION, part.kind(), &external, path, value)
        } else {
            cloud.drift_delete(TRIO_API_VERSION, part.kind(), &external)
        };
    }

    /// Ends the outage, finishes pending deletes, applies the desired set, sweeps for drift,
    /// then checks convergence; does it all again on a restarted engine.
    fn settle(&mut self, desired: &Desired) {
        self.set_faults(None);
        for name in std::mem::take(&mut self.pending_deletes) {
            self.delete(name, true);
        }
        let objects = desired_objects(desired);
        self.runtime.block_on(async {
            self.harness.assert_converged(&objects).await;
            if let Err(e) = self.harness.engine().reconcile_once().await {
                panic!("drift sweep failed: {e}");
            }
        });
        self.assert_converged(desired, &objects);
        // A process restart right after convergence must not change anything real.
        self.harness.restart();
        self.runtime.block_on(async {
            self.harness.assert_converged(&objects).await;
        });
        self.assert_converged(desired, &objects);
    }

    fn assert_converged(&self, desired: &Desired, objects: &[DynamicObject]) {
        let harness = &self.harness;
        self.runtime.block_on(async {
            for object in objects {
                harness.assert_ready(object).await;
            }
            harness.assert_no_duplicates();
            harness.assert_no_leaks().await;
            let drift = match harness.engine().detect_drift().await {
                Ok(d) => d,
                Err(e) => panic!("drift detection failed: {e}"),
            };
            assert!(
                drift.drifted.is_empty() && drift.errors.is_empty(),
                "converged resources still drift: {drift:#?}"
            );
        });
        let real: BTreeMap<(String, String), Value> = harness
            .cloud()
            .resources()
            .into_iter()
            .map(|r| ((r.key.kind, r.key.external_name), r.spec))
            .collect();
        let expected: BTreeMap<(String, String), Value> = desired
            .claims
            .iter()
            .flat_map(|(name, wanted)| {
                [Part::Role, Part::Database, Part::Grant].map(|part| {
                    (
                        (part.kind().to_owned(), external_name(name, part)),
                        expected_spec(name, *wanted, part),
                    )
                })
            })
            .collect();
        assert_eq!(
            harness.cloud().len(),
            3 * desired.claims.len(),
            "three real resources per desired claim: {:?}",
            real.keys()
        );
        assert_eq!(
            real, expected,
            "real resources are what the composition derives from the desired claims"
        );
    }
}

impl StateMachineTest for System {
    type SystemUnderTest = System;
    type Reference = Model;

    fn init_test(state: &Desired) -> System {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(r) => r,
            Err(e) => panic!("runtime: {e}"),
        };
        let harness = Harness::builder()
            .composition(trio_composition())
            .cloud(FakeCloud::new().with_strict_create(true))
            .seed(state.seed)
            .build();
        System {
            runtime,
            harness,
            pending_deletes: BTreeSet::new(),
            faults: false,
        }
    }

    fn apply(mut system: System, state: &Desired, transition: Transition) -> System {
        match transition {
            Transition::Apply(claims) => system.apply_claims(&claims),
            Transition::Delete(name) => {
                let wanted_ok = !system.faults;
                system.delete(name, wanted_ok);
            }
            Transition::DriftChange(name, part) => system.drift(name, part, true),
            Transition::DriftDelete(name, part) => system.drift(name, part, false),
            Transition::FaultsOn(kind) => system.set_faults(Some(kind)),
            Transition::FaultsOff => system.set_faults(None),
            Transition::Restart => system.harness.restart(),
            Transition::Settle => system.settle(state),
        }
        system
    }

    fn check_invariants(system: &System, state: &Desired) {
        let cloud = system.harness.cloud();
        let duplicates = cloud.duplicates();
        assert!(
            duplicates.is_empty(),
            "duplicated real resources: {duplicates:?}"
        );
        let settled_absent: Vec<&str> = POOL
            .iter()
            .copied()
            .filter(|n| !state.claims.contains_key(n) && !system.pending_deletes.contains(n))
            .collect();
        let leaked: Vec<String> = cloud
            .resources()
            .into_iter()
            .map(|r| r.key.external_name)
            .filter(|external| {
                settled_absent
                    .iter()
                    .any(|n| external.starts_with(&format!("default-{n}-")))
            })
            .collect();
        assert!(
            leaked.is_empty(),
            "real resources of claims that were never applied or were deleted: {leaked:?}"
        );
    }

    fn teardown(mut system: System, state: Desired) {
        system.settle(&state);
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        max_shrink_iters: 4096,
        .. ProptestConfig::default()
    })]

    /// Any sequence of applies, deletes, drift, faults and restarts converges to the desired
    /// claims with no duplicate and no leaked real resource.
    #[test]
    fn engine_converges_without_duplicates_or_leaks(sequential 1..20 => System);
}

/// The shortest sequence the model found for a leak, kept as a plain test: a delete during
/// which a create intent was pending must not let a restarted engine recreate the resource.
#[test]
fn deleted_claim_stays_deleted_after_a_failed_recreate_and_a_restart() {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => panic!("runtime: {e}"),
    };
    let mut harness = Harness::builder()
        .composition(trio_composition())
        .cloud(FakeCloud::new().with_strict_create(true))
        .build();
    let db = claim(
        "db0",
        Wanted {
            size: Size::Small,
            storage_gib: 20,
        },
    );
    runtime.block_on(async {
        harness.assert_converged(std::slice::from_ref(&db)).await;
    });
    // Someone deletes the role by hand; the engine re-creates it during an outage of creates.
    let role = external_name("db0", Part::Role);
    harness
        .cloud()
        .drift_delete(TRIO_API_VERSION, "Role", &role)
        .unwrap();
    harness
        .provider()
        .add_fault(Operation::Create, Fault::transient())
        .unwrap();
    let report = runtime
        .block_on(harness.engine().apply(std::slice::from_ref(&db)))
        .unwrap();
    assert!(!report.all_ready(), "the role cannot be re-created yet");
    harness.provider().clear_faults();
    runtime
        .block_on(harness.engine().delete(&db.object_ref()))
        .unwrap();
    assert!(harness.cloud().is_empty(), "{:?}", harness.cloud());
    // A new process on the same store must not bring the deleted claim's role back.
    harness.restart();
    runtime.block_on(harness.engine().reconcile_once()).unwrap();
    assert!(
        harness.cloud().is_empty(),
        "a deleted claim's resource came back after a restart: {:?}",
        harness.cloud().resources()
    );
    runtime.block_on(harness.assert_no_leaks());
}
