//! Transforms (`map`, `match`, `math`, `string`, `convert`) with Crossplane's YAML
//! schema, validated up front and applied in order to a patch's value.
//!
//! Difference from Crossplane (deliberate): integers stay integers. Crossplane
//! decodes every JSON number to `float64`; here `5` stays `5`, so `Multiply` of
//! integers gives an integer and `%d`/`%v`/`%s` print no `.0`.

mod convert;
mod map;
mod matching;
mod math;
mod string;

use std::borrow::Cow;
use std::fmt;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::error::{PatchError, TransformError, ValidationError};

pub use convert::{ConvertFormat, ConvertTransform, ConvertType};
pub use map::MapTransform;
pub use matching::{FallbackTo, MatchPattern, MatchPatternType, MatchTransform};
pub use math::{MathTransform, MathType};
pub use string::{
    StringConversion, StringJoin, StringRegexp, StringReplace, StringTransform, StringType,
};

/// A regular expression compiled when the composition is loaded.
#[derive(Clone)]
pub struct Pattern(Regex);

impl Pattern {
    /// Compiles a pattern.
    pub fn new(source: &str) -> Result<Self, regex::Error> {
        Regex::new(source).map(Self)
    }

    /// The compiled regular expression.
    pub fn regex(&self) -> &Regex {
        &self.0
    }

    /// The pattern's source text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.0.as_str())
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::new(&s)
            .map_err(|e| serde::de::Error::custom(format_args!("cannot compile regexp {s:?}: {e}")))
    }
}

/// The type of a transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransformType {
    /// Look the (string) input up in a map.
    Map,
    /// Match the input against literal or regexp patterns.
    Match,
    /// Arithmetic on numbers.
    Math,
    /// String operations.
    String,
    /// Type conversion.
    Convert,
}

impl TransformType {
    /// The lower-case name used in YAML and error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Map => "map",
            Self::Match => "match",
            Self::Math => "math",
            Self::String => "string",
            Self::Convert => "convert",
        }
    }
}

/// One transform of a patch's pipeline.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transform {
    /// The transform type; inferred from the one configuration present when absent.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<TransformType>,
    /// Configuration of a `map` transform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<MapTransform>,
    /// Configuration of a `match` transform.
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub matching: Option<MatchTransform>,
    /// Configuration of a `math` transform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub math: Option<MathTransform>,
    /// Configuration of a `string` transform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string: Option<StringTransform>,
    /// Configuration of a `convert` transform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convert: Option<ConvertTransform>,
}

impl Transform {
    /// The explicit type, or the type of the only configuration present.
    pub fn effective_type(&self) -> Option<TransformType> {
        if self.kind.is_some() {
            return self.kind;
        }
        let present = [
            (self.map.is_some(), TransformType::Map),
            (self.matching.is_some(), TransformType::Match),
            (self.math.is_some(), TransformType::Math),
            (self.string.is_some(), TransformType::String),
            (self.convert.is_some(), TransformType::Convert),
        ];
        let mut found = present.iter().filter(|(p, _)| *p).map(|(_, t)| *t);
        match (found.next(), found.next()) {
            (Some(t), None) => Some(t),
            _ => None,
        }
    }

    /// Checks the configuration; the error path is relative to the transform (e.g. `math.multiply`).
    pub fn validate(&self) -> Result<(), ValidationError> {
        let Some(kind) = self.effective_type() else {
            return Err(ValidationError::new("type", "required"));
        };
        let missing = || {
            ValidationError::new(
                kind.as_str(),
                format!(
                    "given transform type {} requires configuration",
                    kind.as_str()
                ),
            )
        };
        let res = match kind {
            TransformType::Map => self.map.as_ref().ok_or_else(missing)?.validate(),
            TransformType::Match => self.matching.as_ref().ok_or_else(missing)?.validate(),
            TransformType::Math => self.math.as_ref().ok_or_else(missing)?.validate(),
            TransformType::String => self.string.as_ref().ok_or_else(missing)?.validate(),
            TransformType::Convert => self.convert.as_ref().ok_or_else(missing)?.validate(),
        };
        res.map_err(|e| e.prefixed(kind.as_str()))
    }

    /// Applies the transform to `input`.
    pub fn apply(&self, input: &Value) -> Result<Value, TransformError> {
        let kind = self
            .effective_type()
            .ok_or_else(|| TransformError::Invalid("transform type is required".into()))?;
        let missing = || {
            TransformError::Invalid(format!(
                "given transform type {} requires configuration",
                kind.as_str()
            ))
        };
        let name = kind.as_str();
        let res = match kind {
            TransformType::Map => self.map.as_ref().ok_or_else(missing)?.apply(input),
            TransformType::Match => self.matching.as_ref().ok_or_else(missing)?.apply(input),
            TransformType::Math => self.math.as_ref().ok_or_else(missing)?.apply(input),
            TransformType::String => self.string.as_ref().ok_or_else(missing)?.apply(input),
            TransformType::Convert => self.convert.as_ref().ok_or_else(missing)?.apply(input),
        };
        res.map_err(|message| TransformError::resolve(name, message))
    }
}

