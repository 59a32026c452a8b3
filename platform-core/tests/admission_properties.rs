//! Property test of admission: whatever objects arrive (any kind, any spec, any labels and
//! annotations, any operation), guardrails answer without panicking, and their answer is
//! coherent: a request is admitted whole or denied with reasons.

use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::Arc;

use platform_core::admit::{
    AdmissionContext, AdmissionRequest, GuardrailSettings, Guardrails, Operation,
};
use platform_core::load::{Format, Loader};
use platform_core::model::{DynamicObject, ObjectMeta};

const POLICIES: &str = r#"apiVersion: platform.dev/v1alpha1
kind: Policy
metadata: {name: databases}
spec:
  match: {kinds: [DatabaseClaim]}
  defaults:
    - {path: spec.backup, value: daily}
    - {path: spec.network.private, value: true}
    - {path: "metadata.labels['platform.dev/owner']", value: nobody}
  validations:
    - expression: "object.spec.size != 'xlarge' || has(object.metadata.labels.owner)"
      message: xlarge databases need an owner
    - expression: "object.spec.storageGiB <= 1000 && size(object.metadata.name) < 40"
    - expression: "request.operation != 'update' || oldObject.spec.size == object.spec.size"
  allowExceptions: true
---
apiVersion: platform.dev/v1alpha1
kind: Policy
metadata: {name: everything}
spec:
  mode: Warn
  match: {operations: [create, update, delete]}
  validations:
    - expression: "object.spec.all(k, k.size() < 10) && environment.data.tier != 'x'"
    - expression: "object.metadata.labels.exists(k, k.startsWith('team')) || object.kind.matches('^[A-Z]')"
---
apiVersion: platform.dev/v1alpha1
kind: Budget
metadata: {name: team-a}
spec: {owner: team-a, monthlyLimit: 100}
"#;

fn engine() -> Guardrails {
    let loaded = Loader::new().load_str(Arc::from("policies.yaml"), POLICIES, Format::Yaml);
    let mut engine = Guardrails::new();
    engine.add_documents(&loaded.documents).unwrap();
    let settings = GuardrailSettings::from_value(&json!({
        "requireOwner": {"mode": "Audit"}, "noPublicBuckets": {}, "requireBackups": {},
        "maxSize": {"sizes": {"production": "large"}}, "protectDatabases": {},
        "namePattern": {"pattern": "[a-z][a-z0-9-]*"}
    }))
    .unwrap();
    engine.add_guardrails(&settings).unwrap();
    engine
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("xlarge".to_owned()),
            Just("none".to_owned()),
            Just("Orphan".to_owned()),
            "[a-z]{0,8}",
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("size".to_owned()),
                    Just("storageGiB".to_owned()),
                    Just("backup".to_owned()),
                    Just("public".to_owned()),
                    Just("deletionPolicy".to_owned()),
                    Just("highAvailability".to_owned()),
                    Just("network".to_owned()),
                    "[a-zA-Z]{1,12}",
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn any_object() -> impl Strategy<Value = DynamicObject> {
    let kind = prop_oneof![
        Just("DatabaseClaim"),
        Just("BucketClaim"),
        Just("CacheClaim"),
        Just("Application"),
        Just("Thing")
    ];
    let text = prop_oneof![
        Just(String::new()),
        Just("team-a".to_owned()),
        Just("platform.dev/owner".to_owned()),
        Just("platform.dev/policy-exception.databases".to_owned()),
        Just("platform.dev/policy-exception.protect-databases".to_owned()),
        ".{0,20}",
    ];
    let map = prop::collection::btree_map(text.clone(), text.clone(), 0..4);
    (kind, ".{0,70}", any_json(), map.clone(), map, any::<bool>()).prop_map(
        |(kind, name, spec, labels, annotations, with_status)| DynamicObject {
            api_version: "platform.dev/v1alpha1".into(),
            kind: kind.into(),
            metadata: ObjectMeta {
                name,
                labels,
                annotations,
                ..ObjectMeta::default()
            },
            spec,
            status: with_status.then(|| json!({"ready": true})),
        },
    )
}

fn any_request() -> impl Strategy<Value = AdmissionRequest> {
    (
        prop_oneof![
            Just(Operation::Create),
            Just(Operation::Update),
            Just(Operation::Delete)
        ],
        any_object(),
        prop::option::of(any_object()),
        prop::option::of(".{0,20}"),
    )
        .prop_map(|(operation, object, old_object, origin)| AdmissionRequest {
            operation,
            object,
            old_object: old_object.map(std::sync::Arc::new),
            origin,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn admission_never_panics_and_answers_coherently(
        requests in prop::collection::vec(any_request(), 0..6),
        stored in prop::collection::vec(any_object(), 0..4),
        environment in prop_oneof![Just("production".to_owned()), Just("development".to_owned()), ".{0,10}"],
        data in any_json(),
    ) {
        let engine = engine();
        let context = AdmissionContext { environment: &environment, environment_data: &data, stored: &stored };
        let count = requests.len();
        let outcome = engine.evaluate(&context, requests);
        if outcome.denials.is_empty() {
            prop_assert_eq!(outcome.admitted.len(), count);
        } else {
            prop_assert!(outcome.admitted.is_empty());
            prop_assert!(outcome.denials.iter().all(|d| !d.message.is_empty() && !d.policy.is_empty()));
        }
    }
}
