//! Field paths (`a.b[0].c`, `metadata.labels['example.org/key']`, `items[*]`) over
//! `serde_json::Value`, with the grammar and error texts of crossplane-runtime's
//! `fieldpath` package.
//!
//! Grammar notes (as in crossplane-runtime):
//! * fields are separated by `.`; a leading, trailing or doubled `.` is an error,
//!   and so is `.[`;
//! * the text inside `[...]` is taken literally (periods included); if it is an
//!   unsigned 32-bit decimal integer it is an array index, otherwise a field name;
//! * single and double quotes around a field name are trimmed, so `['0']` is the
//!   field `"0"` while `[0]` is index 0;
//! * a field named `*` (normally written `[*]`) is a wildcard;
//! * a field may follow `]` directly (`a[0]b` is `a[0].b`);
//! * the empty string is the empty path (the root value).
//!
//! Wildcards: [`FieldPath::get`] never matches a wildcard (as in Crossplane, where
//! `[*]` in a source path finds nothing); [`FieldPath::get_all`] expands them.
//! [`FieldPath::set`] expands a wildcard over the elements that already exist (array
//! items or object members) and fails if nothing matched.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::error::{PathError, SetError};

/// Largest array index [`FieldPath::set`] will grow an array to.
pub const MAX_SET_INDEX: u32 = 10_000;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A field of an object.
    Field(String),
    /// An element of an array.
    Index(u32),
    /// Every element of an array or every member of an object (`[*]`).
    Wildcard,
}

/// A parsed field path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FieldPath {
    segments: Vec<Segment>,
}

/// How [`FieldPath::set_with`] combines a new value with an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum MergePolicy {
    /// Replace the destination value (the default).
    #[default]
    Replace,
    /// Merge objects recursively; existing destination values win; arrays are kept.
    #[serde(alias = "MergeObject")]
    MergeObjects,
    /// Like `MergeObjects`, but arrays get the new items appended (items already present are dropped).
    MergeObjectsAppendArrays,
    /// Merge objects recursively; new values overwrite existing ones; arrays are replaced.
    ForceMergeObjects,
    /// Like `ForceMergeObjects`, but arrays get the new items appended (items already present are dropped).
    #[serde(alias = "AppendArray")]
    ForceMergeObjectsAppendArrays,
}

impl MergePolicy {
    fn keep_existing(self) -> bool {
        matches!(self, Self::MergeObjects | Self::MergeObjectsAppendArrays)
    }

    fn append_arrays(self) -> bool {
        matches!(
            self,
            Self::MergeObjectsAppendArrays | Self::ForceMergeObjectsAppendArrays
        )
    }
}

impl FieldPath {
    /// Parses a field path; errors read like crossplane-runtime's (`unexpected '.' at position 9`).
    pub fn parse(input: &str) -> Result<Self, PathError> {
        parse_segments(input).map(|segments| Self { segments })
    }

    /// Builds a path from segments.
    pub fn from_segments(segments: Vec<Segment>) -> Self {
        Self { segments }
    }

    /// The path's segments.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// True for the empty path (the root value).
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// True if the path contains a `[*]` wildcard.
    pub fn has_wildcard(&self) -> bool {
        self.segments.iter().any(|s| matches!(s, Segment::Wildcard))
    }

    /// The value at this path, if every step exists; a wildcard or a type mismatch gives `None`.
    pub fn get<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        let mut cur = root;
        for seg in &self.segments {
            cur = match (seg, cur) {
                (Segment::Field(f), Value::Object(m)) => m.get(f)?,
                (Segment::Index(i), Value::Array(a)) => a.get(usize::try_from(*i).ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Every value matched by this path, expanding wildcards over arrays and objects.
    pub fn get_all<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        let mut out = Vec::new();
        collect_all(root, &self.segments, &mut out);
        out
    }

    /// Writes `value` at this path, replacing what is there (see [`FieldPath::set_with`]).
    pub fn set(&self, root: &mut Value, value: Value) -> Result<(), SetError> {
        self.set_with(root, value, MergePolicy::Replace)
    }

    /// Writes `value` at this path under `policy`, creating missing objects and arrays.
    ///
    /// A `null` on the way counts as missing and is replaced by the container the
    /// next segment needs. An index past the end of an array extends it with nulls
    /// (up to [`MAX_SET_INDEX`]). A wildcard expands over existing elements; if the
    /// path has a wildcard and nothing was written, the result is
    /// [`SetError::NoExpansion`].
    pub fn set_with(
        &self,
        root: &mut Value,
        value: Value,
        policy: MergePolicy,
    ) -> Result<(), SetError> {
        let mut writes = 0usize;
        set_at(
            root,
            &self.segments,
            0,
            &self.segments,
            &value,
            policy,
            &mut writes,
        )?;
        if writes == 0 && self.has_wildcard() {
            return Err(SetError::NoExpansion {
                path: self.to_string(),
            });
        }
        Ok(())
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_segments(f, &self.segments)
    }
}

impl FromStr for FieldPath {
    type Err = PathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for FieldPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FieldPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s)
            .map_err(|e| serde::de::Error::custom(format_args!("invalid field path {s:?}: {e}")))
    }
}

