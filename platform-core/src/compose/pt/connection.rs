//! Connection details a composed resource contributes to the composite.
//!
//! Only details copied from the composed resource's connection secret
//! (`fromConnectionSecretKey`) are secrets: they are what a provider hands out as secret. A
//! detail read from a field or given as a value is plain data, and the renderer makes it one of
//! the composite's outputs instead (Crossplane puts both into the connection secret).
//!
//! When `type` is absent it is inferred as Crossplane's migration does:
//! `fromConnectionSecretKey` wins over `fromFieldPath`, which wins over `value`;
//! a `FromConnectionSecretKey` detail without `name` uses the key as name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ValidationError;
use super::fieldpath::FieldPath;
use super::gofmt::to_go_json;

/// The kind of a connection detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConnectionDetailType {
    /// Copy a key of the composed resource's connection secret.
    FromConnectionSecretKey,
    /// Read a field of the observed composed resource.
    FromFieldPath,
    /// A fixed value.
    FromValue,
}

/// One connection detail.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDetail {
    /// Key in the composite's connection secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The kind; inferred when absent.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ConnectionDetailType>,
    /// Key of the composed resource's connection secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_connection_secret_key: Option<String>,
    /// Field of the observed composed resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_field_path: Option<FieldPath>,
    /// Fixed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl ConnectionDetail {
    /// The explicit or inferred kind.
    pub fn effective_type(&self) -> Option<ConnectionDetailType> {
        if self.kind.is_some() {
            self.kind
        } else if self.from_connection_secret_key.is_some() {
            Some(ConnectionDetailType::FromConnectionSecretKey)
        } else if self.from_field_path.is_some() {
            Some(ConnectionDetailType::FromFieldPath)
        } else if self.value.is_some() {
            Some(ConnectionDetailType::FromValue)
        } else {
            None
        }
    }

    /// The explicit name, or the secret key for `FromConnectionSecretKey`.
    pub fn effective_name(&self) -> Option<&str> {
        match (&self.name, self.effective_type()) {
            (Some(n), _) if !n.is_empty() => Some(n),
            (_, Some(ConnectionDetailType::FromConnectionSecretKey)) => {
                self.from_connection_secret_key.as_deref()
            }
            _ => None,
        }
    }

    /// Checks the detail; paths are relative to it.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let Some(kind) = self.effective_type() else {
            return Err(ValidationError::new(
                "type",
                "connection detail type is required",
            ));
        };
        if self.effective_name().is_none() {
            return Err(ValidationError::new("name", "name is required"));
        }
        let (field, present) = match kind {
            ConnectionDetailType::FromValue => ("value", self.value.is_some()),
            ConnectionDetailType::FromConnectionSecretKey => (
                "fromConnectionSecretKey",
                self.from_connection_secret_key.is_some(),
            ),
            ConnectionDetailType::FromFieldPath => (
                "fromFieldPath",
                self.from_field_path.as_ref().is_some_and(|p| !p.is_empty()),
            ),
        };
        if present {
            Ok(())
        } else {
            Err(ValidationError::new(
                field,
                format!("required by connection detail type {kind:?}"),
            ))
        }
    }

    /// Whether the detail is a secret: copied from the composed resource's connection secret.
    pub fn is_secret(&self) -> bool {
        self.effective_type() == Some(ConnectionDetailType::FromConnectionSecretKey)
    }

    /// The `(name, value)` of a detail that is not secret, as JSON (a field keeps its type),
    /// if its source exists.
    pub fn extract_plain(&self, observed: &Value) -> Option<(String, Value)> {
        let name = self.effective_name()?.to_string();
        let value = match self.effective_type()? {
            ConnectionDetailType::FromConnectionSecretKey => return None,
            ConnectionDetailType::FromValue => Value::String(self.value.clone()?),
            ConnectionDetailType::FromFieldPath => {
                self.from_field_path.as_ref()?.get(observed)?.clone()
            }
        };
        Some((name, value))
    }

    /// The `(name, value)` this detail yields, if its source exists.
    ///
    /// A field that is not a string is JSON-encoded, as Crossplane does.
    pub fn extract(
        &self,
        observed: &Value,
        secret: &BTreeMap<String, String>,
    ) -> Option<(String, String)> {
        let name = self.effective_name()?.to_string();
        let value = match self.effective_type()? {
            ConnectionDetailType::FromValue => self.value.clone()?,
            ConnectionDetailType::FromConnectionSecretKey => secret
                .get(self.from_connection_secret_key.as_deref()?)?
                .clone(),
            ConnectionDetailType::FromFieldPath => {
                match self.from_field_path.as_ref()?.get(observed)? {
                    Value::String(s) => s.clone(),
                    other => to_go_json(other),
                }
            }
        };
        Some((name, value))
    }
}

/// Extracts every detail whose source exists; later details overwrite earlier ones.
pub fn extract_connection_details(
    details: &[ConnectionDetail],
    observed: &Value,
    secret: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    details
        .iter()
        .filter_map(|d| d.extract(observed, secret))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn details(v: Value) -> Vec<ConnectionDetail> {
        let d: Vec<ConnectionDetail> = serde_json::from_value(v).unwrap();
        d.iter().for_each(|d| d.validate().unwrap());
        d
    }

    #[test]
    fn each_type_and_inference() {
        let d = details(json!([
            {"type": "FromConnectionSecretKey", "name": "password", "fromConnectionSecretKey": "attribute.password"},
            {"fromConnectionSecretKey": "username"},
            {"name": "host", "fromFieldPath": "status.atProvider.address"},
            {"name": "port", "type": "FromFieldPath", "fromFieldPath": "status.atProvider.port"},
            {"name": "tags", "fromFieldPath": "spec.tags"},
            {"name": "engine", "value": "postgres"},
            {"name": "missing", "fromFieldPath": "status.nope"},
            {"name": "nokey", "fromConnectionSecretKey": "nokey"}
        ]));
        assert_eq!(
            d[1].effective_type(),
            Some(ConnectionDetailType::FromConnectionSecretKey)
        );
        assert_eq!(d[1].effective_name(), Some("username"));
        assert_eq!(
            d[2].effective_type(),
            Some(ConnectionDetailType::FromFieldPath)
        );
        assert_eq!(d[5].effective_type(), Some(ConnectionDetailType::FromValue));
        let observed = json!({
            "spec": {"tags": {"b": 1, "a": "x"}},
            "status": {"atProvider": {"address": "db.example.org", "port": 5432}}
        });
        let secret: BTreeMap<String, String> = [
            ("attribute.password".to_string(), "s3cr3t".to_string()),
            ("username".to_string(), "admin".to_string()),
        ]
        .into();
        let got = extract_connection_details(&d, &observed, &secret);
        let want: BTreeMap<String, String> = [
            ("password", "s3cr3t"),
            ("username", "admin"),
            ("host", "db.example.org"),
            ("port", "5432"),
            ("tags", r#"{"a":"x","b":1}"#),
            ("engine", "postgres"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn validation() {
        let cases = [
            (
                json!({"name": "x"}),
                "type: connection detail type is required",
            ),
            (json!({"value": "v"}), "name: name is required"),
            (
                json!({"name": "x", "type": "FromValue"}),
                "value: required by connection detail type FromValue",
            ),
            (
                json!({"name": "x", "type": "FromFieldPath"}),
                "fromFieldPath: required by connection detail type FromFieldPath",
            ),
        ];
        for (v, want) in cases {
            let d: ConnectionDetail = serde_json::from_value(v).unwrap();
            assert_eq!(d.validate().unwrap_err().to_string(), want);
        }
    }
}
