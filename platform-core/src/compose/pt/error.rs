//! Error types of the patch-and-transform engine.

use thiserror::Error;

/// A field path could not be parsed; the texts mirror crossplane-runtime's.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PathError {
    /// A character appeared where the grammar does not allow it.
    #[error("unexpected '{ch}' at position {pos}")]
    Unexpected {
        /// The offending character.
        ch: char,
        /// Byte offset of the character in the input.
        pos: usize,
    },
    /// A `[` has no matching `]`.
    #[error("unterminated '[' at position {pos}")]
    Unterminated {
        /// Byte offset of the `[`.
        pos: usize,
    },
}

/// A value could not be written at a field path.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SetError {
    /// An intermediate value that must be an object is something else.
    #[error("{path} is not an object")]
    NotAnObject {
        /// The path of the offending value.
        path: String,
    },
    /// An intermediate value that must be an array is something else.
    #[error("{path} is not an array")]
    NotAnArray {
        /// The path of the offending value.
        path: String,
    },
    /// An array index is larger than this engine is willing to grow an array to.
    #[error("index {index} at {path} exceeds the maximum array index {max}")]
    IndexTooLarge {
        /// The path of the array.
        path: String,
        /// The requested index.
        index: u32,
        /// The largest accepted index.
        max: u32,
    },
    /// A path with `[*]` matched no existing element.
    #[error("cannot expand ToFieldPath {path}")]
    NoExpansion {
        /// The path that was expanded.
        path: String,
    },
}

/// A transform failed on its input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransformError {
    /// The transform of `kind` (map, match, math, string, convert) failed.
    #[error("{kind} transform could not resolve: {message}")]
    Resolve {
        /// The transform type, lower case.
        kind: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The transform is not configured properly (normally caught by validation).
    #[error("{0}")]
    Invalid(String),
}

impl TransformError {
    /// Builds a [`TransformError::Resolve`].
    pub fn resolve(kind: &'static str, message: impl Into<String>) -> Self {
        Self::Resolve {
            kind,
            message: message.into(),
        }
    }
}

/// A patch failed (other than by a missing source field, which is not an error).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PatchError {
    /// A transform in the patch's pipeline failed.
    #[error("transform at index {index} returned error: {source}")]
    Transform {
        /// Index of the transform within the patch.
        index: usize,
        /// The transform's error.
        source: TransformError,
    },
    /// The result could not be written to the destination.
    #[error("cannot patch to object: {0}")]
    Set(#[from] SetError),
    /// The patch is not configured properly (normally caught by validation).
    #[error("{0}")]
    Invalid(String),
}

/// A problem found while validating a composition, with its path in the input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{path}: {message}")]
pub struct ValidationError {
    /// Path of the offending field in the input document, e.g. `spec.resources[0].name`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl ValidationError {
    /// Builds a validation error.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Returns the error with `prefix` prepended to its path.
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.path = join_path(prefix, &self.path);
        self
    }
}

/// Joins two validation paths, omitting the `.` before an index or an empty part.
pub fn join_path(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() {
        rest.to_string()
    } else if rest.is_empty() {
        prefix.to_string()
    } else if rest.starts_with('[') {
        format!("{prefix}{rest}")
    } else {
        format!("{prefix}.{rest}")
    }
}

/// A pipeline step that calls a function other than function-patch-and-transform.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "pipeline step {step:?} uses function {function:?}, which is not supported; only function-patch-and-transform and function-auto-ready"
)]
pub struct UnsupportedStep {
    /// The step's name.
    pub step: String,
    /// The function the step references.
    pub function: String,
    /// The step's index in `spec.pipeline`.
    pub index: usize,
}

impl UnsupportedStep {
    /// Where the unsupported function is named: `spec.pipeline[INDEX].functionRef.name`.
    pub fn path(&self) -> String {
        format!("spec.pipeline[{}].functionRef.name", self.index)
    }
}

/// A composition document could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CompositionError {
    /// The pipeline has steps calling other functions.
    #[error("{}", join_display(.0))]
    UnsupportedSteps(Vec<UnsupportedStep>),
    /// The document is invalid; every problem found is listed.
    #[error("{}", join_display(.0))]
    Invalid(Vec<ValidationError>),
}

impl CompositionError {
    /// The validation problems, if this is [`CompositionError::Invalid`].
    pub fn validation_errors(&self) -> &[ValidationError] {
        match self {
            Self::Invalid(errs) => errs,
            Self::UnsupportedSteps(_) => &[],
        }
    }
}

fn join_display<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Rendering a composite failed; such errors are fatal for the whole render.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RenderError {
    /// The composite resource is not a JSON object.
    #[error("composite resource must be an object")]
    CompositeNotObject,
    /// A patch of a composed resource template failed.
    #[error(
        "cannot render composed resource {resource:?} {patch_type:?} patch at index {index}: {source}"
    )]
    ComposedPatch {
        /// The template's name.
        resource: String,
        /// The patch type, e.g. `FromCompositeFieldPath`.
        patch_type: String,
        /// Index of the patch (after PatchSets are inlined).
        index: usize,
        /// What went wrong.
        source: PatchError,
    },
    /// A patch of the composition's `environment.patches` failed.
    #[error("cannot render environment {patch_type:?} patch at index {index}: {source}")]
    EnvironmentPatch {
        /// The patch type.
        patch_type: String,
        /// Index of the patch.
        index: usize,
        /// What went wrong.
        source: PatchError,
    },
    /// Metadata of a composed resource could not be set.
    #[error("cannot set metadata of composed resource {resource:?}: {source}")]
    Metadata {
        /// The template's name.
        resource: String,
        /// What went wrong.
        source: SetError,
    },
    /// The composite's status could not be written.
    #[error("cannot set status of composite resource: {0}")]
    Status(SetError),
}
