use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::{Object, Status, TypedKind};

/// A request for an object storage bucket.
pub type BucketClaim = Object<BucketClaimSpec, Status>;

/// What a team asks for when it needs object storage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BucketClaimSpec {
    /// Keep every version of every object.
    #[serde(default)]
    pub versioning: bool,
    /// Allow anonymous reads; blocked by default.
    #[serde(default)]
    pub public: bool,
    /// Delete objects this many days after creation; never when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 36500))]
    pub expire_after_days: Option<u32>,
    /// The composition to use, overriding selection by labels and the environment's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composition_ref: Option<super::CompositionRef>,
    /// Labels that choose the composition when no compositionRef is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composition_selector: Option<super::CompositionSelector>,
}

impl TypedKind for BucketClaimSpec {
    const KIND: &'static str = "BucketClaim";
    const PLURAL: &'static str = "bucketclaims";
}
