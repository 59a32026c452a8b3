use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// T-shirt size of a claim; each composition maps it to real capacity.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    /// The smallest offering, for development and tests.
    #[default]
    Small,
    /// A typical production service.
    Medium,
    /// A busy production service.
    Large,
    /// The largest offering; usually needs an owner's approval.
    Xlarge,
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Size::Small => "small",
            Size::Medium => "medium",
            Size::Large => "large",
            Size::Xlarge => "xlarge",
        })
    }
}
