//! Replacing the Score workloads among loaded documents by the Applications they describe.

use super::convert::convert;
use super::types::ScoreTypes;
use crate::kinds::KindRegistry;
use crate::load::{Diagnostic, Document};

/// The prefix of Score's `apiVersion` (`score.dev/v1b1`).
pub const SCORE_API_PREFIX: &str = "score.dev/";

/// Whether a document is a Score workload: Score files name `score.dev/...` and have no kind.
pub fn is_score_workload(doc: &Document) -> bool {
    doc.top_str("apiVersion")
        .is_some_and(|v| v.starts_with(SCORE_API_PREFIX))
        && doc.root.get("kind").is_none()
}

/// Documents with every Score workload replaced by its Application, and what the conversion
/// found.
#[derive(Debug, Default)]
pub struct ScoreExpansion {
    /// How many documents were given, invalid workloads included.
    pub inputs: usize,
    /// The documents in input order; each valid workload is now an Application.
    pub documents: Vec<Document>,
    /// For each document, whether it came from a Score workload.
    pub from_score: Vec<bool>,
    /// Invalid Score workloads (the official schema's verdict), located.
    pub errors: Vec<Diagnostic>,
    /// What Score allows but this platform cannot serve (an unmapped resource type, a
    /// missing `files.source`, a placeholder naming no resource): warnings from `validate`,
    /// errors from `plan` and `apply`.
    pub unserved: Vec<Diagnostic>,
    /// Deprecated forms that were accepted.
    pub warnings: Vec<Diagnostic>,
}

impl ScoreExpansion {
    /// How many documents came from Score workloads (valid or not).
    pub fn workloads(&self) -> usize {
        self.from_score.iter().filter(|s| **s).count()
    }
}

/// Converts the Score workloads among `documents` into Applications of `registry`'s claim
/// group; other documents pass unchanged. An invalid workload is left out and reported.
pub fn expand_score(
    documents: Vec<Document>,
    registry: &KindRegistry,
    types: &ScoreTypes,
) -> ScoreExpansion {
    let mut out = ScoreExpansion {
        inputs: documents.len(),
        documents: Vec::with_capacity(documents.len()),
        from_score: Vec::with_capacity(documents.len()),
        ..ScoreExpansion::default()
    };
    for doc in documents {
        if !is_score_workload(&doc) {
            out.documents.push(doc);
            out.from_score.push(false);
            continue;
        }
        let conversion = convert(&doc, registry, types);
        out.errors.extend(conversion.errors);
        out.unserved.extend(conversion.unserved);
        out.warnings.extend(conversion.warnings);
        if let Some(application) = conversion.application {
            out.documents.push(application);
            out.from_score.push(true);
        }
    }
    out
}
