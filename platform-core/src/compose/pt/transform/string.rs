//! The `string` transform.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::super::error::ValidationError;
use super::super::gofmt::{GoFormat, format_v, to_go_json, type_name};
use super::Pattern;

/// The operation of a string transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StringType {
    /// Format the input with a Go format string (`fmt`).
    Format,
    /// Convert the input (`convert`).
    Convert,
    /// Remove a prefix (`trim`).
    TrimPrefix,
    /// Remove a suffix (`trim`).
    TrimSuffix,
    /// Extract a regexp match or capture group (`regexp`).
    Regexp,
    /// Join an array's elements (`join`).
    Join,
    /// Replace every occurrence of a string (`replace`).
    Replace,
}

/// The conversion of a `Convert` string transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StringConversion {
    /// Upper-case.
    ToUpper,
    /// Lower-case.
    ToLower,
    /// Standard base64 encoding.
    ToBase64,
    /// Standard base64 decoding.
    FromBase64,
    /// JSON encoding of the input value.
    #[serde(alias = "ToJSON")]
    ToJson,
    /// Hex SHA-1 of the input.
    #[serde(alias = "ToSHA1")]
    ToSha1,
    /// Hex SHA-256 of the input.
    #[serde(alias = "ToSHA256")]
    ToSha256,
    /// Hex SHA-512 of the input.
    #[serde(alias = "ToSHA512")]
    ToSha512,
    /// Decimal Adler-32 checksum of the input.
    ToAdler32,
}

/// Configuration of a `Regexp` string transform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StringRegexp {
    /// The regular expression.
    #[serde(rename = "match")]
    pub pattern: Pattern,
    /// The capture group to return; 0 (the whole match) by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<usize>,
}

/// Configuration of a `Join` string transform.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StringJoin {
    /// Put between elements.
    #[serde(default)]
    pub separator: String,
}

/// Configuration of a `Replace` string transform.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StringReplace {
    /// The text to look for.
    #[serde(default)]
    pub search: String,
    /// Its replacement.
    #[serde(default)]
    pub replace: String,
}

/// String operations; the input is first printed like Go's `%v` unless noted.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StringTransform {
    /// The operation; inferred from the configuration present when absent.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<StringType>,
    /// Format string of `Format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fmt: Option<GoFormat>,
    /// Conversion of `Convert`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convert: Option<StringConversion>,
    /// Prefix or suffix of `TrimPrefix` / `TrimSuffix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trim: Option<String>,
    /// Configuration of `Regexp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regexp: Option<StringRegexp>,
    /// Configuration of `Join`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<StringJoin>,
    /// Configuration of `Replace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace: Option<StringReplace>,
}

/// Adler-32 checksum (RFC 1950).
pub fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5_552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Bytes hashed for an input: a string's own bytes, anything else its Go JSON.
fn hash_input(input: &Value) -> Vec<u8> {
    match input {
        Value::String(s) => s.as_bytes().to_vec(),
        other => to_go_json(other).into_bytes(),
    }
}

impl StringTransform {
    /// The explicit or inferred operation.
    pub fn effective_type(&self) -> Option<StringType> {
        if self.kind.is_some() {
            return self.kind;
        }
        if self.fmt.is_some() {
            Some(StringType::Format)
        } else if self.convert.is_some() {
            Some(StringType::Convert)
        } else if self.regexp.is_some() {
            Some(StringType::Regexp)
        } else if self.join.is_some() {
            Some(StringType::Join)
        } else if self.replace.is_some() {
            Some(StringType::Replace)
        } else {
            None
        }
    }

