//! Reading YAML (multi-document) and JSON files and folders, keeping the location of every value.

mod diagnostic;
mod document;
mod fields;
mod limits;
mod node;
mod read;

pub use diagnostic::Diagnostic;
pub use document::Document;
pub use fields::{Field, FieldReader};
pub use limits::LoadLimits;
pub use node::{Key, Location, Node, NodeValue, PathSegment, field_path, pointer_segments};
pub use read::{ReadError, read_input_file};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

/// What loading produced: every document that parsed, and a diagnostic for every input that did not.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Parsed documents in input order.
    pub documents: Vec<Document>,
    /// Problems reading or parsing inputs.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Adds another result to this one.
    pub fn extend(&mut self, other: Loaded) {
        self.documents.extend(other.documents);
        self.diagnostics.extend(other.diagnostics);
    }
}

/// The input format of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// YAML, possibly several documents separated by `---`.
    Yaml,
    /// One JSON value.
    Json,
}

impl Format {
    /// The format of a path by its extension (`.json` is JSON, anything else YAML).
    pub fn of_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Yaml,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

/// The files of paths in input order, folders expanded (recursively: `.yaml`, `.yml`,
/// `.json`, in name order); a path that cannot be read is a diagnostic in its place.
pub fn input_files<P: AsRef<Path>>(paths: &[P]) -> Vec<Result<PathBuf, Diagnostic>> {
    let mut inputs = Vec::new();
    for path in paths {
        let path = path.as_ref();
        match collect_files(path) {
            Ok(files) => inputs.extend(files.into_iter().map(Ok)),
            Err(message) => inputs.push(Err(Diagnostic::new(
                Arc::from(path.display().to_string()),
                Location::new(1, 1),
                "(file)",
                message,
            ))),
        }
    }
    inputs
}

/// Reads files, folders and strings into located documents.
#[derive(Debug, Clone, Default)]
pub struct Loader {
    limits: LoadLimits,
}

impl Loader {
    /// A loader with the default limits.
    pub fn new() -> Self {
        Loader::default()
    }

    /// A loader with the given limits.
    pub fn with_limits(limits: LoadLimits) -> Self {
        Loader { limits }
    }

    /// Loads files and folders (recursively: `.yaml`, `.yml`, `.json`, in name order). Files
    /// are read and parsed on every core; documents and diagnostics keep the input order.
    pub fn load_paths<P: AsRef<Path>>(&self, paths: &[P]) -> Loaded {
        let inputs = input_files(paths);
        let parts: Vec<Loaded> = inputs
            .into_par_iter()
            .map(|input| match input {
                Ok(file) => self.load_file(&file),
                Err(diagnostic) => Loaded {
                    documents: Vec::new(),
                    diagnostics: vec![diagnostic],
                },
            })
            .collect();
        let mut loaded = Loaded::default();
        for part in parts {
            loaded.extend(part);
        }
        loaded
    }

    /// Loads one file; anything but a regular file (or a symlink to one) is refused with a diagnostic.
    pub fn load_file(&self, path: &Path) -> Loaded {
        let name: Arc<str> = Arc::from(path.display().to_string());
        let mut loaded = Loaded::default();
        match read_input_file(path, self.limits.max_file_bytes) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => self.load_str(name, &text, Format::of_path(path)),
                Err(e) => {
                    let offset = e.utf8_error().valid_up_to();
                    let text = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
                    let location = location_of_offset(&text, offset);
                    loaded.diagnostics.push(Diagnostic::new(
                        name,
                        location,
                        Format::of_path(path).name(),
                        "expected UTF-8 text, found an invalid byte sequence",
                    ));
                    loaded
                }
            },
            Err(e) => {
                loaded.diagnostics.push(Diagnostic::new(
                    name,
                    Location::new(1, 1),
                    "(file)",
                    e.to_string(),
                ));
                loaded
            }
        }
    }

    /// Loads documents from text; `name` is used in locations.
    pub fn load_str(&self, name: Arc<str>, text: &str, format: Format) -> Loaded {
        let mut loaded = Loaded::default();
        if text.len() > self.limits.max_file_bytes {
            loaded.diagnostics.push(Diagnostic::new(
                name,
                Location::new(1, 1),
                format.name(),
                format!(
                    "expected at most {} bytes, found {} bytes",
                    self.limits.max_file_bytes,
                    text.len()
                ),
            ));
            return loaded;
        }
        let parsed =
            serde_saphyr::from_multiple_with_options::<Node>(text, self.limits.yaml_options());
        match parsed {
            Ok(nodes) => {
                let mut documents: Vec<Node> = nodes;
                documents.retain(|n| n.value != NodeValue::Null);
                if format == Format::Json && documents.len() > 1 {
                    loaded.diagnostics.push(Diagnostic::new(
                        name,
                        documents[1].location,
                        "json",
                        "expected one JSON value per file, found another document",
                    ));
                    return loaded;
                }
                for (index, root) in documents.into_iter().enumerate() {
                    loaded
                        .documents
                        .push(Document::new(name.clone(), index, root));
                }
            }
            Err(e) => {
                let location = e
                    .location()
                    .map(|l| {
                        Location::new(node::clamp(l.line()).max(1), node::clamp(l.column()).max(1))
                    })
                    .unwrap_or(Location::new(1, 1));
                loaded.diagnostics.push(Diagnostic::new(
                    name,
                    location,
                    format.name(),
                    parser_message(&e),
                ));
            }
        }
        loaded
    }
}

/// The parser's message without its own location suffix or snippet.
fn parser_message(error: &serde_saphyr::Error) -> String {
    let text = error.to_string();
    let first = text.lines().next().unwrap_or("").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // "line 1 column 9: message" or "message at line 2, column 3"
    let first = match first.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") && head.contains(" column ") => rest,
        _ => first,
    };
    let first = match first.rfind(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    if first.is_empty() {
        "malformed input".to_owned()
    } else {
        first.to_owned()
    }
}

fn location_of_offset(text: &str, offset: usize) -> Location {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u32 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
    Location::new(line, column)
}

fn is_document_file(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("yaml" | "yml" | "json")
    )
}

/// The files under a path: the path itself when it is not a folder, else its document files
/// recursively, sorted.
///
/// A path that is neither a file nor a folder (a FIFO, a device) is returned as it is, so that
/// reading it reports what it is instead of this walk calling it "not a folder". Inside a folder,
/// symlinks named `*.yaml`, `*.yml` or `*.json` are listed and their target checked when read;
/// symlinks to folders are not followed, so a link cycle cannot trap the walk.
pub fn collect_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot read folder {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read folder {}: {e}", dir.display()))?;
            let p = entry.path();
            let file_type = entry
                .file_type()
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            if file_type.is_dir() {
                stack.push(p);
            } else if is_document_file(&p) {
                files.push(p);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests;
