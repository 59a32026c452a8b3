//! Which claim kind serves each Score resource type, and where its outputs come from.

use std::collections::BTreeMap;

/// Whether an output is a plain claim output or one of its secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputSection {
    /// `status.outputs` of the claim, printed in clear.
    Outputs,
    /// A connection secret of the claim, masked wherever it is printed.
    Secrets,
}

impl OutputSection {
    /// The section's name in an Application placeholder: `outputs` or `secrets`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputSection::Outputs => "outputs",
            OutputSection::Secrets => "secrets",
        }
    }
}

/// Where a Score output (`${resources.db.host}`) is read from on the claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSource {
    /// Output or secret.
    pub section: OutputSection,
    /// The claim's output or secret key.
    pub key: String,
}

impl OutputSource {
    /// A plain output of the claim.
    pub fn output(key: &str) -> Self {
        OutputSource {
            section: OutputSection::Outputs,
            key: key.to_owned(),
        }
    }

    /// A secret of the claim.
    pub fn secret(key: &str) -> Self {
        OutputSource {
            section: OutputSection::Secrets,
            key: key.to_owned(),
        }
    }
}

/// How one Score resource type becomes a claim.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreType {
    /// The claim kind, such as `DatabaseClaim`.
    pub kind: String,
    /// Spec fields the type implies (`engine: postgresql`); the resource's `params` win.
    pub spec: serde_json::Map<String, serde_json::Value>,
    /// Score output names and where each is read; a name not listed is read as the claim
    /// output of the same name.
    pub outputs: BTreeMap<String, OutputSource>,
}

impl ScoreType {
    /// A type served by `kind` with no implied fields and no renamed outputs.
    pub fn new(kind: &str) -> Self {
        ScoreType {
            kind: kind.to_owned(),
            spec: serde_json::Map::new(),
            outputs: BTreeMap::new(),
        }
    }

    /// Where the Score output `name` is read on the claim.
    pub fn source_of(&self, name: &str) -> OutputSource {
        self.outputs
            .get(name)
            .cloned()
            .unwrap_or_else(|| OutputSource::output(name))
    }

    fn with_field(mut self, field: &str, value: &str) -> Self {
        self.spec.insert(field.to_owned(), value.into());
        self
    }

    fn with_outputs(mut self, plain: &[(&str, &str)], secret: &[(&str, &str)]) -> Self {
        for (name, key) in plain {
            self.outputs
                .insert((*name).to_owned(), OutputSource::output(key));
        }
        for (name, key) in secret {
            self.outputs
                .insert((*name).to_owned(), OutputSource::secret(key));
        }
        self
    }
}

/// The Score resource types a platform serves, by type name.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreTypes {
    types: BTreeMap<String, ScoreType>,
}

impl Default for ScoreTypes {
    fn default() -> Self {
        ScoreTypes::builtin()
    }
}

impl ScoreTypes {
    /// `postgres` and `mysql` (DatabaseClaim), `redis` (CacheClaim), `amqp` (QueueClaim) and
    /// `s3` (BucketClaim), with the output names Score implementations give.
    pub fn builtin() -> Self {
        let database = |engine: &str| {
            ScoreType::new("DatabaseClaim")
                .with_field("engine", engine)
                .with_outputs(
                    &[
                        ("host", "host"),
                        ("port", "port"),
                        ("name", "database"),
                        ("database", "database"),
                        ("username", "username"),
                    ],
                    &[("password", "password"), ("uri", "uri")],
                )
        };
        let mut types = BTreeMap::new();
        types.insert("postgres".to_owned(), database("postgresql"));
        types.insert("mysql".to_owned(), database("mysql"));
        types.insert(
            "redis".to_owned(),
            ScoreType::new("CacheClaim").with_outputs(
                &[("host", "host"), ("port", "port"), ("username", "username")],
                &[("password", "password"), ("uri", "uri")],
            ),
        );
        types.insert(
            "amqp".to_owned(),
            ScoreType::new("QueueClaim")
                .with_field("engine", "rabbitmq")
                .with_outputs(
                    &[
                        ("host", "host"),
                        ("port", "port"),
                        ("vhost", "vhost"),
                        ("username", "username"),
                    ],
                    &[("password", "password"), ("uri", "uri")],
                ),
        );
        types.insert(
            "s3".to_owned(),
            ScoreType::new("BucketClaim").with_outputs(
                &[
                    ("bucket", "bucket"),
                    ("endpoint", "endpoint"),
                    ("region", "region"),
                ],
                &[
                    ("access_key_id", "accessKeyId"),
                    ("secret_key", "secretAccessKey"),
                ],
            ),
        );
        ScoreTypes { types }
    }

    /// Serves (or re-serves) a type with a claim kind of its own, such as a team's.
    pub fn insert(&mut self, name: &str, served: ScoreType) {
        self.types.insert(name.to_owned(), served);
    }

    /// How a type is served, if it is.
    pub fn get(&self, name: &str) -> Option<&ScoreType> {
        self.types.get(name)
    }

    /// The served type names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.types.keys().map(String::as_str)
    }
}
