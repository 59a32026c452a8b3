use std::fmt;

/// How the engine should react to a provider error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Retry with backoff: connection refused, timeouts, server busy.
    Transient,
    /// Record a condition and stop retrying until the spec changes: permission denied, invalid spec.
    Permanent,
    /// The resource does not exist.
    NotFound,
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorClass::Transient => "transient",
            ErrorClass::Permanent => "permanent",
            ErrorClass::NotFound => "not found",
        })
    }
}

/// A classified provider error. Its message never holds a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    /// How to react.
    pub class: ErrorClass,
    /// What went wrong, in the server's words with credentials removed.
    pub message: String,
}

impl ProviderError {
    /// A transient error: retried with backoff.
    pub fn transient(message: impl Into<String>) -> Self {
        ProviderError {
            class: ErrorClass::Transient,
            message: message.into(),
        }
    }

    /// A permanent error: no retry until the spec changes.
    pub fn permanent(message: impl Into<String>) -> Self {
        ProviderError {
            class: ErrorClass::Permanent,
            message: message.into(),
        }
    }

    /// The resource does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        ProviderError {
            class: ErrorClass::NotFound,
            message: message.into(),
        }
    }

    /// Whether retrying may help.
    pub fn is_transient(&self) -> bool {
        self.class == ErrorClass::Transient
    }
}