fn write_segments(f: &mut impl fmt::Write, segments: &[Segment]) -> fmt::Result {
    for (i, seg) in segments.iter().enumerate() {
        match seg {
            Segment::Index(n) => write!(f, "[{n}]")?,
            Segment::Wildcard => f.write_str("[*]")?,
            Segment::Field(name) => {
                if dotted_ok(name) {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    f.write_str(name)?;
                } else if name.is_empty() || is_index(name) {
                    write!(f, "['{name}']")?;
                } else {
                    // Names holding brackets, or starting/ending with quotes, have no
                    // spelling in this grammar (nor in Crossplane's); print best effort.
                    write!(f, "[{name}]")?;
                }
            }
        }
    }
    Ok(())
}

fn segments_to_string(segments: &[Segment]) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = write_segments(&mut s, segments);
    if s.is_empty() { "root".to_string() } else { s }
}

fn is_quote(c: char) -> bool {
    c == '\'' || c == '"'
}

fn dotted_ok(name: &str) -> bool {
    !name.is_empty()
        && name != "*"
        && !name.contains(['.', '[', ']'])
        && !name.starts_with(is_quote)
        && !name.ends_with(is_quote)
}

fn is_index(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u32>().is_ok()
}

fn field(s: &str) -> Segment {
    let trimmed = s.trim_matches(is_quote);
    if trimmed == "*" {
        Segment::Wildcard
    } else {
        Segment::Field(trimmed.to_string())
    }
}

fn field_or_index(s: &str) -> Segment {
    if is_index(s)
        && let Ok(n) = s.parse::<u32>()
    {
        return Segment::Index(n);
    }
    field(s)
}

fn find_byte(s: &str, from: usize, b: u8) -> Option<usize> {
    s.as_bytes()
        .get(from..)?
        .iter()
        .position(|&c| c == b)
        .map(|p| p + from)
}

fn slice(s: &str, from: usize, to: usize) -> &str {
    s.get(from..to).unwrap_or_default()
}

/// A hand-written version of crossplane-runtime's lexer state machine.
fn parse_segments(input: &str) -> Result<Vec<Segment>, PathError> {
    enum State {
        Field,
        Period,
        LeftBracket,
    }
    let bytes = input.as_bytes();
    let len = bytes.len();
    let mut segments = Vec::new();
    let mut pos = 0usize;
    let mut state = State::Field;
    loop {
        match state {
            State::Field => {
                let rest = bytes.get(pos..).unwrap_or_default();
                let stop = rest
                    .iter()
                    .position(|&c| c == b']' || c == b'[' || c == b'.');
                match stop {
                    None => {
                        if pos < len {
                            segments.push(field(slice(input, pos, len)));
                        }
                        return Ok(segments);
                    }
                    Some(i) => {
                        let at = pos + i;
                        let c = rest.get(i).copied().unwrap_or_default();
                        if c == b']' {
                            return Err(PathError::Unexpected { ch: ']', pos: at });
                        }
                        if at > pos {
                            segments.push(field(slice(input, pos, at)));
                        }
                        pos = at;
                        state = if c == b'[' {
                            State::LeftBracket
                        } else {
                            State::Period
                        };
                    }
                }
            }
            State::Period => {
                if pos == 0 || pos + 1 == len {
                    return Err(PathError::Unexpected { ch: '.', pos });
                }
                pos += 1;
                match bytes.get(pos) {
                    Some(b'.') => return Err(PathError::Unexpected { ch: '.', pos }),
                    Some(b'[') => return Err(PathError::Unexpected { ch: '[', pos }),
                    _ => state = State::Field,
                }
            }
            State::LeftBracket => {
                if find_byte(input, pos, b']').is_none() {
                    return Err(PathError::Unterminated { pos });
                }
                pos += 1;
                let Some(rb) = find_byte(input, pos, b']') else {
                    return Err(PathError::Unterminated { pos: pos - 1 });
                };
                if rb == pos {
                    return Err(PathError::Unexpected { ch: ']', pos });
                }
                if let Some(lb) = find_byte(slice(input, 0, rb), pos, b'[') {
                    return Err(PathError::Unexpected { ch: '[', pos: lb });
                }
                segments.push(field_or_index(slice(input, pos, rb)));
                pos = rb + 1;
                state = State::Field;
            }
        }
    }
}

