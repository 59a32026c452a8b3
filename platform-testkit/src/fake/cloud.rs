//! The fake cloud: real-resource records that outlive any provider, shared through a handle.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use platform_core::secret::{SecretMap, SecretValue};

use platform_core::rng::SeededRng;

/// Host every fake resource reports.
pub const FAKE_HOST: &str = "fake.internal";
/// Port every fake resource reports.
pub const FAKE_PORT: u16 = 5432;
/// Length of generated passwords.
const PASSWORD_LEN: usize = 24;

/// Identifies a real resource: the managed kind and its external name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RealResourceKey {
    /// apiVersion of the managed kind.
    pub api_version: String,
    /// Managed kind.
    pub kind: String,
    /// External name.
    pub external_name: String,
}

impl RealResourceKey {
    /// A key from its parts.
    pub fn new(
        api_version: impl Into<String>,
        kind: impl Into<String>,
        external_name: impl Into<String>,
    ) -> Self {
        RealResourceKey {
            api_version: api_version.into(),
            kind: kind.into(),
            external_name: external_name.into(),
        }
    }
}

impl fmt::Display for RealResourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.api_version, self.kind, self.external_name
        )
    }
}

/// One real resource as the fake cloud holds it; `Debug` redacts the password.
#[derive(Debug, Clone, PartialEq)]
pub struct RealResource {
    /// Kind and external name.
    pub key: RealResourceKey,
    /// Server-assigned id, unique in the cloud (duplicates of a name have different ids).
    pub id: u64,
    /// The spec as last created, updated or drifted.
    pub spec: Value,
    /// Non-secret outputs: `host`, `port`, `externalName`, `database`, `username`, `id`.
    pub outputs: BTreeMap<String, Value>,
    /// The generated password.
    pub password: SecretValue,
    /// How many create calls reached this resource (idempotent repeats included).
    pub create_calls: u32,
}

impl RealResource {
    /// Secret connection details: `password` and a `uri` that contains it.
    pub fn connection_secrets(&self) -> SecretMap {
        let text = |key: &str| match self.outputs.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let uri = format!(
            "postgres://{}:{}@{}:{}/{}",
            text("username"),
            self.password.expose(),
            text("host"),
            text("port"),
            text("database")
        );
        let mut secrets = SecretMap::new();
        secrets.insert("password", self.password.clone());
        secrets.insert("uri", SecretValue::new(uri));
        secrets
    }
}

/// One real resource as the cloud stores it: compact, since scale runs hold tens of
/// thousands. Outputs are derived from the key and id unless a drift changed them.
#[derive(Clone)]
pub(crate) struct Record {
    pub(crate) id: u64,
    pub(crate) spec: Value,
    pub(crate) password: SecretValue,
    pub(crate) create_calls: u32,
    /// Outputs set out of band; `None`: the ones [`default_outputs`] derives.
    pub(crate) outputs: Option<BTreeMap<String, Value>>,
}

impl Record {
    /// The resource as tests and providers see it.
    pub(crate) fn view(&self, key: &RealResourceKey) -> RealResource {
        RealResource {
            key: key.clone(),
            id: self.id,
            spec: self.spec.clone(),
            outputs: self
                .outputs
                .clone()
                .unwrap_or_else(|| default_outputs(key, self.id)),
            password: self.password.clone(),
            create_calls: self.create_calls,
        }
    }

    /// The record of a resource, keeping its outputs only when they are not the derived ones.
    pub(crate) fn of(resource: RealResource) -> Record {
        let derived = default_outputs(&resource.key, resource.id);
        Record {
            id: resource.id,
            spec: resource.spec,
            password: resource.password,
            create_calls: resource.create_calls,
            outputs: (resource.outputs != derived).then_some(resource.outputs),
        }
    }
}

