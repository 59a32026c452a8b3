//! The import format: one JSON object a line (`change`, `deploy`, `incident`, `survey`,
//! `ticket`), ISO 8601 times, extra fields kept. Every bad line is reported as
//! `FILE:LINE: field: message`, and an import with any bad line imports nothing.

use std::fmt;

use platform_core::store::JournalEntry;
use serde_json::{Map, Value};

use crate::timeline::parse_time;

/// A bad line of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// The file.
    pub file: String,
    /// The line, from 1.
    pub line: usize,
    /// The field, or `(line)` for the line as a whole.
    pub field: String,
    /// What was expected and found.
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.field, self.message
        )
    }
}

/// The kinds of the import format, with the field holding each kind's time.
const KINDS: [(&str, &str); 5] = [
    ("change", "time"),
    ("deploy", "time"),
    ("incident", "time_created"),
    ("survey", "time"),
    ("ticket", "opened"),
];

/// Reads an import: every line's entry, or every bad line (blank lines are skipped). Lines
/// are parsed on all cores; entries and errors keep the file's order.
pub fn parse(file: &str, text: &str) -> Result<Vec<JournalEntry>, Vec<LineError>> {
    use rayon::prelude::*;
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    let parsed: Vec<Result<JournalEntry, LineError>> = lines
        .par_iter()
        .map(|&(index, line)| {
            parse_line(line).map_err(|(field, message)| LineError {
                file: file.to_owned(),
                line: index + 1,
                field,
                message,
            })
        })
        .collect();
    let mut entries = Vec::with_capacity(parsed.len());
    let mut errors = Vec::new();
    for result in parsed {
        match result {
            Ok(entry) => entries.push(entry),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

/// One line's entry, or the field and message of what is wrong with it.
fn parse_line(line: &str) -> Result<JournalEntry, (String, String)> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        (
            "(line)".to_owned(),
            format!("expected one JSON object, found invalid JSON: {e}"),
        )
    })?;
    let Value::Object(object) = value else {
        return Err((
            "(line)".to_owned(),
            format!("expected a JSON object, found {}", type_name(&value)),
        ));
    };
    entry(&object)
}

fn entry(object: &Map<String, Value>) -> Result<JournalEntry, (String, String)> {
    let kind = string(object, "kind")?.ok_or_else(|| missing("kind"))?;
    let Some((_, time_field)) = KINDS.iter().find(|(k, _)| *k == kind) else {
        return Err((
            "kind".into(),
            format!("expected one of change, deploy, incident, survey, ticket, found {kind:?}"),
        ));
    };
    let id = string(object, "id")?.ok_or_else(|| missing("id"))?;
    if id.is_empty() {
        return Err(("id".into(), "expected a non-empty id, found \"\"".into()));
    }
    let time_text = string(object, time_field)?.ok_or_else(|| missing(time_field))?;
    let time_ms = parse_time(&time_text).map_err(|m| ((*time_field).to_owned(), m))?;
    for field in ["time_resolved", "closed"] {
        if let Some(text) = string(object, field)? {
            parse_time(&text).map_err(|m| (field.to_owned(), m))?;
        }
    }
    match kind.as_str() {
        "deploy" => {
            if let Some(changes) = object.get("changes")
                && !changes
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_string))
            {
                return Err((
                    "changes".into(),
                    format!(
                        "expected a list of change ids, found {}",
                        type_name(changes)
                    ),
                ));
            }
            if let Some(status) = string(object, "status")?
                && status != "success"
                && status != "failure"
            {
                return Err((
                    "status".into(),
                    format!("expected success or failure, found {status:?}"),
                ));
            }
            if let Some(unplanned) = object.get("unplanned")
                && !unplanned.is_boolean()
            {
                return Err((
                    "unplanned".into(),
                    format!("expected true or false, found {}", type_name(unplanned)),
                ));
            }
        }
        "incident" => {
            for field in ["root_cause", "caused_by_deploy"] {
                string(object, field)?;
            }
        }
        "survey" => match object.get("score").and_then(Value::as_f64) {
            Some(score) if (0.0..=10.0).contains(&score) => {}
            _ => {
                return Err((
                    "score".into(),
                    format!(
                        "expected a score from 0 to 10, found {}",
                        object.get("score").map_or("nothing".into(), type_name)
                    ),
                ));
            }
        },
        _ => {}
    }
    Ok(JournalEntry::new(
        kind,
        id,
        time_ms,
        string(object, "service")?,
        string(object, "env")?,
        &Value::Object(object.clone()),
    ))
}

fn missing(field: &str) -> (String, String) {
    (
        field.to_owned(),
        "expected a value, found nothing".to_owned(),
    )
}

/// A string field (`None` when absent or null); any other type is an error.
fn string(object: &Map<String, Value>, field: &str) -> Result<Option<String>, (String, String)> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err((
            field.to_owned(),
            format!("expected a string, found {}", type_name(other)),
        )),
    }
}

fn type_name(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}
