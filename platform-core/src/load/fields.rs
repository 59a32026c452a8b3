//! Typed reading of located documents: every problem becomes a diagnostic with the file, line,
//! column and field path of the offending value (or of its parent when a field is missing).
//!
//! The SDK's own documents (Policy, PriceList, Budget), kind files and the CLI's `platform.yaml`
//! are read this way, so they phrase and place their problems alike.

use serde_json::Value;
use std::sync::Arc;

use super::{Diagnostic, Key, Location, Node, NodeValue, PathSegment, field_path};

/// A place in a document: its field path, and the node there when the document has one.
///
/// Reads through a missing field give missing fields, so a deep path can be followed without
/// checking every step; a problem with a missing field is reported at its nearest present parent.
///
/// ```
/// # use std::sync::Arc;
/// # use platform_core::load::{Field, Format, Loader};
/// let loaded = Loader::new().load_str(Arc::from("a.yaml"), "spec: {size: 3}\n", Format::Yaml);
/// let root = Field::root(&loaded.documents[0].root);
/// let owner = root.get("spec").get("owner");
/// assert!(owner.node().is_none());
/// assert_eq!(owner.location().to_string(), "1:7"); // where `spec`'s mapping starts
/// ```
#[derive(Debug, Clone)]
pub struct Field<'n> {
    path: Vec<PathSegment>,
    node: Option<&'n Node>,
    nearest: &'n Node,
}

impl<'n> Field<'n> {
    /// The root of a document, at the empty path.
    pub fn root(node: &'n Node) -> Self {
        Field {
            path: Vec::new(),
            node: Some(node),
            nearest: node,
        }
    }

    fn child(&self, segment: PathSegment, node: Option<&'n Node>) -> Self {
        let mut path = self.path.clone();
        path.push(segment);
        Field {
            path,
            node,
            nearest: node.unwrap_or(self.nearest),
        }
    }

