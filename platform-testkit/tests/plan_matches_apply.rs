//! What `plan` announces is exactly what the next `apply` does, resource by resource, over
//! random claims, management policies and states of the real resources (applied or not,
//! deleted or changed behind the platform's back, resized).

use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;

use platform_core::engine::{Action, MANAGEMENT_POLICY_ANNOTATION};
use platform_core::kinds::{DatabaseClaim, DatabaseClaimSpec, DatabaseEngine, Size};
use platform_core::model::{DynamicObject, ObjectRef};
use platform_testkit::harness::{Harness, TRIO_API_VERSION, trio_composition};

/// One claim of a case: its size now and later, its policy, and what happens in between.
#[derive(Debug, Clone)]
struct Case {
    applied_first: bool,
    size_before: Size,
    size_after: Size,
    policy: Option<&'static str>,
    sabotage: Sabotage,
}

#[derive(Debug, Clone, Copy)]
enum Sabotage {
    None,
    Delete(&'static str),
    Change,
}

fn size() -> impl Strategy<Value = Size> {
    prop_oneof![
        Just(Size::Small),
        Just(Size::Medium),
        Just(Size::Large),
        Just(Size::Xlarge)
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<bool>(),
        size(),
        size(),
        prop_oneof![
            Just(None),
            Just(Some("ObserveOnly")),
            Just(Some("NoDelete"))
        ],
        prop_oneof![
            Just(Sabotage::None),
            Just(Sabotage::Delete("Role")),
            Just(Sabotage::Delete("Database")),
            Just(Sabotage::Delete("Grant")),
            Just(Sabotage::Change),
        ],
    )
        .prop_map(
            |(applied_first, size_before, size_after, policy, sabotage)| Case {
                applied_first,
                size_before,
                size_after,
                policy,
                sabotage,
            },
        )
}

fn claim(name: &str, size: Size, policy: Option<&str>) -> DynamicObject {
    let mut spec = DatabaseClaimSpec::new(DatabaseEngine::Postgresql);
    spec.size = size;
    let mut object = DatabaseClaim::new(name, spec).to_dynamic().unwrap();
    if let Some(policy) = policy {
        object
            .metadata
            .annotations
            .insert(MANAGEMENT_POLICY_ANNOTATION.into(), policy.into());
    }
    object
}

/// An action without the details that are only known after acting: its kind, and for an
/// update the fields it changes.
fn shape(action: &Action) -> String {
    match action {
        Action::Update { diff } => {
            let mut paths: Vec<&str> = diff.iter().map(|d| d.path.as_str()).collect();
            paths.sort_unstable();
            format!("update {}", paths.join(","))
        }
        other => format!("{other:?}"),
    }
}

async fn run(cases: Vec<Case>) -> Result<(), TestCaseError> {
    let harness = Harness::builder().composition(trio_composition()).build();
    // Applied first (Full policy, so something exists to observe), then sabotaged.
    for (i, case) in cases.iter().enumerate() {
        if !case.applied_first {
            continue;
        }
        let name = format!("c{i}");
        harness
            .engine()
            .apply(&[claim(&name, case.size_before, None)])
            .await
            .unwrap();
        let external = |part: &str| format!("default-{name}-{}", part.to_lowercase());
        match case.sabotage {
            Sabotage::None => {}
            Sabotage::Delete(kind) => {
                let _ = harness
                    .cloud()
                    .drift_delete(TRIO_API_VERSION, kind, &external(kind));
            }
            Sabotage::Change => {
                let _ = harness.cloud().drift_change(
                    TRIO_API_VERSION,
                    "Role",
                    &external("Role"),
                    "spec.connectionLimit",
                    json!(999),
                );
            }
        }
    }
    let desired: Vec<DynamicObject> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| claim(&format!("c{i}"), c.size_after, c.policy))
        .collect();
    let plan = harness.engine().plan(&desired).await.unwrap();
    let announced: BTreeMap<ObjectRef, String> = plan
        .actions
        .iter()
        .map(|a| (a.resource.clone(), shape(&a.action)))
        .collect();
    let report = harness.engine().apply(&desired).await.unwrap();
    let done: BTreeMap<ObjectRef, String> = report
        .claims
        .iter()
        .flat_map(|c| &c.resources)
        .map(|r| (r.resource.clone(), shape(&r.action)))
        .collect();
    prop_assert_eq!(&announced, &done, "cases {:?}", cases);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn plan_announces_exactly_what_apply_does(cases in prop::collection::vec(case(), 1..4)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run(cases))?;
    }
}
