//! The official Score JSON Schema (score.dev/v1b1, draft 2020-12), compiled once.

use std::sync::OnceLock;

use serde_json::Value;

use crate::schema::{FieldIssue, describe_issues};

/// The Score workload schema as published by the Score project (`score-v1b1.json`).
pub const SCORE_SCHEMA: &str = include_str!("score-v1b1.json");

struct ScoreSchema {
    schema: Value,
    validator: jsonschema::Validator,
}

fn compiled() -> &'static ScoreSchema {
    static SCHEMA: OnceLock<ScoreSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        // The schema is a constant of this crate; a test compiles it, so this cannot fail.
        let schema: Value = serde_json::from_str(SCORE_SCHEMA).expect("score schema is JSON");
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .expect("score schema compiles");
        ScoreSchema { schema, validator }
    })
}

/// Every problem of a Score workload against the official schema, with paths from its root.
pub fn score_schema_issues(workload: &Value) -> Vec<FieldIssue> {
    let schema = compiled();
    if schema.validator.is_valid(workload) {
        return Vec::new();
    }
    let mut issues = describe_issues(&schema.validator, &schema.schema, workload);
    if issues.is_empty() {
        // Every schema failure is reported, even one the describer has no words for.
        issues.push(FieldIssue::at(
            Vec::new(),
            "expected a Score workload (score.dev/v1b1), found a document its schema rejects",
        ));
    }
    issues
}