    /// The field under a mapping key (missing when this is not a mapping that has it).
    pub fn get(&self, key: &str) -> Field<'n> {
        let node = self.node.and_then(|n| n.get(key));
        self.child(PathSegment::key(key), node)
    }

    /// The node, when the document has one here.
    pub fn node(&self) -> Option<&'n Node> {
        self.node
    }

    /// The field path from the document's root.
    pub fn path(&self) -> &[PathSegment] {
        &self.path
    }

    /// Where the value is, or where its nearest present parent is when it is missing.
    pub fn location(&self) -> Location {
        self.nearest.location
    }

    /// Whether the value is present and `null` (an empty YAML value).
    pub fn is_null(&self) -> bool {
        self.node.is_some_and(|n| n.value == NodeValue::Null)
    }

    /// The key and field of each mapping entry, in source order; `None` when this is not a mapping.
    pub fn entries(&self) -> Option<Vec<(&'n Key, Field<'n>)>> {
        match &self.node?.value {
            NodeValue::Map(entries) => Some(
                entries
                    .iter()
                    .map(|(k, v)| (k, self.child(PathSegment::key(&k.name), Some(v))))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The fields of a sequence's items; `None` when this is not a sequence.
    pub fn items(&self) -> Option<Vec<Field<'n>>> {
        match &self.node?.value {
            NodeValue::Seq(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| self.child(PathSegment::Index(i), Some(n)))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The value as JSON, without locations; `null` when missing.
    pub fn to_json(&self) -> Value {
        self.node.map_or(Value::Null, Node::to_json)
    }

    /// The string value, when this is a string.
    pub fn as_str(&self) -> Option<&'n str> {
        self.node.and_then(Node::as_str)
    }
}

/// Reads typed values out of one file's fields and keeps a located diagnostic for every problem.
///
/// Reads of a missing field give `None` without a problem (optional fields); [`FieldReader::required`]
/// reports one. Reads of a present value of the wrong type give `None` and a problem saying what
/// was expected and what was found.
///
/// ```
/// # use std::sync::Arc;
/// # use platform_core::load::{Field, FieldReader, Format, Loader};
/// let loaded = Loader::new().load_str(Arc::from("a.yaml"), "spec: {size: 3}\n", Format::Yaml);
/// let doc = &loaded.documents[0];
/// let mut reader = FieldReader::new(doc.file.clone());
/// let spec = Field::root(&doc.root).get("spec");
/// reader.mapping(&spec, &["size"]);
/// assert_eq!(reader.non_empty_string(&spec.get("size")), None);
/// assert_eq!(
///     reader.problems()[0].to_string(),
///     "a.yaml:1:14: spec.size: expected a non-empty string, found 3"
/// );
/// ```
#[derive(Debug)]
pub struct FieldReader {
    file: Arc<str>,
    problems: Vec<Diagnostic>,
}

impl FieldReader {
    /// A reader of fields of the named file.
    pub fn new(file: Arc<str>) -> Self {
        FieldReader {
            file,
            problems: Vec::new(),
        }
    }

    /// The file the fields are read from.
    pub fn file(&self) -> &Arc<str> {
        &self.file
    }

    /// The problems found so far.
    pub fn problems(&self) -> &[Diagnostic] {
        &self.problems
    }

    /// Whether no problem has been found so far.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems found.
    pub fn into_problems(self) -> Vec<Diagnostic> {
        self.problems
    }

    /// The value read, when no problem was found; else every problem.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<Diagnostic>> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(self.problems)
        }
    }

    /// Records a problem at a location and field path of this reader's file.
    pub fn report(&mut self, at: Location, path: &[PathSegment], message: impl Into<String>) {
        self.problems.push(Diagnostic::new(
            self.file.clone(),
            at,
            field_path(path),
            message,
        ));
    }

    /// Records a problem with a field, at its location.
    pub fn fail(&mut self, field: &Field<'_>, message: impl Into<String>) {
        self.report(field.location(), field.path(), message);
    }

    /// Records "expected WHAT, found TYPE", naming the type found (`a string`, `a mapping`).
    pub fn expected(&mut self, field: &Field<'_>, what: &str) {
        let found = field.node().map_or("nothing", Node::type_name);
        self.fail(field, format!("expected {what}, found {found}"));
    }

    /// Records "expected WHAT, found VALUE", quoting a scalar found (`"huge"`, `7`).
    pub fn expected_value(&mut self, field: &Field<'_>, what: &str) {
        let found = field.node().map_or("nothing".to_owned(), Node::describe);
        self.fail(field, format!("expected {what}, found {found}"));
    }

    fn none<T>(&mut self, field: &Field<'_>, what: &str) -> Option<T> {
        self.expected(field, what);
        None
    }

    fn none_value<T>(&mut self, field: &Field<'_>, what: &str) -> Option<T> {
        self.expected_value(field, what);
        None
    }

    /// The field when it is present; else records that it is required, at its parent.
    pub fn required<'n>(&mut self, field: Field<'n>, what: &str) -> Option<Field<'n>> {
        if field.node().is_some() {
            return Some(field);
        }
        let key = match field.path().last() {
            Some(PathSegment::Key(k)) => k.as_str(),
            _ => "",
        };
        self.fail(
            &field,
            format!("required field {key:?} is missing: expected {what}"),
        );
        None
    }

    /// The entries of a mapping whose keys are free (such as prices by size).
    pub fn entries<'n>(&mut self, field: &Field<'n>) -> Option<Vec<(&'n Key, Field<'n>)>> {
        field.node()?;
        field.entries().or_else(|| self.none(field, "a mapping"))
    }

    /// The entries of a mapping; each key not in `known` is reported at the key.
    pub fn mapping<'n>(
        &mut self,
        field: &Field<'n>,
        known: &[&str],
    ) -> Option<Vec<(&'n Key, Field<'n>)>> {
        let entries = self.entries(field)?;
        for (key, value) in &entries {
            if !known.contains(&key.name.as_str()) {
                self.report(
                    key.location,
                    value.path(),
                    format!(
                        "unknown field {:?}: expected one of {}",
                        key.name,
                        known.join(", ")
                    ),
                );
            }
        }
        Some(entries)
    }

    /// The items of a sequence.
    pub fn sequence<'n>(&mut self, field: &Field<'n>) -> Option<Vec<Field<'n>>> {
        field.node()?;
        field.items().or_else(|| self.none(field, "a sequence"))
    }

    /// A string, possibly empty.
    pub fn string(&mut self, field: &Field<'_>) -> Option<String> {
        field.node()?;
        match field.as_str() {
            Some(s) => Some(s.to_owned()),
            None => self.none(field, "a string"),
        }
    }

    /// A string with more than white space.
    pub fn non_empty_string(&mut self, field: &Field<'_>) -> Option<String> {
        field.node()?;
        match field.as_str() {
            Some(s) if !s.trim().is_empty() => Some(s.to_owned()),
            _ => self.none_value(field, "a non-empty string"),
        }
    }

    /// A sequence of non-empty strings; the items that are not are reported and left out.
    pub fn strings(&mut self, field: &Field<'_>) -> Vec<String> {
        let items = self.sequence(field).unwrap_or_default();
        items
            .iter()
            .filter_map(|item| self.non_empty_string(item))
            .collect()
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, field: &Field<'_>) -> Option<bool> {
        match field.node()?.value {
            NodeValue::Bool(b) => Some(b),
            _ => self.none_value(field, "true or false"),
        }
    }

    /// A finite number, zero or more.
    pub fn amount(&mut self, field: &Field<'_>) -> Option<f64> {
        let n = match field.node()?.value {
            NodeValue::Int(i) => Some(i as f64),
            NodeValue::UInt(u) => Some(u as f64),
            NodeValue::Float(f) => Some(f),
            _ => None,
        };
        match n {
            Some(n) if n.is_finite() && n >= 0.0 => Some(n),
            _ => self.none_value(field, "a number of zero or more"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Format, Loader};

    fn read(text: &str, check: impl FnOnce(&mut FieldReader, Field<'_>)) -> Vec<String> {
        let loaded = Loader::new().load_str(Arc::from("f.yaml"), text, Format::Yaml);
        let doc = &loaded.documents[0];
        let mut reader = FieldReader::new(doc.file.clone());
        check(&mut reader, Field::root(&doc.root));
        reader.problems().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn missing_fields_are_optional_until_required_and_then_reported_at_their_parent() {
        let problems = read("spec:\n  size: 3\n", |r, root| {
            let spec = root.get("spec");
            assert_eq!(r.non_empty_string(&spec.get("owner")), None);
            assert_eq!(r.boolean(&spec.get("deep").get("er")), None);
            assert!(r.required(spec.get("owner"), "an owner").is_none());
            assert!(r.required(spec.get("size"), "a size").is_some());
        });
        assert_eq!(
            problems,
            ["f.yaml:2:3: spec.owner: required field \"owner\" is missing: expected an owner"]
        );
    }

    #[test]
    fn values_of_the_wrong_type_say_what_was_expected_and_found_where() {
        let problems = read(
            "a: [1, \" \", ok]\nb: yes\nc: -1\nd: x\ne: {k: 1}\nf: 2\n",
            |r, root| {
                assert_eq!(r.strings(&root.get("a")), ["ok"]);
                assert_eq!(r.boolean(&root.get("b")), None);
                assert_eq!(r.amount(&root.get("c")), None);
                assert!(r.sequence(&root.get("d")).is_none());
                assert_eq!(r.mapping(&root.get("e"), &["j"]).map(|e| e.len()), Some(1));
                assert_eq!(r.string(&root.get("f")), None);
            },
        );
        assert_eq!(
            problems,
            [
                "f.yaml:1:5: a[0]: expected a non-empty string, found 1",
                "f.yaml:1:8: a[1]: expected a non-empty string, found \" \"",
                "f.yaml:2:4: b: expected true or false, found \"yes\"",
                "f.yaml:3:4: c: expected a number of zero or more, found -1",
                "f.yaml:4:4: d: expected a sequence, found a string",
                "f.yaml:5:5: e.k: unknown field \"k\": expected one of j",
                "f.yaml:6:4: f: expected a string, found an integer",
            ]
        );
    }

    #[test]
    fn items_keep_their_index_and_missing_fields_the_nearest_location() {
        let problems = read("list:\n  - name: a\n  - {}\n", |r, root| {
            let items = root.get("list").items().unwrap();
            let name = items[1].get("name");
            assert!(name.node().is_none());
            r.fail(&name, "missing");
            assert!(items[1].items().is_none());
            assert_eq!(items[0].get("name").as_str(), Some("a"));
        });
        assert_eq!(problems, ["f.yaml:3:5: list[1].name: missing"]);
    }
}
