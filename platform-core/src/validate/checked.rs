//! A checked object: what validation hands the engine, so nothing checks it twice.

use crate::model::DynamicObject;

/// An object checked against its kind (schema, and for documents the metadata rules and the
/// kind's own checks), with the kind's defaults filled in, and where it came from.
///
/// Made by [`Validator::checked`](super::Validator::checked) from documents, or by
/// [`Engine::check`](crate::engine::Engine::check) from objects built in code; the engine takes
/// it as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    object: DynamicObject,
    origin: Option<String>,
}

impl Checked {
    /// A checked object; only checkers make one.
    pub(crate) fn new(object: DynamicObject, origin: Option<String>) -> Self {
        Checked { object, origin }
    }

    /// The object, defaults filled in.
    pub fn object(&self) -> &DynamicObject {
        &self.object
    }

    /// Where it came from, such as `claims.yaml:12:1`, when it came from a file.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The object, giving up its origin.
    pub fn into_object(self) -> DynamicObject {
        self.object
    }

    /// The object and its origin.
    pub fn into_parts(self) -> (DynamicObject, Option<String>) {
        (self.object, self.origin)
    }
}
