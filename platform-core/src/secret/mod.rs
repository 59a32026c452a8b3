//! Secret values (passwords, connection URIs): never printed, logged or shown in `Debug`.

use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::fmt;

/// One secret value; `Debug` and `Display` print `[redacted]`.
#[derive(Clone)]
pub struct SecretValue(SecretString);

impl SecretValue {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        SecretValue(SecretString::from(value.into()))
    }

    /// The secret text; call only where it must leave the program (a connection, `--reveal`).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl PartialEq for SecretValue {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for SecretValue {}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Secret connection details by key (`password`, `uri`); keys are visible, values are not.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretMap(BTreeMap<String, SecretValue>);

impl SecretMap {
    /// An empty map.
    pub fn new() -> Self {
        SecretMap::default()
    }

    /// Sets a secret.
    pub fn insert(&mut self, key: impl Into<String>, value: SecretValue) {
        self.0.insert(key.into(), value);
    }

    /// A secret by key.
    pub fn get(&self, key: &str) -> Option<&SecretValue> {
        self.0.get(key)
    }

    /// Keys and secrets in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &SecretValue)> {
        self.0.iter()
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.keys()
    }

    /// Whether there are no secrets.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of secrets.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Adds every secret of another map, replacing equal keys.
    pub fn extend(&mut self, other: SecretMap) {
        self.0.extend(other.0);
    }
}

impl FromIterator<(String, SecretValue)> for SecretMap {
    fn from_iter<I: IntoIterator<Item = (String, SecretValue)>>(iter: I) -> Self {
        SecretMap(iter.into_iter().collect())
    }
}

impl fmt::Debug for SecretMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "[redacted]")))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_or_display() {
        let mut map = SecretMap::new();
        map.insert("password", SecretValue::new("hunter2-very-secret"));
        let shown = format!(
            "{map:?} {:?} {}",
            map.get("password").unwrap(),
            map.get("password").unwrap()
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("password"));
        assert_eq!(map.get("password").unwrap().expose(), "hunter2-very-secret");
    }
}
