use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Size;
use crate::model::{Object, Status, TypedKind};

/// A request for a key-value cache.
pub type CacheClaim = Object<CacheClaimSpec, Status>;

/// What a team asks for when it needs a cache.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CacheClaimSpec {
    /// Cache engine.
    #[serde(default)]
    pub engine: CacheEngine,
    /// Capacity class.
    #[serde(default)]
    pub size: Size,
    /// Which keys are evicted when memory is full.
    #[serde(default)]
    pub eviction_policy: EvictionPolicy,
    /// Memory limit in MiB; the size's default when absent.
    #[serde(
        default,
        rename = "maxMemoryMiB",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(min = 16, max = 1048576))]
    pub max_memory_mib: Option<u32>,
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

impl TypedKind for CacheClaimSpec {
    const KIND: &'static str = "CacheClaim";
    const PLURAL: &'static str = "cacheclaims";
}

/// Cache engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CacheEngine {
    /// Redis.
    #[default]
    Redis,
}

/// Redis eviction policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EvictionPolicy {
    /// Refuse writes when memory is full.
    Noeviction,
    /// Evict the least recently used key.
    #[default]
    AllkeysLru,
    /// Evict the least frequently used key.
    AllkeysLfu,
    /// Evict a random key.
    AllkeysRandom,
    /// Evict the least recently used key that has an expiry.
    VolatileLru,
    /// Evict the least frequently used key that has an expiry.
    VolatileLfu,
    /// Evict a random key that has an expiry.
    VolatileRandom,
    /// Evict the key nearest its expiry.
    VolatileTtl,
}
