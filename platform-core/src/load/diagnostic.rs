//! Located error messages: `FILE:LINE:COL: FIELD_PATH: message`.

use std::fmt;
use std::sync::Arc;

use super::Location;

/// One problem found in an input, with where it is and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The file (as given on the command line or to the loader).
    pub file: Arc<str>,
    /// Line and column of the offending value (or its parent when a field is missing).
    pub location: Location,
    /// Field path such as `spec.size`; for syntax errors the format, `yaml` or `json`.
    pub field: String,
    /// What was expected and what was found.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic from its parts.
    pub fn new(
        file: Arc<str>,
        location: Location,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file,
            location,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = if self.field.is_empty() {
            "(document)"
        } else {
            &self.field
        };
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.location, field, self.message
        )
    }
}
