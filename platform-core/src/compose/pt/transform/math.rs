//! The `math` transform.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::super::error::ValidationError;
use super::super::gofmt::type_name;
use super::float_value;

/// The operation of a math transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MathType {
    /// Multiply the input by `multiply`.
    Multiply,
    /// Raise the input to at least `clampMin`.
    ClampMin,
    /// Lower the input to at most `clampMax`.
    ClampMax,
}

/// Arithmetic on a number.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MathTransform {
    /// The operation; when absent it is inferred from the one operand present
    /// (`Multiply` if none, the CRD default).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<MathType>,
    /// The factor of `Multiply`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiply: Option<i64>,
    /// The lower bound of `ClampMin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clamp_min: Option<i64>,
    /// The upper bound of `ClampMax`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clamp_max: Option<i64>,
}

impl MathTransform {
    /// The explicit or inferred operation.
    pub fn effective_type(&self) -> MathType {
        match self.kind {
            Some(k) => k,
            None if self.clamp_min.is_some() && self.multiply.is_none() => MathType::ClampMin,
            None if self.clamp_max.is_some() && self.multiply.is_none() => MathType::ClampMax,
            None => MathType::Multiply,
        }
    }

    /// Requires the operand of the operation.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let (field, present, name) = match self.effective_type() {
            MathType::Multiply => ("multiply", self.multiply.is_some(), "Multiply"),
            MathType::ClampMin => ("clampMin", self.clamp_min.is_some(), "ClampMin"),
            MathType::ClampMax => ("clampMax", self.clamp_max.is_some(), "ClampMax"),
        };
        if present {
            Ok(())
        } else {
            Err(ValidationError::new(
                field,
                format!("required by math transform type {name}"),
            ))
        }
    }

    /// Applies the operation; integers stay integers (overflow is an error).
    pub fn apply(&self, input: &Value) -> Result<Value, String> {
        let Value::Number(n) = input else {
            return Err(format!(
                "input is required to be a number for math transformer, got {}",
                type_name(input)
            ));
        };
        let int = n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from));
        let operand = |o: Option<i64>, name: &str| {
            o.ok_or_else(|| format!("{name} is required by type {:?}", self.effective_type()))
        };
        match self.effective_type() {
            MathType::Multiply => {
                let m = operand(self.multiply, "multiply")?;
                match int {
                    Some(i) => {
                        let product = i.checked_mul(i128::from(m));
                        product
                            .and_then(int_value)
                            .ok_or_else(|| format!("integer overflow multiplying {i} by {m}"))
                    }
                    None => float_value(n.as_f64().unwrap_or_default() * m as f64),
                }
            }
            MathType::ClampMin | MathType::ClampMax => {
                let min = self.effective_type() == MathType::ClampMin;
                let bound = if min {
                    operand(self.clamp_min, "clampMin")?
                } else {
                    operand(self.clamp_max, "clampMax")?
                };
                let beyond = match int {
                    Some(i) => {
                        if min {
                            i < i128::from(bound)
                        } else {
                            i > i128::from(bound)
                        }
                    }
                    None => {
                        let f = n.as_f64().unwrap_or_default();
                        if min {
                            f < bound as f64
                        } else {
                            f > bound as f64
                        }
                    }
                };
                Ok(if beyond {
                    Value::from(bound)
                } else {
                    input.clone()
                })
            }
        }
    }
}

fn int_value(i: i128) -> Option<Value> {
    if let Ok(v) = i64::try_from(i) {
        Some(Value::from(v))
    } else {
        u64::try_from(i).ok().map(Value::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Value) -> MathTransform {
        let m: MathTransform = serde_json::from_value(v).unwrap();
        m.validate().unwrap();
        m
    }

    #[test]
    fn multiply_keeps_integers() {
        let t = m(json!({"type": "Multiply", "multiply": 3}));
        assert_eq!(t.apply(&json!(5)).unwrap(), json!(15));
        assert!(t.apply(&json!(5)).unwrap().is_i64());
        assert_eq!(t.apply(&json!(1.5)).unwrap(), json!(4.5));
        assert_eq!(t.apply(&json!(-2)).unwrap(), json!(-6));
        assert_eq!(
            t.apply(&json!("5")).unwrap_err(),
            "input is required to be a number for math transformer, got string"
        );
        let big = m(json!({"multiply": 2}));
        assert_eq!(
            big.apply(&json!(i64::MAX)).unwrap(),
            json!(18446744073709551614u64)
        );
        assert!(
            big.apply(&json!(u64::MAX))
                .unwrap_err()
                .contains("overflow")
        );
        assert!(m(json!({"multiply": 2})).apply(&json!(1e308)).is_err());
    }

    #[test]
    fn clamps() {
        let min = m(json!({"type": "ClampMin", "clampMin": 10}));
        assert_eq!(min.apply(&json!(3)).unwrap(), json!(10));
        assert_eq!(min.apply(&json!(30)).unwrap(), json!(30));
        assert_eq!(min.apply(&json!(9.5)).unwrap(), json!(10));
        let max = m(json!({"clampMax": 10}));
        assert_eq!(max.effective_type(), MathType::ClampMax);
        assert_eq!(max.apply(&json!(30)).unwrap(), json!(10));
        assert_eq!(max.apply(&json!(10.5)).unwrap(), json!(10));
        assert_eq!(max.apply(&json!(2.5)).unwrap(), json!(2.5));
    }

    #[test]
    fn missing_operand() {
        let t: MathTransform = serde_json::from_value(json!({"type": "ClampMax"})).unwrap();
        assert_eq!(
            t.validate().unwrap_err().to_string(),
            "clampMax: required by math transform type ClampMax"
        );
        assert!(t.apply(&json!(1)).is_err());
    }
}
