use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Names the composition that serves a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompositionRef {
    /// The composition's name.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
}

/// Chooses the composition that serves a claim by its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompositionSelector {
    /// Labels the composition must carry.
    pub match_labels: BTreeMap<String, String>,
}