    /// Requires the configuration of the operation.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let Some(kind) = self.effective_type() else {
            return Err(ValidationError::new(
                "type",
                "string transform type is required",
            ));
        };
        let (field, present) = match kind {
            StringType::Format => ("fmt", self.fmt.is_some()),
            StringType::Convert => ("convert", self.convert.is_some()),
            StringType::TrimPrefix | StringType::TrimSuffix => ("trim", self.trim.is_some()),
            StringType::Regexp => ("regexp", self.regexp.is_some()),
            StringType::Join => ("join", self.join.is_some()),
            StringType::Replace => ("replace", self.replace.is_some()),
        };
        if !present {
            return Err(ValidationError::new(
                field,
                format!("required by string transform type {kind:?}"),
            ));
        }
        if let (StringType::Replace, Some(r)) = (kind, &self.replace)
            && r.search.is_empty()
        {
            return Err(ValidationError::new("replace.search", "must not be empty"));
        }
        Ok(())
    }

    /// Applies the operation; the result is always a string.
    pub fn apply(&self, input: &Value) -> Result<Value, String> {
        let kind = self
            .effective_type()
            .ok_or_else(|| "string transform type is required".to_string())?;
        let missing = || format!("string transform of type {kind:?} is not configured");
        let out = match kind {
            StringType::Format => self.fmt.as_ref().ok_or_else(missing)?.format(&[input]),
            StringType::Convert => convert(self.convert.ok_or_else(missing)?, input)?,
            StringType::TrimPrefix => {
                let trim = self.trim.as_deref().ok_or_else(missing)?;
                let s = format_v(input);
                s.strip_prefix(trim).map(str::to_string).unwrap_or(s)
            }
            StringType::TrimSuffix => {
                let trim = self.trim.as_deref().ok_or_else(missing)?;
                let s = format_v(input);
                s.strip_suffix(trim).map(str::to_string).unwrap_or(s)
            }
            StringType::Regexp => {
                let r = self.regexp.as_ref().ok_or_else(missing)?;
                let group = r.group.unwrap_or(0);
                let s = format_v(input);
                let caps = r.pattern.regex().captures(&s);
                match caps {
                    Some(caps) if group < caps.len() => caps
                        .get(group)
                        .map(|m| m.as_str().to_string())
                        .unwrap_or_default(),
                    _ => {
                        return Err(format!(
                            "regexp {:?} had no matches for group {group}",
                            r.pattern.as_str()
                        ));
                    }
                }
            }
            StringType::Join => {
                let j = self.join.as_ref().ok_or_else(missing)?;
                let Value::Array(items) = input else {
                    return Err(format!(
                        "input is required to be an array for join, got {}",
                        type_name(input)
                    ));
                };
                items
                    .iter()
                    .map(format_v)
                    .collect::<Vec<_>>()
                    .join(&j.separator)
            }
            StringType::Replace => {
                let r = self.replace.as_ref().ok_or_else(missing)?;
                let s = format_v(input);
                if r.search.is_empty() {
                    s
                } else {
                    s.replace(&r.search, &r.replace)
                }
            }
        };
        Ok(Value::String(out))
    }
}

