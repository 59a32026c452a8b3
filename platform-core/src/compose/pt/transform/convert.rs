//! The `convert` transform.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::super::error::ValidationError;
use super::super::gofmt::{format_float_plain, type_name};
use super::super::quantity::{parse_quantity_f64, parse_quantity_i64};
use super::float_value;

/// The target type of a convert transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConvertType {
    /// A string.
    String,
    /// An integer (same as `int64`).
    Int,
    /// An integer.
    Int64,
    /// A boolean.
    Bool,
    /// A floating-point number.
    Float64,
    /// An object (from a JSON string, with `format: json`).
    Object,
    /// An array (from a JSON string, with `format: json`).
    Array,
}

impl ConvertType {
    fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Int | Self::Int64 => "int64",
            Self::Bool => "bool",
            Self::Float64 => "float64",
            Self::Object => "object",
            Self::Array => "array",
        }
    }
}

/// How a convert transform reads its (string) input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConvertFormat {
    /// Plain parsing (the default).
    #[default]
    None,
    /// A Kubernetes quantity such as `1Gi` or `500m`.
    Quantity,
    /// A JSON document.
    Json,
}

impl ConvertFormat {
    fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Quantity => "quantity",
            Self::Json => "json",
        }
    }
}

/// Converts the input to another type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConvertTransform {
    /// The target type.
    pub to_type: ConvertType,
    /// How to read the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ConvertFormat>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum From {
    String,
    Int,
    Bool,
    Float,
}

