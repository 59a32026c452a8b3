//! Errors of the fake cloud and of fake provider configuration.

use crate::layers::LayerConfigError;

/// A test asked the fake cloud for something it cannot do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FakeCloudError {
    /// No real resource has this key.
    #[error("fake cloud has no {kind} named {external_name:?} (apiVersion {api_version})")]
    NotFound {
        /// apiVersion of the managed kind.
        api_version: String,
        /// Managed kind.
        kind: String,
        /// External name that was asked for.
        external_name: String,
    },
    /// A drift path does not name a field of a real resource.
    #[error("drift path {path:?}: {reason}")]
    BadPath {
        /// The path as given, such as `spec.connectionLimit`.
        path: String,
        /// What was expected and found.
        reason: String,
    },
    /// A snapshot could not be restored; the cloud was left unchanged.
    #[error("fake cloud snapshot: {0}")]
    BadSnapshot(String),
}

/// A fake provider was configured with values that make no sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FakeConfigError {
    /// The provider was given no managed kind to serve.
    #[error("a fake provider must serve at least one managed kind, found none")]
    NoKinds,
    /// A latency or fault of the fake's layers makes no sense.
    #[error(transparent)]
    Layer(#[from] LayerConfigError),
}
