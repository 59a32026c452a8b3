//! Errors of layer configuration and of drift paths.

use std::time::Duration;

/// A layer was configured with values that make no sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayerConfigError {
    /// A fault probability outside `0.0..=1.0` (or not a number).
    #[error("fault probability of {operation} must be between 0.0 and 1.0, found {found}")]
    Probability {
        /// Operation the fault was for.
        operation: String,
        /// The probability given, as text.
        found: String,
    },
    /// A latency range whose minimum is above its maximum.
    #[error("latency of {operation}: minimum {min:?} is above maximum {max:?}")]
    LatencyRange {
        /// Operation the latency was for.
        operation: String,
        /// Minimum given.
        min: Duration,
        /// Maximum given.
        max: Duration,
    },
}

/// A drift path does not name a field of a real resource.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("drift path {path:?}: {reason}")]
pub struct DriftPathError {
    /// The path as given, such as `spec.connectionLimit`.
    pub path: String,
    /// What was expected and found.
    pub reason: String,
}
