//! Bounds on what the loader accepts, so no input can exhaust memory or stack.

/// Limits on input size, nesting and alias expansion.
#[derive(Debug, Clone)]
pub struct LoadLimits {
    /// Largest file, in bytes.
    pub max_file_bytes: usize,
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most aliases (`*name`) in one input.
    pub max_aliases: usize,
    /// Most events replayed by alias expansion in one input.
    pub max_alias_expansion: usize,
    /// Most nodes in one input.
    pub max_nodes: usize,
    /// Most documents in one file.
    pub max_documents: usize,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_file_bytes: 16 * 1024 * 1024,
            max_depth: 64,
            max_aliases: 1_000,
            max_alias_expansion: 100_000,
            max_nodes: 1_000_000,
            max_documents: 100_000,
        }
    }
}

impl LoadLimits {
    pub(super) fn yaml_options(&self) -> serde_saphyr::Options {
        let mut budget = serde_saphyr::Budget::default();
        budget.max_depth = self.max_depth;
        budget.flow_nesting_limit = self.max_depth;
        budget.max_aliases = self.max_aliases;
        budget.max_nodes = self.max_nodes;
        budget.max_documents = self.max_documents;
        budget.max_events = self.max_nodes.saturating_mul(4);
        let mut options = serde_saphyr::Options::default();
        options.budget = Some(budget);
        options.alias_limits.max_total_replayed_events = self.max_alias_expansion;
        options.strict_booleans = true;
        options.with_snippet = false;
        options
    }
}