impl ConvertTransform {
    /// Always valid once deserialised (types and formats are checked by serde).
    pub fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    /// Converts `input`; unsupported pairs read like Crossplane's errors.
    pub fn apply(&self, input: &Value) -> Result<Value, String> {
        let format = self.format.unwrap_or_default();
        let (from, from_name) = match input {
            Value::String(_) => (From::String, "string"),
            Value::Bool(_) => (From::Bool, "bool"),
            Value::Number(n) if n.is_f64() => (From::Float, "float64"),
            Value::Number(_) => (From::Int, "int64"),
            other => return Err(format!("invalid input type {}", type_name(other))),
        };
        let to = self.to_type;
        let same = matches!(
            (from, to),
            (From::String, ConvertType::String)
                | (From::Int, ConvertType::Int | ConvertType::Int64)
                | (From::Bool, ConvertType::Bool)
                | (From::Float, ConvertType::Float64)
        );
        if same {
            return Ok(input.clone());
        }
        let unsupported = || {
            format!(
                "conversion from {from_name} to {} is not supported with format {}",
                to.name(),
                format.name()
            )
        };
        match (input, to, format) {
            (Value::String(s), ConvertType::Int | ConvertType::Int64, ConvertFormat::None) => s
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("strconv.ParseInt: parsing {s:?}: invalid syntax")),
            (Value::String(s), ConvertType::Int | ConvertType::Int64, ConvertFormat::Quantity) => {
                parse_quantity_i64(s).map(Value::from)
            }
            (Value::String(s), ConvertType::Bool, ConvertFormat::None) => match s.as_str() {
                "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(Value::Bool(true)),
                "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(Value::Bool(false)),
                _ => Err(format!("strconv.ParseBool: parsing {s:?}: invalid syntax")),
            },
            (Value::String(s), ConvertType::Float64, ConvertFormat::None) => s
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .ok_or_else(|| format!("strconv.ParseFloat: parsing {s:?}: invalid syntax"))
                .and_then(float_value),
            (Value::String(s), ConvertType::Float64, ConvertFormat::Quantity) => {
                parse_quantity_f64(s).and_then(float_value)
            }
            (Value::String(s), ConvertType::Object, ConvertFormat::Json) => {
                match serde_json::from_str::<Value>(s) {
                    Ok(v @ Value::Object(_)) => Ok(v),
                    Ok(other) => Err(format!(
                        "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                        type_name(&other)
                    )),
                    Err(e) => Err(format!("invalid JSON: {e}")),
                }
            }
            (Value::String(s), ConvertType::Array, ConvertFormat::Json) => {
                match serde_json::from_str::<Value>(s) {
                    Ok(v @ Value::Array(_)) => Ok(v),
                    Ok(other) => Err(format!(
                        "json: cannot unmarshal {} into Go value of type []interface {{}}",
                        type_name(&other)
                    )),
                    Err(e) => Err(format!("invalid JSON: {e}")),
                }
            }
            (Value::Number(n), ConvertType::String, ConvertFormat::None) => {
                Ok(Value::String(match (n.as_i64(), n.as_u64()) {
                    (Some(i), _) => i.to_string(),
                    (None, Some(u)) => u.to_string(),
                    _ => format_float_plain(n.as_f64().unwrap_or_default()),
                }))
            }
            (Value::Number(n), ConvertType::Bool, ConvertFormat::None) => {
                Ok(Value::Bool(match n.as_i64() {
                    Some(i) if from == From::Int => i == 1,
                    _ => n.as_f64() == Some(1.0),
                }))
            }
            (Value::Number(n), ConvertType::Float64, ConvertFormat::None) => {
                float_value(n.as_f64().unwrap_or_default())
            }
            (Value::Number(n), ConvertType::Int | ConvertType::Int64, ConvertFormat::None) => {
                // Only floats get here; Go truncates toward zero.
                let f = n.as_f64().unwrap_or_default().trunc();
                if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
                    Ok(Value::from(f as i64))
                } else {
                    Err(format!(
                        "{} is out of range for int64",
                        format_float_plain(f)
                    ))
                }
            }
            (Value::Bool(b), ConvertType::String, ConvertFormat::None) => {
                Ok(Value::String(b.to_string()))
            }
            (Value::Bool(b), ConvertType::Int | ConvertType::Int64, ConvertFormat::None) => {
                Ok(Value::from(i64::from(*b)))
            }
            (Value::Bool(b), ConvertType::Float64, ConvertFormat::None) => {
                float_value(if *b { 1.0 } else { 0.0 })
            }
            _ => Err(unsupported()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn c(to: &str, format: Option<&str>, input: Value) -> Result<Value, String> {
        let mut v = json!({"toType": to});
        if let Some(f) = format {
            v["format"] = json!(f);
        }
        let t: ConvertTransform = serde_json::from_value(v).unwrap();
        t.validate().unwrap();
        t.apply(&input)
    }

    #[test]
    fn conversions_table() {
        let ok: Vec<(&str, Option<&str>, Value, Value)> = vec![
            ("int64", None, json!("42"), json!(42)),
            ("int", None, json!("-7"), json!(-7)),
            ("bool", None, json!("true"), json!(true)),
            ("bool", None, json!("F"), json!(false)),
            ("float64", None, json!("1.5"), json!(1.5)),
            (
                "float64",
                Some("quantity"),
                json!("1Gi"),
                json!(1073741824.0),
            ),
            ("float64", Some("quantity"), json!("500m"), json!(0.5)),
            ("int64", Some("quantity"), json!("1Gi"), json!(1073741824)),
            ("object", Some("json"), json!(r#"{"a":1}"#), json!({"a": 1})),
            ("array", Some("json"), json!(r#"[1,"b"]"#), json!([1, "b"])),
            ("string", None, json!(42), json!("42")),
            ("string", None, json!(2.5), json!("2.5")),
            ("string", None, json!(1e21), json!("1000000000000000000000")),
            ("bool", None, json!(1), json!(true)),
            ("bool", None, json!(2), json!(false)),
            ("bool", None, json!(1.0), json!(true)),
            ("float64", None, json!(3), json!(3.0)),
            ("int64", None, json!(3.9), json!(3)),
            ("int64", None, json!(-3.9), json!(-3)),
            ("string", None, json!(true), json!("true")),
            ("int64", None, json!(true), json!(1)),
            ("float64", None, json!(false), json!(0.0)),
            ("string", None, json!("same"), json!("same")),
            ("int", None, json!(5), json!(5)),
        ];
        for (to, format, input, want) in ok {
            let got = c(to, format, input.clone()).unwrap();
            assert_eq!(got, want, "{input} to {to} ({format:?})");
            assert_eq!(
                got.is_f64(),
                want.is_f64(),
                "number kind of {input} to {to}"
            );
        }
    }

    #[test]
    fn conversion_errors() {
        let cases: Vec<(&str, Option<&str>, Value, &str)> = vec![
            (
                "int64",
                None,
                json!("abc"),
                "strconv.ParseInt: parsing \"abc\": invalid syntax",
            ),
            (
                "bool",
                None,
                json!("yes"),
                "strconv.ParseBool: parsing \"yes\": invalid syntax",
            ),
            (
                "object",
                None,
                json!("{}"),
                "conversion from string to object is not supported with format none",
            ),
            (
                "object",
                Some("json"),
                json!(true),
                "conversion from bool to object is not supported with format json",
            ),
            (
                "float64",
                Some("quantity"),
                json!("1Gb"),
                super::super::super::quantity::QUANTITY_FORMAT_ERROR,
            ),
            ("string", None, json!(null), "invalid input type <nil>"),
            (
                "string",
                None,
                json!({"a": 1}),
                "invalid input type map[string]interface {}",
            ),
            (
                "array",
                Some("json"),
                json!("{}"),
                "json: cannot unmarshal map[string]interface {} into Go value of type []interface {}",
            ),
        ];
        for (to, format, input, want) in cases {
            assert_eq!(
                c(to, format, input.clone()).unwrap_err(),
                want,
                "{input} to {to}"
            );
        }
        assert!(serde_json::from_value::<ConvertTransform>(json!({"toType": "decimal"})).is_err());
    }
}