fn collect_all<'a>(cur: &'a Value, segs: &[Segment], out: &mut Vec<&'a Value>) {
    let Some((first, rest)) = segs.split_first() else {
        out.push(cur);
        return;
    };
    match (first, cur) {
        (Segment::Field(f), Value::Object(m)) => {
            if let Some(v) = m.get(f) {
                collect_all(v, rest, out);
            }
        }
        (Segment::Index(i), Value::Array(a)) => {
            if let Some(v) = usize::try_from(*i).ok().and_then(|i| a.get(i)) {
                collect_all(v, rest, out);
            }
        }
        (Segment::Wildcard, Value::Array(a)) => a.iter().for_each(|v| collect_all(v, rest, out)),
        (Segment::Wildcard, Value::Object(m)) => {
            m.values().for_each(|v| collect_all(v, rest, out));
        }
        _ => {}
    }
}

fn set_at(
    cur: &mut Value,
    segs: &[Segment],
    depth: usize,
    all: &[Segment],
    value: &Value,
    policy: MergePolicy,
    writes: &mut usize,
) -> Result<(), SetError> {
    let Some((first, rest)) = segs.split_first() else {
        write_value(cur, value.clone(), policy);
        *writes += 1;
        return Ok(());
    };
    let prefix = || segments_to_string(all.get(..depth).unwrap_or_default());
    match first {
        Segment::Field(name) => {
            if cur.is_null() {
                *cur = Value::Object(Map::new());
            }
            let Value::Object(map) = cur else {
                return Err(SetError::NotAnObject { path: prefix() });
            };
            let slot = map.entry(name.clone()).or_insert(Value::Null);
            set_at(slot, rest, depth + 1, all, value, policy, writes)
        }
        Segment::Index(index) => {
            if cur.is_null() {
                *cur = Value::Array(Vec::new());
            }
            let Value::Array(items) = cur else {
                return Err(SetError::NotAnArray { path: prefix() });
            };
            if *index > MAX_SET_INDEX {
                return Err(SetError::IndexTooLarge {
                    path: prefix(),
                    index: *index,
                    max: MAX_SET_INDEX,
                });
            }
            let i = usize::try_from(*index).unwrap_or(usize::MAX);
            if items.len() <= i {
                items.resize(i.saturating_add(1), Value::Null);
            }
            match items.get_mut(i) {
                Some(slot) => set_at(slot, rest, depth + 1, all, value, policy, writes),
                None => Err(SetError::NotAnArray { path: prefix() }),
            }
        }
        Segment::Wildcard => match cur {
            Value::Array(items) => {
                for item in items.iter_mut() {
                    set_at(item, rest, depth + 1, all, value, policy, writes)?;
                }
                Ok(())
            }
            Value::Object(map) => {
                for item in map.values_mut() {
                    set_at(item, rest, depth + 1, all, value, policy, writes)?;
                }
                Ok(())
            }
            _ => Ok(()),
        },
    }
}

fn write_value(slot: &mut Value, value: Value, policy: MergePolicy) {
    if policy == MergePolicy::Replace || slot.is_null() || value.is_null() {
        *slot = value;
        return;
    }
    let dst = std::mem::take(slot);
    *slot = merge(dst, value, policy.keep_existing(), policy.append_arrays());
}

