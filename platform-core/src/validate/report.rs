use std::fmt;

use crate::load::Diagnostic;

/// The outcome of validating a set of documents.
#[derive(Debug, Clone, Default)]
pub struct ValidationReport {
    /// How many documents were checked.
    pub documents: usize,
    /// Every problem found, in input order.
    pub diagnostics: Vec<Diagnostic>,
}

impl ValidationReport {
    /// Whether no problem was found.
    pub fn is_ok(&self) -> bool {
        self.diagnostics.is_empty()
    }

    /// One line such as `3 documents, 2 errors`.
    pub fn summary(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{}, {}",
            plural(self.documents, "document", "documents"),
            plural(self.diagnostics.len(), "error", "errors")
        )
    }
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diagnostics {
            writeln!(f, "{d}")?;
        }
        write!(f, "{}", self.summary())
    }
}
