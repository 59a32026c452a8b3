//! A parsed value that remembers where every part of it came from.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use serde_saphyr::Spanned;
use std::fmt;

/// A line and column in a source file, both starting at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Location {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
}

impl Location {
    /// A location from line and column.
    pub fn new(line: u32, column: u32) -> Self {
        Location { line, column }
    }

    fn of<T>(spanned: &Spanned<T>) -> Self {
        Location::new(
            clamp(spanned.referenced.line()),
            clamp(spanned.referenced.column()),
        )
    }
}

/// Narrows a parser line or column to `u32`, saturating.
pub(crate) fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A mapping key and its location.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key text.
    pub name: String,
    /// Where the key is written.
    pub location: Location,
}

/// A value with the location of its first character.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value starts.
    pub location: Location,
    /// The value.
    pub value: NodeValue,
}

/// The value of a [`Node`], in JSON's data model.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `null` or an empty YAML value.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A whole number above `i64::MAX`.
    UInt(u64),
    /// A number with a fraction or exponent.
    Float(f64),
    /// A string.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<(Key, Node)>),
}

/// One step of a path into a value: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

impl PathSegment {
    /// The segment of a mapping key.
    pub fn key(key: &str) -> PathSegment {
        PathSegment::Key(key.to_owned())
    }
}

impl Node {
    /// The entry of a mapping, when this node is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value of a mapping entry.
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            NodeValue::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The string value, when this node is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// A short name of this node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) | NodeValue::UInt(_) => "an integer",
            NodeValue::Float(_) => "a number",
            NodeValue::String(_) => "a string",
            NodeValue::Seq(_) => "a sequence",
            NodeValue::Map(_) => "a mapping",
        }
    }

    /// A short description for messages: the value itself when it is a scalar, else its type name.
    pub fn describe(&self) -> String {
        match &self.value {
            NodeValue::String(s) => format!("{s:?}"),
            NodeValue::Int(i) => i.to_string(),
            NodeValue::UInt(u) => u.to_string(),
            NodeValue::Float(f) => f.to_string(),
            NodeValue::Bool(b) => b.to_string(),
            _ => self.type_name().to_owned(),
        }
    }

    /// The node at a path, or the deepest node on the way when the path leaves the tree.
    pub fn locate(&self, path: &[PathSegment]) -> &Node {
        let mut node = self;
        for segment in path {
            let next = match (segment, &node.value) {
                (PathSegment::Key(k), NodeValue::Map(_)) => node.get(k),
                (PathSegment::Index(i), NodeValue::Seq(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }

    /// The location of a mapping key at a path (the last segment is the key).
    pub fn locate_key(&self, parent: &[PathSegment], key: &str) -> Location {
        let node = self.locate(parent);
        node.entry(key)
            .map(|(k, _)| k.location)
            .unwrap_or(node.location)
    }

    /// Converts to a JSON value, dropping locations.
    pub fn to_json(&self) -> Value {
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::from(*i),
            NodeValue::UInt(u) => Value::from(*u),
            NodeValue::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
            NodeValue::String(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(k.name.clone(), v.to_json());
                }
                Value::Object(map)
            }
        }
    }

    /// Builds a node tree from a JSON value, every node at one location (for values made in code).
    pub fn from_json(value: &Value, location: Location) -> Node {
        let value = match value {
            Value::Null => NodeValue::Null,
            Value::Bool(b) => NodeValue::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => NodeValue::Int(i),
                (None, Some(u), _) => NodeValue::UInt(u),
                (_, _, f) => NodeValue::Float(f.unwrap_or(0.0)),
            },
            Value::String(s) => NodeValue::String(s.clone()),
            Value::Array(items) => {
                NodeValue::Seq(items.iter().map(|v| Node::from_json(v, location)).collect())
            }
            Value::Object(map) => NodeValue::Map(
                map.iter()
                    .map(|(k, v)| {
                        (
                            Key {
                                name: k.clone(),
                                location,
                            },
                            Node::from_json(v, location),
                        )
                    })
                    .collect(),
            ),
        };
        Node { location, value }
    }
}

/// Parses a JSON pointer (`/spec/containers/0`) into path segments; numeric segments become indexes.
pub fn pointer_segments(pointer: &str) -> Vec<PathSegment> {
    pointer
        .split('/')
        .skip(1)
        .map(|raw| {
            let key = raw.replace("~1", "/").replace("~0", "~");
            match key.parse::<usize>() {
                Ok(i) if !key.starts_with('+') && (key == "0" || !key.starts_with('0')) => {
                    PathSegment::Index(i)
                }
                _ => PathSegment::Key(key),
            }
        })
        .collect()
}

/// Prints path segments as a field path: `spec.containers[0].image`, with `['a.b']` for keys that need quoting.
pub fn field_path(segments: &[PathSegment]) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            PathSegment::Index(i) => out.push_str(&format!("[{i}]")),
            PathSegment::Key(k) => {
                let plain = !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if plain {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                } else {
                    out.push_str(&format!("[{k:?}]").replace('"', "'"));
                }
            }
        }
    }
    out
}

struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<KeyText, E> {
                Ok(KeyText(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".into()))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct RawNode(NodeValue);

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NodeVisitor;
        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = RawNode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML or JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::Null))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::Int(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawNode, E> {
                Ok(RawNode(match i64::try_from(v) {
                    Ok(i) => NodeValue::Int(i),
                    Err(_) => NodeValue::UInt(v),
                }))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawNode, E> {
                Ok(RawNode(match i64::try_from(v) {
                    Ok(i) => NodeValue::Int(i),
                    Err(_) => NodeValue::Float(v as f64),
                }))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawNode, E> {
                Ok(RawNode(match u64::try_from(v) {
                    Ok(u) => NodeValue::UInt(u),
                    Err(_) => NodeValue::Float(v as f64),
                }))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::Float(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::String(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::String(v)))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::String(
                    String::from_utf8_lossy(v).into_owned(),
                )))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawNode, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element::<Node>()? {
                    items.push(item);
                }
                Ok(RawNode(NodeValue::Seq(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawNode, A::Error> {
                let mut entries: Vec<(Key, Node)> = Vec::new();
                while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
                    let value = map.next_value::<Node>()?;
                    let key = Key {
                        location: Location::of(&key),
                        name: key.value.0,
                    };
                    entries.push((key, value));
                }
                Ok(RawNode(NodeValue::Map(entries)))
            }
        }
        deserializer.deserialize_any(NodeVisitor)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<RawNode>::deserialize(deserializer)?;
        Ok(Node {
            location: Location::of(&spanned),
            value: spanned.value.0,
        })
    }
}
