//! `_envops`: the Jinja environment options a template may set.

use serde_json::Value;

/// Delimiters and whitespace options of the Jinja environment; copier's defaults are Jinja's
/// with `keep_trailing_newline` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envops {
    /// `block_start_string` and `block_end_string`.
    pub block: (String, String),
    /// `variable_start_string` and `variable_end_string`.
    pub variable: (String, String),
    /// `comment_start_string` and `comment_end_string`.
    pub comment: (String, String),
    /// `keep_trailing_newline`.
    pub keep_trailing_newline: bool,
    /// `trim_blocks`.
    pub trim_blocks: bool,
    /// `lstrip_blocks`.
    pub lstrip_blocks: bool,
    /// `line_statement_prefix`.
    pub line_statement_prefix: Option<String>,
    /// `line_comment_prefix`.
    pub line_comment_prefix: Option<String>,
}

impl Default for Envops {
    fn default() -> Self {
        Self {
            block: ("{%".into(), "%}".into()),
            variable: ("{{".into(), "}}".into()),
            comment: ("{#".into(), "#}".into()),
            keep_trailing_newline: true,
            trim_blocks: false,
            lstrip_blocks: false,
            line_statement_prefix: None,
            line_comment_prefix: None,
        }
    }
}

impl Envops {
    /// Reads the `_envops` mapping.
    pub fn from_value(value: &Value) -> Result<Self, String> {
        let mut envops = Self::default();
        let Value::Object(map) = value else {
            return Err(format!("expected a mapping, found {value}"));
        };
        for (key, value) in map {
            let text = || {
                value
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{key}: expected a string, found {value}"))
            };
            let flag = || {
                value
                    .as_bool()
                    .ok_or_else(|| format!("{key}: expected true or false, found {value}"))
            };
            match key.as_str() {
                "block_start_string" => envops.block.0 = text()?,
                "block_end_string" => envops.block.1 = text()?,
                "variable_start_string" => envops.variable.0 = text()?,
                "variable_end_string" => envops.variable.1 = text()?,
                "comment_start_string" => envops.comment.0 = text()?,
                "comment_end_string" => envops.comment.1 = text()?,
                "keep_trailing_newline" => envops.keep_trailing_newline = flag()?,
                "trim_blocks" => envops.trim_blocks = flag()?,
                "lstrip_blocks" => envops.lstrip_blocks = flag()?,
                "line_statement_prefix" => envops.line_statement_prefix = Some(text()?),
                "line_comment_prefix" => envops.line_comment_prefix = Some(text()?),
                // `autoescape` and the like do not apply to the files a template writes.
                _ => {}
            }
        }
        Ok(envops)
    }
}