fn convert(conversion: StringConversion, input: &Value) -> Result<String, String> {
    Ok(match conversion {
        StringConversion::ToUpper => format_v(input).to_uppercase(),
        StringConversion::ToLower => format_v(input).to_lowercase(),
        StringConversion::ToBase64 => STANDARD.encode(format_v(input)),
        StringConversion::FromBase64 => {
            let bytes = STANDARD
                .decode(format_v(input))
                .map_err(|e| format!("string is not valid base64: {e}"))?;
            String::from_utf8_lossy(&bytes).into_owned()
        }
        StringConversion::ToJson => to_go_json(input),
        StringConversion::ToSha1 => hex(&Sha1::digest(hash_input(input))),
        StringConversion::ToSha256 => hex(&Sha256::digest(hash_input(input))),
        StringConversion::ToSha512 => hex(&Sha512::digest(hash_input(input))),
        StringConversion::ToAdler32 => adler32(&hash_input(input)).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(v: Value) -> StringTransform {
        let t: StringTransform = serde_json::from_value(v).unwrap();
        t.validate().unwrap();
        t
    }

    fn conv(c: &str, input: Value) -> Value {
        s(json!({"type": "Convert", "convert": c}))
            .apply(&input)
            .unwrap()
    }

    #[test]
    fn format() {
        let t = s(json!({"type": "Format", "fmt": "db-%s-%d"}));
        assert_eq!(t.apply(&json!("x")).unwrap(), json!("db-x-%!d(MISSING)"));
        let t = s(json!({"fmt": "size-%d"}));
        assert_eq!(t.apply(&json!(20)).unwrap(), json!("size-20"));
        let t = s(json!({"fmt": "%v GB"}));
        assert_eq!(t.apply(&json!(20)).unwrap(), json!("20 GB"));
        assert_eq!(t.apply(&json!(2.5)).unwrap(), json!("2.5 GB"));
    }

    #[test]
    fn hashes_match_python_hashlib_and_zlib() {
        // Expected values computed with python3 hashlib / zlib.adler32.
        assert_eq!(
            conv("ToSha1", json!("hello")),
            json!("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
        );
        assert_eq!(
            conv("ToSha256", json!("hello")),
            json!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        );
        assert_eq!(
            conv("ToSha512", json!("hello")),
            json!(
                "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"
            )
        );
        assert_eq!(conv("ToAdler32", json!("hello")), json!("103547413"));
        assert_eq!(conv("ToAdler32", json!("crossplane")), json!("394069051"));
        assert_eq!(conv("ToAdler32", json!("")), json!("1"));
        assert_eq!(
            conv("ToSha1", json!("")),
            json!("da39a3ee5e6b4b0d3255bfef95601890afd80709")
        );
        assert_eq!(
            conv("ToSha256", json!("crossplane")),
            json!("de727ce20dac518d68733542fa57d4b82bed9714d6567a9cfd1cffabd6725830")
        );
        // Non-strings are hashed as their (Go, key-sorted) JSON.
        assert_eq!(
            conv("ToSha256", json!({"b": 1, "a": "x"})),
            json!("cdab067e9f3beb32d1252cfd63e492592fecbf591b0d08cadb24bb17f3864246")
        );
        assert_eq!(
            conv("ToSha1", json!(42)),
            json!("92cfceb39d57d914ed8b14d0e37643de0797ae56")
        );
        assert_eq!(
            conv("ToAdler32", json!({"b": 1, "a": "x"})),
            json!("515769297")
        );
        assert_eq!(adler32(&vec![0xffu8; 100_000]), {
            // Reference computed by the straightforward modulo-per-byte definition.
            let (mut a, mut b) = (1u64, 0u64);
            for _ in 0..100_000 {
                a = (a + 0xff) % 65_521;
                b = (b + a) % 65_521;
            }
            u32::try_from((b << 16) | a).unwrap()
        });
    }

    #[test]
    fn base64_both_ways_and_case() {
        assert_eq!(
            conv("ToBase64", json!("crossplane is fun")),
            json!("Y3Jvc3NwbGFuZSBpcyBmdW4=")
        );
        assert_eq!(
            conv("FromBase64", json!("Y3Jvc3NwbGFuZSBpcyBmdW4=")),
            json!("crossplane is fun")
        );
        let bad = s(json!({"type": "Convert", "convert": "FromBase64"})).apply(&json!("!!"));
        assert!(bad.unwrap_err().starts_with("string is not valid base64"));
        assert_eq!(conv("ToUpper", json!("abc")), json!("ABC"));
        assert_eq!(conv("ToLower", json!("ABC")), json!("abc"));
        assert_eq!(conv("ToUpper", json!(true)), json!("TRUE"));
        assert_eq!(
            conv("ToJson", json!({"b": [1, 2.5], "a": null})),
            json!(r#"{"a":null,"b":[1,2.5]}"#)
        );
        assert_eq!(conv("ToJSON", json!("x")), json!(r#""x""#));
    }

    #[test]
    fn trim_regexp_join_replace() {
        let t = s(json!({"type": "TrimPrefix", "trim": "arn:"}));
        assert_eq!(t.apply(&json!("arn:aws:x")).unwrap(), json!("aws:x"));
        let t = s(json!({"type": "TrimSuffix", "trim": "-prod"}));
        assert_eq!(t.apply(&json!("db-prod")).unwrap(), json!("db"));
        assert_eq!(t.apply(&json!("db")).unwrap(), json!("db"));
        let t =
            s(json!({"type": "Regexp", "regexp": {"match": "arn:aws:iam::(\\d+):.*", "group": 1}}));
        assert_eq!(
            t.apply(&json!("arn:aws:iam::42:role/x")).unwrap(),
            json!("42")
        );
        assert_eq!(
            t.apply(&json!("nope")).unwrap_err(),
            r#"regexp "arn:aws:iam::(\\d+):.*" had no matches for group 1"#
        );
        let whole = s(json!({"regexp": {"match": "[0-9]+"}}));
        assert_eq!(whole.apply(&json!("abc123def")).unwrap(), json!("123"));
        let t = s(json!({"type": "Join", "join": {"separator": ","}}));
        assert_eq!(t.apply(&json!(["a", 1, true])).unwrap(), json!("a,1,true"));
        assert_eq!(
            t.apply(&json!("a")).unwrap_err(),
            "input is required to be an array for join, got string"
        );
        let t = s(json!({"type": "Replace", "replace": {"search": "-", "replace": "_"}}));
        assert_eq!(t.apply(&json!("a-b-c")).unwrap(), json!("a_b_c"));
    }

    #[test]
    fn validation() {
        let t: StringTransform = serde_json::from_value(json!({"type": "Regexp"})).unwrap();
        assert_eq!(
            t.validate().unwrap_err().to_string(),
            "regexp: required by string transform type Regexp"
        );
        let t: StringTransform = serde_json::from_value(json!({})).unwrap();
        assert_eq!(
            t.validate().unwrap_err().to_string(),
            "type: string transform type is required"
        );
    }
}
