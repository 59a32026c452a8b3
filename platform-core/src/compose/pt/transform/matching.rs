//! The `match` transform.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::super::error::ValidationError;
use super::super::gofmt::type_name;
use super::Pattern;

/// How a match pattern compares the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchPatternType {
    /// The input string equals `literal` (the default).
    #[default]
    Literal,
    /// The input string matches `regexp`.
    Regexp,
}

/// What a match transform returns when no pattern matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FallbackTo {
    /// Return `fallbackValue` (null when unset); the default.
    #[default]
    Value,
    /// Return the input unchanged.
    Input,
}

/// One pattern of a match transform.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchPattern {
    /// Literal (default) or regexp.
    #[serde(rename = "type", default)]
    pub kind: MatchPatternType,
    /// The string to compare with, for `literal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
    /// The regular expression, for `regexp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regexp: Option<Pattern>,
    /// The value returned when this pattern matches.
    #[serde(default)]
    pub result: Value,
}

/// Returns the result of the first matching pattern.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchTransform {
    /// Patterns, tried in order.
    #[serde(default)]
    pub patterns: Vec<MatchPattern>,
    /// Value returned when nothing matches (with `fallbackTo: Value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_value: Option<Value>,
    /// What to return when nothing matches.
    #[serde(default)]
    pub fallback_to: FallbackTo,
}

impl MatchPattern {
    fn validate(&self) -> Result<(), ValidationError> {
        match self.kind {
            MatchPatternType::Literal if self.literal.is_none() => Err(ValidationError::new(
                "literal",
                "required by pattern type literal",
            )),
            MatchPatternType::Regexp if self.regexp.is_none() => Err(ValidationError::new(
                "regexp",
                "required by pattern type regexp",
            )),
            _ => Ok(()),
        }
    }

    fn matches(&self, input: &Value) -> Result<bool, String> {
        let s = match input {
            Value::String(s) => s,
            Value::Null => return Err("unsupported input type 'null'".into()),
            other => return Err(format!("unsupported input type '{}'", type_name(other))),
        };
        match self.kind {
            MatchPatternType::Literal => match &self.literal {
                Some(l) => Ok(l == s),
                None => Err("literal is required by type literal".into()),
            },
            MatchPatternType::Regexp => match &self.regexp {
                Some(re) => Ok(re.regex().is_match(s)),
                None => Err("regexp is required by type regexp".into()),
            },
        }
    }
}

impl MatchTransform {
    /// Requires patterns, each with its literal/regexp, and not both fallbacks.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.patterns.is_empty() {
            return Err(ValidationError::new(
                "patterns",
                "at least one pattern must be specified",
            ));
        }
        for (i, p) in self.patterns.iter().enumerate() {
            p.validate()
                .map_err(|e| e.prefixed(&format!("patterns[{i}]")))?;
        }
        if self.fallback_to == FallbackTo::Input && self.fallback_value.is_some() {
            return Err(ValidationError::new(
                "fallbackValue",
                "cannot set both a fallback value and the fallback to input flag",
            ));
        }
        Ok(())
    }

    /// Returns the first matching pattern's result, else the fallback.
    pub fn apply(&self, input: &Value) -> Result<Value, String> {
        for (i, p) in self.patterns.iter().enumerate() {
            if p.matches(input)
                .map_err(|e| format!("cannot match pattern at index {i}: {e}"))?
            {
                return Ok(p.result.clone());
            }
        }
        match self.fallback_to {
            FallbackTo::Input => Ok(input.clone()),
            FallbackTo::Value => Ok(self.fallback_value.clone().unwrap_or(Value::Null)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Value) -> MatchTransform {
        let m: MatchTransform = serde_json::from_value(v).unwrap();
        m.validate().unwrap();
        m
    }

    #[test]
    fn literal_regexp_and_fallbacks() {
        let t = m(json!({
            "patterns": [
                {"type": "literal", "literal": "us-west", "result": "US"},
                {"type": "regexp", "regexp": "^eu-.*", "result": {"zone": "EU"}},
                {"literal": "default-type", "result": 3}
            ],
            "fallbackValue": "unknown"
        }));
        assert_eq!(t.apply(&json!("us-west")).unwrap(), json!("US"));
        assert_eq!(
            t.apply(&json!("eu-central-1")).unwrap(),
            json!({"zone": "EU"})
        );
        assert_eq!(t.apply(&json!("default-type")).unwrap(), json!(3));
        assert_eq!(t.apply(&json!("ap-south")).unwrap(), json!("unknown"));
        assert_eq!(
            t.apply(&json!(5)).unwrap_err(),
            "cannot match pattern at index 0: unsupported input type 'int64'"
        );
        assert_eq!(
            t.apply(&Value::Null).unwrap_err(),
            "cannot match pattern at index 0: unsupported input type 'null'"
        );

        let input = m(json!({
            "patterns": [{"type": "literal", "literal": "a", "result": "A"}],
            "fallbackTo": "Input"
        }));
        assert_eq!(input.apply(&json!("zzz")).unwrap(), json!("zzz"));

        let no_fallback =
            m(json!({"patterns": [{"type": "literal", "literal": "a", "result": "A"}]}));
        assert_eq!(no_fallback.apply(&json!("b")).unwrap(), Value::Null);
    }
}
