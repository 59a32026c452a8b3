//! Readiness checks of composed resources, evaluated on the observed resource.
//!
//! With no checks a resource is ready when its `Ready` condition is `True`. A
//! resource that has not been observed yet is not ready, unless every check is
//! of type `None`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ValidationError;
use super::fieldpath::FieldPath;

/// The kind of a readiness check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadinessCheckType {
    /// The string at `fieldPath` equals `matchString`.
    MatchString,
    /// The integer at `fieldPath` equals `matchInteger`.
    MatchInteger,
    /// The boolean at `fieldPath` is true.
    MatchTrue,
    /// The boolean at `fieldPath` is false.
    MatchFalse,
    /// The condition `matchCondition.type` has status `matchCondition.status`.
    MatchCondition,
    /// Something exists at `fieldPath`.
    NonEmpty,
    /// Always ready.
    None,
}

/// Condition to match for `MatchCondition` (defaults: `Ready`, `True`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchConditionCheck {
    /// The condition type.
    #[serde(rename = "type", default = "default_condition_type")]
    pub kind: String,
    /// The expected status (`True`, `False`, `Unknown`).
    #[serde(default = "default_condition_status")]
    pub status: String,
}

fn default_condition_type() -> String {
    "Ready".into()
}

fn default_condition_status() -> String {
    "True".into()
}

/// One readiness check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadinessCheck {
    /// The check's kind.
    #[serde(rename = "type")]
    pub kind: ReadinessCheckType,
    /// The field to inspect (all kinds but `MatchCondition` and `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_path: Option<FieldPath>,
    /// Expected string of `MatchString`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_string: Option<String>,
    /// Expected integer of `MatchInteger`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_integer: Option<i64>,
    /// Expected condition of `MatchCondition`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_condition: Option<MatchConditionCheck>,
}

impl ReadinessCheck {
    /// Checks that the fields the kind needs are present; paths are relative to the check.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let needs = |field: &str, present: bool| {
            if present {
                Ok(())
            } else {
                Err(ValidationError::new(
                    field,
                    format!("required by readiness check type {:?}", self.kind),
                ))
            }
        };
        match self.kind {
            ReadinessCheckType::None => return Ok(()),
            ReadinessCheckType::MatchCondition => {
                return match &self.match_condition {
                    Some(c) if c.kind.is_empty() => needs("matchCondition.type", false),
                    Some(c) if c.status.is_empty() => needs("matchCondition.status", false),
                    Some(_) => Ok(()),
                    None => needs("matchCondition", false),
                };
            }
            ReadinessCheckType::MatchString => needs("matchString", self.match_string.is_some())?,
            ReadinessCheckType::MatchInteger => {
                needs("matchInteger", self.match_integer.is_some())?;
            }
            ReadinessCheckType::MatchTrue
            | ReadinessCheckType::MatchFalse
            | ReadinessCheckType::NonEmpty => {}
        }
        needs(
            "fieldPath",
            self.field_path.as_ref().is_some_and(|p| !p.is_empty()),
        )
    }

    /// Runs the check against an observed resource; a missing or mistyped field is "not ready".
    pub fn is_ready(&self, observed: &Value) -> bool {
        let field = || self.field_path.as_ref().and_then(|p| p.get(observed));
        match self.kind {
            ReadinessCheckType::None => true,
            ReadinessCheckType::NonEmpty => field().is_some(),
            ReadinessCheckType::MatchString => match (field(), &self.match_string) {
                (Some(Value::String(s)), Some(want)) => s == want,
                _ => false,
            },
            ReadinessCheckType::MatchInteger => match (field(), self.match_integer) {
                (Some(Value::Number(n)), Some(want)) => n.as_i64() == Some(want),
                _ => false,
            },
            ReadinessCheckType::MatchTrue => matches!(field(), Some(Value::Bool(true))),
            ReadinessCheckType::MatchFalse => matches!(field(), Some(Value::Bool(false))),
            ReadinessCheckType::MatchCondition => match &self.match_condition {
                Some(c) => condition_status(observed, &c.kind) == c.status,
                None => false,
            },
        }
    }
}

/// The status of condition `kind` in `status.conditions`, `Unknown` when absent (as in Crossplane).
pub fn condition_status<'a>(resource: &'a Value, kind: &str) -> &'a str {
    resource
        .get("status")
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .and_then(|conds| {
            conds
                .iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
        })
        .and_then(|c| c.get("status"))
        .and_then(Value::as_str)
        .unwrap_or("Unknown")
}

