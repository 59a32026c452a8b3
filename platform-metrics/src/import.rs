//! The import format: one JSON object a line (`change`, `deploy`, `incident`, `survey`,
//! `ticket`), ISO 8601 times, extra fields kept. Every bad line is reported as
//! `FILE:LINE: field: message`, and an import with any bad line imports nothing.

use std::borrow::Cow;
use std::fmt;

use platform_core::store::JournalEntry;
use serde::Deserialize;
use serde_json::value::RawValue;
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

/// One line's entry, or the field and message of what is wrong with it. The entry's body is
/// the line as written (every field kept, none re-encoded). A line is first read into the
/// fields the format knows, borrowed from the text; a line that does not read that way (a
/// wrong type, a duplicate key, invalid JSON) is read again field by field for the error.
fn parse_line(line: &str) -> Result<JournalEntry, (String, String)> {
    match quick(line) {
        Some(entry) => Ok(entry),
        None => exact(line),
    }
}

/// The fields of a line the format knows, each of the type it must have; `null` only where
/// the format allows it, so that every line read here is one [`exact`] accepts too, with the
/// same entry.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    time_created: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    opened: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    time_resolved: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    closed: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    service: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    env: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    root_cause: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    caused_by_deploy: Option<Cow<'a, str>>,
    /// A list of strings; `null` is not a list, so it fails here as it does in [`exact`].
    #[serde(default)]
    changes: Changes<'a>,
    /// `true` or `false`; `null` fails here as it does in [`exact`].
    #[serde(default)]
    unplanned: bool,
    #[serde(default)]
    score: Option<f64>,
}

/// A deployment's change ids, read only to check they are strings.
#[derive(Deserialize, Default)]
struct Changes<'a>(#[serde(borrow)] Vec<Cow<'a, str>>);

/// A well-formed line's entry without building a JSON tree, or `None` when anything about the
/// line needs [`exact`]'s reading (which then finds the error, or the same entry).
fn quick(line: &str) -> Option<JournalEntry> {
    let fields: Line<'_> = serde_json::from_str(line).ok()?;
    let (_, time_field) = KINDS.iter().find(|(k, _)| *k == fields.kind)?;
    let time = match *time_field {
        "time" => fields.time.as_deref(),
        "time_created" => fields.time_created.as_deref(),
        _ => fields.opened.as_deref(),
    }?;
    let time_ms = parse_time(time).ok()?;
    for later in [&fields.time_resolved, &fields.closed]
        .into_iter()
        .flatten()
    {
        parse_time(later).ok()?;
    }
    let valid = !fields.id.is_empty()
        && fields
            .status
            .as_deref()
            .is_none_or(|s| fields.kind != "deploy" || s == "success" || s == "failure")
        && (fields.kind != "survey" || fields.score.is_some_and(|s| (0.0..=10.0).contains(&s)));
    if !valid {
        return None;
    }
    // Only checked: the metrics read these from the body when they need them.
    let _ = (
        &fields.root_cause,
        &fields.caused_by_deploy,
        &fields.changes.0,
        fields.unplanned,
    );
    Some(JournalEntry {
        kind: fields.kind.into_owned(),
        id: fields.id.into_owned(),
        time_ms,
        service: fields.service.map(Cow::into_owned),
        env: fields.env.map(Cow::into_owned),
        body: RawValue::from_string(line.trim().to_owned()).ok()?,
    })
}

/// One line read as a JSON tree, field by field: the entry, or the first field that is wrong.
fn exact(line: &str) -> Result<JournalEntry, (String, String)> {
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
    let mut entry = entry(&object)?;
    if let Ok(body) = RawValue::from_string(line.trim().to_owned()) {
        entry.body = body;
    }
    Ok(entry)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A value a field may hold in a hostile file: right, wrong type, null, or a bad time.
    fn value() -> impl Strategy<Value = Option<Value>> {
        prop_oneof![
            Just(None),
            Just(Some(Value::Null)),
            Just(Some(Value::from("2026-11-02T10:00:00Z"))),
            Just(Some(Value::from("2026-11-02T12:00:00+02:00"))),
            Just(Some(Value::from("soon"))),
            Just(Some(Value::from(""))),
            Just(Some(Value::from("success"))),
            Just(Some(Value::from("failure"))),
            Just(Some(Value::from(true))),
            Just(Some(Value::from(7))),
            Just(Some(Value::from(11.5))),
            Just(Some(serde_json::json!(["c1", "c2"]))),
            Just(Some(serde_json::json!(["c1", 2]))),
            Just(Some(serde_json::json!({"nested": "x"}))),
        ]
    }

    const FIELDS: [&str; 15] = [
        "id",
        "time",
        "time_created",
        "opened",
        "time_resolved",
        "closed",
        "service",
        "env",
        "status",
        "root_cause",
        "caused_by_deploy",
        "changes",
        "unplanned",
        "score",
        "extra",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The quick reading never accepts what the exact one refuses, and accepts with the
        /// same entry: kinds, keys, times, columns and body.
        #[test]
        fn the_quick_reading_agrees_with_the_exact_one(
            kind in prop_oneof![
                Just("change"), Just("deploy"), Just("incident"), Just("survey"),
                Just("ticket"), Just("rollout")
            ],
            values in proptest::collection::vec(value(), FIELDS.len()),
            duplicate in any::<bool>(),
        ) {
            let mut line = format!("{{\"kind\":{kind:?}");
            for (field, value) in FIELDS.iter().zip(&values) {
                if let Some(value) = value {
                    line.push_str(&format!(",{field:?}:{value}"));
                }
            }
            if duplicate {
                line.push_str(",\"id\":\"again\"");
            }
            line.push('}');
            let exact = exact(&line);
            // A line the quick reading leaves (a duplicate key, a field of another kind
            // holding another type, an error) goes to the exact one: nothing to compare.
            if let Some(entry) = quick(&line) {
                let expected = exact.expect("the exact reading accepts what the quick one does");
                prop_assert_eq!(
                    (&entry.kind, &entry.id, entry.time_ms, &entry.service, &entry.env, entry.body.get()),
                    (&expected.kind, &expected.id, expected.time_ms, &expected.service, &expected.env, expected.body.get())
                );
            }
        }
    }

    #[test]
    fn a_valid_line_keeps_its_text_as_the_body() {
        let line = r#"{"kind":"deploy", "id":"d1","time":"2026-11-02T10:00:00Z","changes":["c1"],"status":"success","team":"a","x":{"y":[1,2]}}"#;
        let entry = quick(line).expect("a well-formed line reads quickly");
        assert_eq!(entry.body.get(), line);
        assert_eq!(exact(line).unwrap().body.get(), line);
        assert_eq!(entry.time_ms, 1_793_613_600_000);
    }
}
