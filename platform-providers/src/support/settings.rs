//! Adapter settings from a config: `${env:NAME}` in any string, typed with unknown keys refused.
//!
//! ```
//! use platform_providers::support::settings::expand_env;
//! // PATH stands in for a variable such as PG_PASSWORD.
//! let raw = serde_json::json!({"url": "postgres://app:${env:PATH}@db/postgres"});
//! let expanded = expand_env(&raw).unwrap();
//! let path = std::env::var("PATH").unwrap();
//! assert_eq!(expanded["url"], format!("postgres://app:{path}@db/postgres"));
//! ```

use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why an adapter's settings cannot be used. Never holds a setting's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("settings of the {adapter} adapter: {message}")]
pub struct SettingsError {
    /// The adapter, such as `postgres`.
    pub adapter: String,
    /// What is wrong, naming the key.
    pub message: String,
}

impl SettingsError {
    /// An error of `adapter`'s settings.
    pub fn new(adapter: &str, message: impl Into<String>) -> Self {
        SettingsError {
            adapter: adapter.to_owned(),
            message: message.into(),
        }
    }
}

/// `value` with every `${env:NAME}` in its strings replaced by the environment variable NAME.
/// A variable that is not set is an error naming it and the key it was used in.
pub fn expand_env(value: &Value) -> Result<Value, String> {
    expand_at("", value)
}

fn expand_at(path: &str, value: &Value) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => Value::String(expand_string(s).map_err(|e| {
            if path.is_empty() {
                e
            } else {
                format!("{path}: {e}")
            }
        })?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| expand_at(&format!("{path}[{i}]"), v))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let child = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    Ok((k.clone(), expand_at(&child, v)?))
                })
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// One string with `${env:NAME}` replaced.
pub fn expand_string(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${env:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 6..];
        let Some(end) = after.find('}') else {
            return Err(format!(
                "expected `}}` closing `${{env:` in {:?}",
                &rest[start..].chars().take(40).collect::<String>()
            ));
        };
        let name = &after[..end];
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!(
                "expected an environment variable name (letters, digits, '_') in `${{env:...}}`, found {name:?}"
            ));
        }
        match std::env::var(name) {
            Ok(v) => out.push_str(&v),
            Err(_) => return Err(format!("environment variable {name} is not set")),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Typed settings of `adapter` from a config value: `${env:NAME}` expanded, unknown keys
/// refused (give `T` `#[serde(deny_unknown_fields)]`), a missing value (null) taken as `{}`.
pub fn parse<T: DeserializeOwned>(adapter: &str, value: &Value) -> Result<T, SettingsError> {
    let value = if value.is_null() {
        Value::Object(Default::default())
    } else {
        value.clone()
    };
    let expanded = expand_env(&value).map_err(|e| SettingsError::new(adapter, e))?;
    // serde_json's messages name fields and expected types, never the values given.
    serde_json::from_value(expanded).map_err(|e| SettingsError::new(adapter, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_expand_and_missing_variables_are_named() {
        // PATH is set in every test environment.
        let path = std::env::var("PATH").unwrap();
        let v = expand_env(&json!({"a": ["x${env:PATH}y"], "n": 3})).unwrap();
        assert_eq!(v, json!({"a": [format!("x{path}y")], "n": 3}));
        let e = expand_env(&json!({"url": "${env:PLATFORM_SURELY_UNSET_VAR}"})).unwrap_err();
        assert_eq!(
            e,
            "url: environment variable PLATFORM_SURELY_UNSET_VAR is not set"
        );
        let e = expand_string("${env:bad name}").unwrap_err();
        assert!(e.contains("found \"bad name\""), "{e}");
        assert!(expand_string("${env:OPEN").unwrap_err().contains("closing"));
        assert_eq!(expand_string("no placeholders").unwrap(), "no placeholders");
    }

    #[test]
    fn unknown_keys_are_refused_without_showing_values() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct S {
            url: String,
        }
        let e = parse::<S>("postgres", &json!({"url": "x", "pasword": "hunter22"})).unwrap_err();
        assert!(e.to_string().contains("unknown field `pasword`"), "{e}");
        assert!(!e.to_string().contains("hunter22"));
        let e = parse::<S>("postgres", &Value::Null).unwrap_err();
        assert!(e.to_string().contains("missing field `url`"), "{e}");
    }
}