/// Applies `transforms` in order; an error names the failing transform's index.
pub fn apply_transforms(transforms: &[Transform], input: &Value) -> Result<Value, PatchError> {
    let mut cur = Cow::Borrowed(input);
    for (index, t) in transforms.iter().enumerate() {
        let next = t
            .apply(&cur)
            .map_err(|source| PatchError::Transform { index, source })?;
        cur = Cow::Owned(next);
    }
    Ok(cur.into_owned())
}

/// Validates every transform of a list; paths look like `transforms[0].math.multiply`.
pub fn validate_transforms(transforms: &[Transform]) -> Result<(), ValidationError> {
    for (i, t) in transforms.iter().enumerate() {
        t.validate()
            .map_err(|e| e.prefixed(&format!("transforms[{i}]")))?;
    }
    Ok(())
}

/// Builds a JSON number from a float, failing on NaN and infinities.
fn float_value(f: f64) -> Result<Value, String> {
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| format!("result {f} is not a finite number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(v: Value) -> Transform {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn type_is_inferred_from_the_single_config() {
        let tr = t(json!({"math": {"multiply": 2}}));
        assert_eq!(tr.effective_type(), Some(TransformType::Math));
        assert_eq!(tr.apply(&json!(4)).unwrap(), json!(8));
        let none = t(json!({}));
        assert_eq!(none.validate().unwrap_err().to_string(), "type: required");
        let two = t(json!({"math": {"multiply": 2}, "map": {"a": 1}}));
        assert!(two.validate().is_err());
    }

    #[test]
    fn validation_paths() {
        let cases = [
            (
                json!({"type": "math", "math": {"type": "Multiply"}}),
                "math.multiply: required by math transform type Multiply",
            ),
            (
                json!({"type": "math"}),
                "math: given transform type math requires configuration",
            ),
            (
                json!({"type": "map", "map": {}}),
                "map: at least one pair must be specified",
            ),
            (
                json!({"type": "match", "match": {"patterns": []}}),
                "match.patterns: at least one pattern must be specified",
            ),
            (
                json!({"type": "match", "match": {"patterns": [{"type": "literal", "result": 1}]}}),
                "match.patterns[0].literal: required by pattern type literal",
            ),
            (
                json!({"type": "match", "match": {"patterns": [{"type": "literal", "literal": "a"}], "fallbackTo": "Input", "fallbackValue": 1}}),
                "match.fallbackValue: cannot set both a fallback value and the fallback to input flag",
            ),
            (
                json!({"type": "string", "string": {"type": "Format"}}),
                "string.fmt: required by string transform type Format",
            ),
            (
                json!({"type": "string", "string": {"type": "Replace", "replace": {"search": "", "replace": "x"}}}),
                "string.replace.search: must not be empty",
            ),
        ];
        for (v, want) in cases {
            let tr = t(v.clone());
            assert_eq!(tr.validate().unwrap_err().to_string(), want, "{v}");
        }
        let list = vec![
            t(json!({"type": "convert", "convert": {"toType": "string"}})),
            t(json!({"type": "math", "math": {"type": "ClampMin"}})),
        ];
        assert_eq!(
            validate_transforms(&list).unwrap_err().to_string(),
            "transforms[1].math.clampMin: required by math transform type ClampMin"
        );
    }

    #[test]
    fn invalid_regexps_fail_to_load() {
        let err = serde_json::from_value::<Transform>(json!({
            "type": "string", "string": {"type": "Regexp", "regexp": {"match": "("}}
        }))
        .unwrap_err();
        assert!(
            err.to_string().starts_with("cannot compile regexp \"(\""),
            "{err}"
        );
    }

    #[test]
    fn chain_reports_index() {
        let list = vec![
            t(json!({"type": "string", "string": {"type": "Convert", "convert": "ToUpper"}})),
            t(json!({"type": "map", "map": {"SMALL": "db.t3.small"}})),
            t(json!({"type": "map", "map": {"x": 1}})),
        ];
        assert_eq!(
            apply_transforms(&list[..2], &json!("small")).unwrap(),
            json!("db.t3.small")
        );
        assert_eq!(
            apply_transforms(&list, &json!("small"))
                .unwrap_err()
                .to_string(),
            "transform at index 2 returned error: map transform could not resolve: key db.t3.small is not found in map"
        );
        assert_eq!(apply_transforms(&[], &json!(1)).unwrap(), json!(1));
    }
}
