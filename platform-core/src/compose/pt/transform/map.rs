//! The `map` transform.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::super::error::ValidationError;
use super::super::gofmt::type_name;

/// Maps a string input to the value stored under it (`map: {small: db.t3.small}`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MapTransform {
    /// The key/value pairs.
    pub pairs: Map<String, Value>,
}

impl MapTransform {
    /// Requires at least one pair.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.pairs.is_empty() {
            return Err(ValidationError::new(
                "",
                "at least one pair must be specified",
            ));
        }
        Ok(())
    }

    /// Looks the input up; non-string inputs and unknown keys are errors.
    pub fn apply(&self, input: &Value) -> Result<Value, String> {
        match input {
            Value::String(key) => self
                .pairs
                .get(key)
                .cloned()
                .ok_or_else(|| format!("key {key} is not found in map")),
            other => Err(format!(
                "type {} is not supported for map transform",
                type_name(other)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn map_lookup() {
        let m: MapTransform =
            serde_json::from_value(json!({"small": "db.t3.small", "big": {"cpu": 4}})).unwrap();
        assert_eq!(m.apply(&json!("small")).unwrap(), json!("db.t3.small"));
        assert_eq!(m.apply(&json!("big")).unwrap(), json!({"cpu": 4}));
        assert_eq!(
            m.apply(&json!("large")).unwrap_err(),
            "key large is not found in map"
        );
        assert_eq!(
            m.apply(&json!(3)).unwrap_err(),
            "type int64 is not supported for map transform"
        );
        assert!(MapTransform::default().validate().is_err());
    }
}