/// The outputs every fake resource starts with: host, port, its name three times and its id.
pub(crate) fn default_outputs(key: &RealResourceKey, id: u64) -> BTreeMap<String, Value> {
    [
        ("host", json!(FAKE_HOST)),
        ("port", json!(FAKE_PORT)),
        ("externalName", json!(key.external_name)),
        ("database", json!(key.external_name)),
        ("username", json!(key.external_name)),
        ("id", json!(id)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

pub(crate) struct CloudState {
    /// Copies per key, oldest first; more than one only in strict-create mode.
    pub(crate) resources: BTreeMap<RealResourceKey, Vec<Record>>,
    pub(crate) next_id: u64,
    pub(crate) strict_create: bool,
    pub(crate) rng: SeededRng,
}

/// A shared in-memory cloud: clones are handles to the same records.
///
/// Tests read it (`get`, `names`, `duplicates`) and change it behind the provider's back
/// (`drift_change`, `drift_delete`). In strict-create mode a create of an existing name makes
/// a second copy, as clouds with server-assigned ids do, so double creates become visible.
#[derive(Clone)]
pub struct FakeCloud {
    state: Arc<Mutex<CloudState>>,
}

impl Default for FakeCloud {
    fn default() -> Self {
        FakeCloud::new()
    }
}

impl FakeCloud {
    /// An empty cloud whose passwords come from seed 0.
    pub fn new() -> Self {
        FakeCloud::with_seed(0)
    }

    /// An empty cloud whose passwords come from `seed`.
    pub fn with_seed(seed: u64) -> Self {
        FakeCloud {
            state: Arc::new(Mutex::new(CloudState {
                resources: BTreeMap::new(),
                next_id: 1,
                strict_create: false,
                rng: SeededRng::new(seed),
            })),
        }
    }

    /// Turns strict-create mode on or off, returning the cloud.
    pub fn with_strict_create(self, strict: bool) -> Self {
        self.set_strict_create(strict);
        self
    }

    /// Turns strict-create mode on or off for every handle.
    pub fn set_strict_create(&self, strict: bool) {
        self.lock().strict_create = strict;
    }

    /// Whether a create of an existing name makes a second copy.
    pub fn strict_create(&self) -> bool {
        self.lock().strict_create
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, CloudState> {
        // A test that panicked while holding the lock leaves consistent records behind.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Number of real resources, duplicates counted.
    pub fn len(&self) -> usize {
        self.lock().resources.values().map(Vec::len).sum()
    }

    /// Whether the cloud holds no resource.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The oldest resource with this key (the one observe, update and delete act on).
    pub fn get(&self, api_version: &str, kind: &str, external_name: &str) -> Option<RealResource> {
        self.lock()
            .resources
            .get_key_value(&RealResourceKey::new(api_version, kind, external_name))
            .and_then(|(key, copies)| copies.first().map(|r| r.view(key)))
    }

    /// External names of a kind (any apiVersion), sorted, once per copy.
    pub fn names(&self, kind: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .lock()
            .resources
            .iter()
            .filter(|(key, _)| key.kind == kind)
            .flat_map(|(key, copies)| copies.iter().map(|_| key.external_name.clone()))
            .collect();
        names.sort();
        names
    }

    /// Every resource, in key order, copies oldest first.
    pub fn resources(&self) -> Vec<RealResource> {
        self.lock()
            .resources
            .iter()
            .flat_map(|(key, copies)| copies.iter().map(|r| r.view(key)))
            .collect()
    }

    /// Keys held more than once, with their number of copies (only in strict-create mode).
    pub fn duplicates(&self) -> Vec<(RealResourceKey, usize)> {
        self.lock()
            .resources
            .iter()
            .filter(|(_, copies)| copies.len() > 1)
            .map(|(key, copies)| (key.clone(), copies.len()))
            .collect()
    }

    /// Creates a resource, or returns the existing one unless in strict-create mode.
    pub(crate) fn create(&self, key: &RealResourceKey, spec: &Value) -> RealResource {
        let mut state = self.lock();
        let strict = state.strict_create;
        if !strict
            && let Some(existing) = state
                .resources
                .get_mut(key)
                .and_then(|copies| copies.first_mut())
        {
            existing.create_calls += 1;
            return existing.view(key);
        }
        let id = state.next_id;
        state.next_id += 1;
        let record = Record {
            id,
            spec: spec.clone(),
            password: SecretValue::new(alphanumeric(&mut state.rng, PASSWORD_LEN)),
            create_calls: 1,
            outputs: None,
        };
        let resource = record.view(key);
        state.resources.entry(key.clone()).or_default().push(record);
        resource
    }

    /// The oldest copy of a key.
    pub(crate) fn find(&self, key: &RealResourceKey) -> Option<RealResource> {
        self.lock()
            .resources
            .get(key)
            .and_then(|copies| copies.first().map(|r| r.view(key)))
    }

    /// Sets the spec of the oldest copy; `None` when the key is absent.
    pub(crate) fn set_spec(&self, key: &RealResourceKey, spec: &Value) -> Option<RealResource> {
        let mut state = self.lock();
        let record = state.resources.get_mut(key)?.first_mut()?;
        record.spec = spec.clone();
        Some(record.view(key))
    }

    /// Removes the oldest copy of a key; whether there was one.
    pub(crate) fn remove(&self, key: &RealResourceKey) -> bool {
        let mut state = self.lock();
        let Some(copies) = state.resources.get_mut(key) else {
            return false;
        };
        copies.remove(0);
        if copies.is_empty() {
            state.resources.remove(key);
        }
        true
    }
}

impl fmt::Debug for FakeCloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("FakeCloud")
            .field("strict_create", &state.strict_create)
            .field(
                "resources",
                &state
                    .resources
                    .iter()
                    .flat_map(|(key, copies)| copies.iter().map(|r| r.view(key)))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A random string of letters and digits that cannot be misread, like a generated password.
fn alphanumeric(rng: &mut SeededRng, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    (0..len)
        .map(|_| char::from(ALPHABET[rng.below(ALPHABET.len() as u64) as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> RealResourceKey {
        RealResourceKey::new("fake.dev/v1", "FakeDatabase", name)
    }

    #[test]
    fn create_is_idempotent_unless_strict() {
        let cloud = FakeCloud::with_seed(3);
        let first = cloud.create(&key("a"), &json!({"size": 1}));
        let again = cloud.create(&key("a"), &json!({"size": 2}));
        assert_eq!(first.id, again.id);
        assert_eq!(
            again.spec,
            json!({"size": 1}),
            "a repeated create changes nothing"
        );
        assert_eq!(again.create_calls, 2);
        assert_eq!(cloud.len(), 1);
        assert!(cloud.duplicates().is_empty());

        cloud.set_strict_create(true);
        cloud.create(&key("a"), &json!({"size": 1}));
        assert_eq!(cloud.len(), 2);
        assert_eq!(cloud.duplicates(), vec![(key("a"), 2)]);
        assert_eq!(cloud.names("FakeDatabase"), ["a", "a"]);
        assert!(cloud.remove(&key("a")));
        assert!(cloud.remove(&key("a")));
        assert!(!cloud.remove(&key("a")));
        assert!(cloud.is_empty());
    }

    #[test]
    fn passwords_are_seeded_and_never_in_debug() {
        let a = FakeCloud::with_seed(9).create(&key("a"), &json!({}));
        let b = FakeCloud::with_seed(9).create(&key("a"), &json!({}));
        assert_eq!(a.password, b.password);
        let cloud = FakeCloud::with_seed(9);
        cloud.create(&key("a"), &json!({}));
        let password = a.password.expose().to_owned();
        let uri = a
            .connection_secrets()
            .get("uri")
            .unwrap()
            .expose()
            .to_owned();
        assert_eq!(uri, format!("postgres://a:{password}@fake.internal:5432/a"));
        let shown = format!("{cloud:?} {a:?} {:?}", a.connection_secrets());
        assert!(!shown.contains(&password), "{shown}");
        assert!(shown.contains("FakeDatabase"));
    }
}