/// Whether a composed resource is ready given its checks and its observed state.
pub fn is_ready(checks: &[ReadinessCheck], observed: Option<&Value>) -> bool {
    match observed {
        None => !checks.is_empty() && checks.iter().all(|c| c.kind == ReadinessCheckType::None),
        Some(o) if checks.is_empty() => condition_status(o, "Ready") == "True",
        Some(o) => checks.iter().all(|c| c.is_ready(o)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(v: Value) -> ReadinessCheck {
        let c: ReadinessCheck = serde_json::from_value(v).unwrap();
        c.validate().unwrap();
        c
    }

    fn observed() -> Value {
        json!({
            "status": {
                "phase": "Running",
                "replicas": 3,
                "ratio": 3.0,
                "healthy": true,
                "degraded": false,
                "endpoint": "",
                "conditions": [
                    {"type": "Synced", "status": "True"},
                    {"type": "Ready", "status": "False"}
                ]
            }
        })
    }

    #[test]
    fn each_check_type() {
        let o = observed();
        let cases = [
            (
                json!({"type": "MatchString", "fieldPath": "status.phase", "matchString": "Running"}),
                true,
            ),
            (
                json!({"type": "MatchString", "fieldPath": "status.phase", "matchString": "Pending"}),
                false,
            ),
            (
                json!({"type": "MatchString", "fieldPath": "status.replicas", "matchString": "3"}),
                false,
            ),
            (
                json!({"type": "MatchInteger", "fieldPath": "status.replicas", "matchInteger": 3}),
                true,
            ),
            (
                json!({"type": "MatchInteger", "fieldPath": "status.replicas", "matchInteger": 4}),
                false,
            ),
            (
                json!({"type": "MatchInteger", "fieldPath": "status.ratio", "matchInteger": 3}),
                false,
            ),
            (
                json!({"type": "MatchTrue", "fieldPath": "status.healthy"}),
                true,
            ),
            (
                json!({"type": "MatchTrue", "fieldPath": "status.degraded"}),
                false,
            ),
            (
                json!({"type": "MatchTrue", "fieldPath": "status.missing"}),
                false,
            ),
            (
                json!({"type": "MatchFalse", "fieldPath": "status.degraded"}),
                true,
            ),
            (
                json!({"type": "MatchFalse", "fieldPath": "status.healthy"}),
                false,
            ),
            (
                json!({"type": "MatchFalse", "fieldPath": "status.missing"}),
                false,
            ),
            (
                json!({"type": "NonEmpty", "fieldPath": "status.endpoint"}),
                true,
            ),
            (
                json!({"type": "NonEmpty", "fieldPath": "status.missing"}),
                false,
            ),
            (
                json!({"type": "MatchCondition", "matchCondition": {"type": "Synced", "status": "True"}}),
                true,
            ),
            (
                json!({"type": "MatchCondition", "matchCondition": {"type": "Ready", "status": "True"}}),
                false,
            ),
            (
                json!({"type": "MatchCondition", "matchCondition": {"type": "Other", "status": "Unknown"}}),
                true,
            ),
            (
                json!({"type": "MatchCondition", "matchCondition": {}}),
                false,
            ),
            (json!({"type": "None"}), true),
        ];
        for (c, want) in cases {
            assert_eq!(check(c.clone()).is_ready(&o), want, "{c}");
        }
    }

    #[test]
    fn default_and_absent() {
        let mut o = observed();
        assert!(!is_ready(&[], Some(&o)));
        o["status"]["conditions"][1]["status"] = json!("True");
        assert!(is_ready(&[], Some(&o)));
        assert!(!is_ready(&[], None));
        let none = check(json!({"type": "None"}));
        let ms = check(
            json!({"type": "MatchString", "fieldPath": "status.phase", "matchString": "Running"}),
        );
        assert!(is_ready(std::slice::from_ref(&none), None));
        assert!(!is_ready(&[none.clone(), ms.clone()], None));
        assert!(is_ready(&[none, ms], Some(&o)));
    }

    #[test]
    fn validation() {
        let cases = [
            (
                json!({"type": "MatchString", "fieldPath": "a"}),
                "matchString: required by readiness check type MatchString",
            ),
            (
                json!({"type": "MatchInteger", "fieldPath": "a"}),
                "matchInteger: required by readiness check type MatchInteger",
            ),
            (
                json!({"type": "MatchTrue"}),
                "fieldPath: required by readiness check type MatchTrue",
            ),
            (
                json!({"type": "MatchCondition"}),
                "matchCondition: required by readiness check type MatchCondition",
            ),
            (
                json!({"type": "MatchCondition", "matchCondition": {"type": ""}}),
                "matchCondition.type: required by readiness check type MatchCondition",
            ),
        ];
        for (v, want) in cases {
            let c: ReadinessCheck = serde_json::from_value(v).unwrap();
            assert_eq!(c.validate().unwrap_err().to_string(), want);
        }
        assert!(serde_json::from_value::<ReadinessCheck>(json!({"type": "Bogus"})).is_err());
        assert!(
            serde_json::from_value::<ReadinessCheck>(
                json!({"type": "NonEmpty", "fieldPath": "a..b"})
            )
            .is_err()
        );
    }
}
