use serde_json::json;

use super::*;
use crate::admit::Operation;
use crate::model::DynamicObject;

fn claim(value: serde_json::Value) -> DynamicObject {
    serde_json::from_value(value).unwrap()
}

fn db(size: &str) -> DynamicObject {
    claim(json!({
        "apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim",
        "metadata": {"name": "orders"},
        "spec": {"engine": "postgresql", "size": size, "storageGiB": 50}
    }))
}

fn eval(
    expression: &str,
    operation: Operation,
    object: &DynamicObject,
    old: Option<&DynamicObject>,
) -> Result<bool, String> {
    let compiled = CelExpression::compile(expression).unwrap();
    let bindings = CelBindings::new(
        operation,
        object,
        old,
        "production",
        &json!({"tier": "gold"}),
    );
    compiled.evaluate(&bindings)
}

#[test]
fn rules_see_the_object_environment_and_request() {
    let object = db("xlarge");
    let ok = |e: &str| eval(e, Operation::Create, &object, None);
    assert_eq!(ok("object.spec.size == 'xlarge'"), Ok(true));
    assert_eq!(ok("object.spec.storageGiB > 20"), Ok(true));
    assert_eq!(
        ok("environment.name == 'production' && environment.data.tier == 'gold'"),
        Ok(true)
    );
    assert_eq!(ok("request.operation == 'create'"), Ok(true));
    assert_eq!(ok("oldObject == null"), Ok(true));
    assert_eq!(ok("object.metadata.namespace == 'default'"), Ok(true));
    // Labels and annotations are always maps, so has() needs no guard for them.
    assert_eq!(
        ok("object.spec.size != 'xlarge' || has(object.metadata.labels.owner)"),
        Ok(false)
    );
    assert_eq!(
        ok("!('platform.dev/owner' in object.metadata.labels)"),
        Ok(true)
    );
    assert_eq!(
        ok("['small', 'medium'].exists(s, s == object.spec.size)"),
        Ok(false)
    );
}

#[test]
fn updates_compare_with_the_old_object() {
    let old = db("small");
    let new = db("large");
    assert_eq!(
        eval(
            "oldObject.spec.size == object.spec.size",
            Operation::Update,
            &new,
            Some(&old)
        ),
        Ok(false)
    );
    assert_eq!(
        eval(
            "request.operation == 'update' && oldObject.spec.size == 'small'",
            Operation::Update,
            &new,
            Some(&old)
        ),
        Ok(true)
    );
}

#[test]
fn a_missing_field_is_an_evaluation_error_not_a_panic() {
    let object = db("small");
    let err = eval("object.spec.replicas > 1", Operation::Create, &object, None).unwrap_err();
    assert!(err.contains("replicas"), "{err}");
}

#[test]
fn syntax_errors_name_the_column() {
    let err = CelExpression::compile("object.spec.size ==").unwrap_err();
    assert!(matches!(err, CelError::Syntax(_)), "{err}");
    assert!(err.to_string().contains("column"), "{err}");
}

#[test]
fn type_errors_are_found_before_any_object_is_seen() {
    let cases = [
        ("objet.spec.size == 'small'", "unknown variable 'objet'"),
        ("sizeof(object.spec) > 1", "unknown function 'sizeof'"),
        ("object.spec.size", ""),
        ("'a' + 1 == 'a1'", "cannot add a string and a int"),
        ("object.spec.storageGiB + 1", ""),
        ("1 + 2", "expected a boolean expression, found int"),
        ("'xlarge' < 3", "cannot compare a string with a int"),
        ("!'yes'", "expected a bool operand, found string"),
        ("size(3) > 1", "size() expects"),
    ];
    for (source, expected) in cases {
        let result = CelExpression::compile(source);
        if expected.is_empty() {
            // Dynamic: only the object can tell (it fails at evaluation if not a boolean).
            assert!(result.is_ok(), "{source}: {:?}", result.err());
        } else {
            let err = result.expect_err(source);
            assert!(matches!(err, CelError::Type(_)), "{source}: {err}");
            assert!(err.to_string().contains(expected), "{source}: {err}");
        }
    }
}

#[test]
fn standard_functions_and_macros_pass_the_check() {
    for source in [
        "object.metadata.name.startsWith('db-') || object.metadata.name.matches('^[a-z]+$')",
        "size(object.metadata.labels) >= 0 && object.metadata.name.size() > 0",
        "object.spec.all(k, k != 'public')",
        "int(object.spec.storageGiB) <= 1000 && string(1) == '1' && type(1) == int",
        "object.metadata.labels.filter(k, k.startsWith('team')).size() == 0",
    ] {
        let compiled = CelExpression::compile(source);
        assert!(compiled.is_ok(), "{source}: {:?}", compiled.err());
        assert!(
            eval(source, Operation::Create, &db("small"), None).is_ok(),
            "{source}"
        );
    }
}

#[test]
fn a_non_boolean_result_is_an_evaluation_error() {
    let err = eval("object.spec.size", Operation::Create, &db("small"), None).unwrap_err();
    assert!(
        err.contains("expected the expression to give a boolean, found string"),
        "{err}"
    );
}
