use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Whether a condition holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// Not known yet.
    Unknown,
}

impl fmt::Display for ConditionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConditionStatus::True => "True",
            ConditionStatus::False => "False",
            ConditionStatus::Unknown => "Unknown",
        })
    }
}

/// One observation about an object, such as `Ready` or `Synced`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Condition type, such as `Ready`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Whether it holds.
    pub status: ConditionStatus,
    /// Machine-readable reason in CamelCase, such as `Available`.
    #[serde(default)]
    pub reason: String,
    /// Human-readable detail.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// When the status last changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
    /// The generation of the object this condition was computed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

impl Condition {
    /// A condition with a type, status, reason and message, without time or generation.
    pub fn new(
        type_: impl Into<String>,
        status: ConditionStatus,
        reason: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Condition {
            type_: type_.into(),
            status,
            reason: reason.into(),
            message: message.into(),
            last_transition_time: None,
            observed_generation: None,
        }
    }
}

/// A list of conditions with at most one per type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Conditions(pub Vec<Condition>);

impl Conditions {
    /// The condition of a type, if present.
    pub fn get(&self, type_: &str) -> Option<&Condition> {
        self.0.iter().find(|c| c.type_ == type_)
    }

    /// Whether the condition of a type is present and True.
    pub fn is_true(&self, type_: &str) -> bool {
        self.get(type_)
            .is_some_and(|c| c.status == ConditionStatus::True)
    }

    /// Sets a condition, keeping `lastTransitionTime` when the status did not change.
    pub fn set(&mut self, mut condition: Condition) {
        match self.0.iter_mut().find(|c| c.type_ == condition.type_) {
            Some(existing) => {
                if existing.status == condition.status {
                    condition.last_transition_time = existing
                        .last_transition_time
                        .clone()
                        .or(condition.last_transition_time);
                }
                *existing = condition;
            }
            None => self.0.push(condition),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_transition_time_while_status_holds() {
        let mut conditions = Conditions::default();
        let mut first = Condition::new("Ready", ConditionStatus::False, "Creating", "");
        first.last_transition_time = Some("2026-01-01T00:00:00Z".into());
        conditions.set(first);
        let mut again = Condition::new("Ready", ConditionStatus::False, "Creating", "still");
        again.last_transition_time = Some("2026-01-02T00:00:00Z".into());
        conditions.set(again);
        let ready = conditions.get("Ready").unwrap();
        assert_eq!(ready.message, "still");
        assert_eq!(
            ready.last_transition_time.as_deref(),
            Some("2026-01-01T00:00:00Z")
        );
        conditions.set(Condition::new(
            "Ready",
            ConditionStatus::True,
            "Available",
            "",
        ));
        assert!(conditions.is_true("Ready"));
        assert_eq!(conditions.0.len(), 1);
    }
}