/// Merges `src` into `dst`: objects recursively; arrays appended (without items
/// already present) when `append`; otherwise the existing value wins when `keep`,
/// the new one when not. A null on either side yields the other side.
fn merge(dst: Value, src: Value, keep: bool, append: bool) -> Value {
    match (dst, src) {
        (Value::Null, s) => s,
        (d, Value::Null) => d,
        (Value::Object(mut d), Value::Object(s)) => {
            for (k, sv) in s {
                match d.get_mut(&k) {
                    Some(dv) => {
                        let old = std::mem::take(dv);
                        *dv = merge(old, sv, keep, append);
                    }
                    None => {
                        d.insert(k, sv);
                    }
                }
            }
            Value::Object(d)
        }
        (Value::Array(mut d), Value::Array(s)) if append => {
            let fresh: Vec<Value> = s.into_iter().filter(|v| !d.contains(v)).collect();
            d.extend(fresh);
            Value::Array(d)
        }
        (d, s) => {
            if keep {
                d
            } else {
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn p(s: &str) -> FieldPath {
        FieldPath::parse(s).unwrap()
    }

    #[test]
    fn parse_table() {
        use Segment::*;
        let f = |s: &str| Field(s.to_string());
        let cases: Vec<(&str, Vec<Segment>)> = vec![
            ("", vec![]),
            ("metadata.name", vec![f("metadata"), f("name")]),
            (
                "spec.containers[0].name",
                vec![f("spec"), f("containers"), Index(0), f("name")],
            ),
            ("data[.config.yml]", vec![f("data"), f(".config.yml")]),
            (
                "metadata.annotations['crossplane.io/external-name']",
                vec![
                    f("metadata"),
                    f("annotations"),
                    f("crossplane.io/external-name"),
                ],
            ),
            (
                "metadata.labels[\"a.b/c\"]",
                vec![f("metadata"), f("labels"), f("a.b/c")],
            ),
            (
                "spec.items[0][8]",
                vec![f("spec"), f("items"), Index(0), Index(8)],
            ),
            ("apiVersion", vec![f("apiVersion")]),
            ("[42]", vec![Index(42)]),
            ("a[*].b", vec![f("a"), Wildcard, f("b")]),
            ("a.*", vec![f("a"), Wildcard]),
            ("a['0']", vec![f("a"), f("0")]),
            ("a.0", vec![f("a"), f("0")]),
            ("a[007]", vec![f("a"), Index(7)]),
            ("a[4294967296]", vec![f("a"), f("4294967296")]),
            ("a[+1]", vec![f("a"), f("+1")]),
            ("a[0]b", vec![f("a"), Index(0), f("b")]),
            ("a['']", vec![f("a"), f("")]),
            ("ünï.cödé", vec![f("ünï"), f("cödé")]),
        ];
        for (input, want) in cases {
            assert_eq!(p(input).segments(), want.as_slice(), "parsing {input:?}");
        }
    }

    #[test]
    fn parse_errors_match_crossplane_texts() {
        let cases = [
            (".metadata.name", "unexpected '.' at position 0"),
            ("metadata..name", "unexpected '.' at position 9"),
            ("metadata.name.", "unexpected '.' at position 13"),
            ("spec.containers[]", "unexpected ']' at position 16"),
            ("spec.containers.[0].name", "unexpected '[' at position 16"),
            ("spec[0", "unterminated '[' at position 4"),
            ("spec]", "unexpected ']' at position 4"),
            ("a[b[c]", "unexpected '[' at position 3"),
            ("a.]", "unexpected ']' at position 2"),
            (".", "unexpected '.' at position 0"),
        ];
        for (input, want) in cases {
            let err = FieldPath::parse(input).unwrap_err();
            assert_eq!(err.to_string(), want, "parsing {input:?}");
        }
    }

    #[test]
    fn display_is_canonical() {
        let cases = [
            ("metadata.name", "metadata.name"),
            ("a[0]b", "a[0].b"),
            ("data[.config.yml]", "data[.config.yml]"),
            (
                "metadata.labels['example.org/key']",
                "metadata.labels[example.org/key]",
            ),
            ("a['0']", "a.0"),
            ("a.0", "a.0"),
            ("a['x']", "a.x"),
            ("a[*]", "a[*]"),
            ("a.*", "a[*]"),
            ("a['']", "a['']"),
            ("[3].x", "[3].x"),
        ];
        for (input, want) in cases {
            let path = p(input);
            assert_eq!(path.to_string(), want);
            assert_eq!(p(&path.to_string()), path);
        }
    }

    #[test]
    fn get_values() {
        let v = json!({"a": {"b": [10, {"c": "x"}], "d.e": 1, "n": null}});
        assert_eq!(p("a.b[0]").get(&v), Some(&json!(10)));
        assert_eq!(p("a.b[1].c").get(&v), Some(&json!("x")));
        assert_eq!(p("a[d.e]").get(&v), Some(&json!(1)));
        assert_eq!(p("a.n").get(&v), Some(&Value::Null));
        assert_eq!(p("").get(&v), Some(&v));
        assert_eq!(p("a.b[2]").get(&v), None);
        assert_eq!(p("a.missing").get(&v), None);
        assert_eq!(p("a.b.c").get(&v), None, "field of an array");
        assert_eq!(p("a[0]").get(&v), None, "index of an object");
        assert_eq!(p("a.b[*]").get(&v), None, "wildcards never match in get");
        assert_eq!(
            p("a.b[*]").get_all(&v),
            vec![&json!(10), &json!({"c": "x"})]
        );
        assert_eq!(p("a.b[*].c").get_all(&v), vec![&json!("x")]);
        assert_eq!(p("a[*]").get_all(&v).len(), 3);
    }

    #[test]
    fn set_creates_objects_and_arrays() {
        let mut v = json!({});
        p("spec.forProvider.tags[2].key")
            .set(&mut v, json!("k"))
            .unwrap();
        assert_eq!(
            v,
            json!({"spec": {"forProvider": {"tags": [null, null, {"key": "k"}]}}})
        );
        p("spec.forProvider.tags[0]").set(&mut v, json!(1)).unwrap();
        assert_eq!(p("spec.forProvider.tags[0]").get(&v), Some(&json!(1)));
        p("m['a.b']").set(&mut v, json!(true)).unwrap();
        assert_eq!(v["m"]["a.b"], json!(true));
        let mut n = json!({"x": null});
        p("x.y[1]").set(&mut n, json!(2)).unwrap();
        assert_eq!(n, json!({"x": {"y": [null, 2]}}));
        let mut root = json!({"a": 1});
        p("").set(&mut root, json!("all")).unwrap();
        assert_eq!(root, json!("all"));
    }

    #[test]
    fn set_errors() {
        let mut v = json!({"a": "str", "b": {"c": 1}});
        assert_eq!(
            p("a.b").set(&mut v, json!(1)).unwrap_err().to_string(),
            "a is not an object"
        );
        assert_eq!(
            p("b[0]").set(&mut v, json!(1)).unwrap_err().to_string(),
            "b is not an array"
        );
        assert_eq!(
            p("z[10001]").set(&mut v, json!(1)).unwrap_err().to_string(),
            "index 10001 at z exceeds the maximum array index 10000"
        );
        assert_eq!(
            p("b.c[*]").set(&mut v, json!(1)).unwrap_err().to_string(),
            "cannot expand ToFieldPath b.c[*]"
        );
        let mut s = json!("scalar");
        assert_eq!(
            p("x").set(&mut s, json!(1)).unwrap_err().to_string(),
            "root is not an object"
        );
    }

    #[test]
    fn set_wildcard_expands_existing_elements() {
        let mut v = json!({"items": [{"n": 1}, {"n": 2}], "m": {"x": {}, "y": {}}});
        p("items[*].zone").set(&mut v, json!("eu")).unwrap();
        assert_eq!(
            v["items"],
            json!([{"n": 1, "zone": "eu"}, {"n": 2, "zone": "eu"}])
        );
        p("m[*].on").set(&mut v, json!(true)).unwrap();
        assert_eq!(v["m"], json!({"x": {"on": true}, "y": {"on": true}}));
        let mut empty = json!({"items": []});
        assert!(p("items[*].zone").set(&mut empty, json!(1)).is_err());
    }

    #[test]
    fn merge_policies() {
        let dst = json!({"o": {"keep": 1, "both": "old", "arr": [1, 2], "nested": {"a": 1}}});
        let src = json!({"keep2": 2, "both": "new", "arr": [2, 3], "nested": {"b": 2}});
        let run = |policy| {
            let mut v = dst.clone();
            p("o").set_with(&mut v, src.clone(), policy).unwrap();
            v["o"].clone()
        };
        assert_eq!(run(MergePolicy::Replace), src);
        assert_eq!(
            run(MergePolicy::MergeObjects),
            json!({"keep": 1, "both": "old", "arr": [1, 2], "nested": {"a": 1, "b": 2}, "keep2": 2})
        );
        assert_eq!(
            run(MergePolicy::MergeObjectsAppendArrays),
            json!({"keep": 1, "both": "old", "arr": [1, 2, 3], "nested": {"a": 1, "b": 2}, "keep2": 2})
        );
        assert_eq!(
            run(MergePolicy::ForceMergeObjects),
            json!({"keep": 1, "both": "new", "arr": [2, 3], "nested": {"a": 1, "b": 2}, "keep2": 2})
        );
        assert_eq!(
            run(MergePolicy::ForceMergeObjectsAppendArrays),
            json!({"keep": 1, "both": "new", "arr": [1, 2, 3], "nested": {"a": 1, "b": 2}, "keep2": 2})
        );
    }

    #[test]
    fn merge_policy_edge_cases() {
        // Missing destination: every policy just writes.
        for policy in [
            MergePolicy::MergeObjects,
            MergePolicy::ForceMergeObjects,
            MergePolicy::MergeObjectsAppendArrays,
        ] {
            let mut v = json!({});
            p("a.b").set_with(&mut v, json!([1]), policy).unwrap();
            assert_eq!(v, json!({"a": {"b": [1]}}));
        }
        // Top-level arrays append without duplicates.
        let mut v = json!({"a": [1, 2]});
        p("a")
            .set_with(
                &mut v,
                json!([2, 2, 3]),
                MergePolicy::MergeObjectsAppendArrays,
            )
            .unwrap();
        assert_eq!(v, json!({"a": [1, 2, 3]}));
        // Scalars: keep vs force.
        let mut v = json!({"a": 1});
        p("a")
            .set_with(&mut v, json!(2), MergePolicy::MergeObjects)
            .unwrap();
        assert_eq!(v, json!({"a": 1}));
        p("a")
            .set_with(&mut v, json!(2), MergePolicy::ForceMergeObjects)
            .unwrap();
        assert_eq!(v, json!({"a": 2}));
        // Null source replaces at the top.
        p("a")
            .set_with(&mut v, Value::Null, MergePolicy::MergeObjects)
            .unwrap();
        assert_eq!(v, json!({"a": null}));
    }

    #[test]
    fn merge_policy_serde_names() {
        let policies: Vec<MergePolicy> = serde_json::from_value(json!([
            "Replace",
            "MergeObjects",
            "MergeObjectsAppendArrays",
            "ForceMergeObjects",
            "ForceMergeObjectsAppendArrays",
            "MergeObject",
            "AppendArray"
        ]))
        .unwrap();
        assert_eq!(policies[5], MergePolicy::MergeObjects);
        assert_eq!(policies[6], MergePolicy::ForceMergeObjectsAppendArrays);
    }

    fn segment_strategy() -> impl Strategy<Value = Segment> {
        prop_oneof![
            "[a-zA-Z0-9_./:'\" -]{0,8}".prop_map(|s| {
                // Only spellable names: those the parser can produce.
                let t = s.trim_matches(is_quote).to_string();
                if t == "*" {
                    Segment::Wildcard
                } else {
                    Segment::Field(t)
                }
            }),
            any::<u32>().prop_map(Segment::Index),
            Just(Segment::Wildcard),
        ]
    }

    proptest! {
        #[test]
        fn print_parse_roundtrip(segs in proptest::collection::vec(segment_strategy(), 0..6)) {
            let path = FieldPath::from_segments(segs);
            let printed = path.to_string();
            let reparsed = FieldPath::parse(&printed).unwrap();
            prop_assert_eq!(reparsed, path);
        }

        #[test]
        fn parse_print_parse_is_identity(s in "[a-z0-9.\\[\\]'*\"é]{0,16}") {
            if let Ok(path) = FieldPath::parse(&s) {
                let again = FieldPath::parse(&path.to_string()).unwrap();
                prop_assert_eq!(again, path);
            }
        }

        #[test]
        fn set_then_get(segs in proptest::collection::vec(prop_oneof![
            "[a-z]{1,4}".prop_map(Segment::Field),
            (0u32..20).prop_map(Segment::Index),
        ], 1..5), n in any::<i64>()) {
            let path = FieldPath::from_segments(segs);
            let mut v = json!({});
            if path.set(&mut v, json!(n)).is_ok() {
                prop_assert_eq!(path.get(&v), Some(&json!(n)));
            }
        }
    }
}
