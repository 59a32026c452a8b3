use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Size;
use crate::model::{Object, Status, TypedKind};

/// A request for a relational database.
pub type DatabaseClaim = Object<DatabaseClaimSpec, Status>;

/// What a team asks for when it needs a relational database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatabaseClaimSpec {
    /// Database engine.
    pub engine: DatabaseEngine,
    /// Major version of the engine, such as "16" for PostgreSQL; the composition's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 16), regex(pattern = r"^[0-9]+(\.[0-9]+)*$"))]
    pub version: Option<String>,
    /// Capacity class: CPU and memory of the instance.
    #[serde(default)]
    pub size: Size,
    /// Disk size in GiB.
    #[serde(default = "default_storage_gib", rename = "storageGiB")]
    #[schemars(range(min = 1, max = 65536))]
    pub storage_gib: u32,
    /// How often backups are taken.
    #[serde(default)]
    pub backup: BackupSchedule,
    /// Run a standby replica in another zone with automatic failover.
    #[serde(default)]
    pub high_availability: bool,
    /// What happens to the database when the claim is deleted.
    #[serde(default)]
    pub deletion_policy: DeletionPolicy,
    /// The composition to use, overriding selection by labels and the environment's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composition_ref: Option<super::CompositionRef>,
    /// Labels that choose the composition when no compositionRef is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composition_selector: Option<super::CompositionSelector>,
    /// What the claim needs instead of a size: admission picks the cheapest `Offering`
    /// that satisfies every need and sets the fields it stands for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "super::Intent")]
    pub intent: Option<super::Intent>,
}

fn default_storage_gib() -> u32 {
    20
}

impl DatabaseClaimSpec {
    /// A spec with the given engine and every other field at its default.
    pub fn new(engine: DatabaseEngine) -> Self {
        DatabaseClaimSpec {
            engine,
            version: None,
            size: Size::default(),
            storage_gib: default_storage_gib(),
            backup: BackupSchedule::default(),
            high_availability: false,
            deletion_policy: DeletionPolicy::default(),
            composition_ref: None,
            composition_selector: None,
            intent: None,
        }
    }
}

impl TypedKind for DatabaseClaimSpec {
    const KIND: &'static str = "DatabaseClaim";
    const PLURAL: &'static str = "databaseclaims";
}

/// Database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseEngine {
    /// PostgreSQL.
    Postgresql,
    /// MySQL or MariaDB.
    Mysql,
    /// SQLite, for local development.
    Sqlite,
}

/// Backup schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BackupSchedule {
    /// No backups.
    None,
    /// One backup a day, kept seven days.
    #[default]
    Daily,
    /// One backup an hour, kept two days.
    Hourly,
}

/// What happens to the real resource when its claim is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
pub enum DeletionPolicy {
    /// Delete the real resource with the claim.
    #[default]
    Delete,
    /// Keep the real resource; only the record of it is removed.
    Orphan,
}
