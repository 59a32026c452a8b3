//! Placeholders no composition can fill: an Application's container that reads
//! `${resources.<name>.outputs.<key>}` from a claim whose chosen composition never writes that
//! output would wait forever. Found before anything is created, at validate, plan and apply.

use serde_json::Value;

use crate::compose::Provided;
use crate::engine::reconcile::{APPLICATION, local_name};
use crate::engine::{Engine, EngineError};
use crate::kinds::{ApplicationSpec, placeholders};
use crate::load::PathSegment;
use crate::model::{DynamicObject, Resource};
use crate::schema::FieldIssue;
use crate::validate::Checked;

impl Engine {
    /// Every placeholder of an Application that the compositions chosen for its claims, in this
    /// engine's environment, cannot fill, each at its field (`spec.containers[i].env.NAME`).
    /// Claims whose composition cannot be chosen, or does not say what it provides, are left to
    /// the reconcile.
    pub fn unfillable_placeholders(&self, object: &DynamicObject) -> Vec<FieldIssue> {
        if object.kind != APPLICATION {
            return Vec::new();
        }
        let (Ok(spec), Ok(children)) = (
            object.spec_as::<ApplicationSpec>(),
            self.children_of(object),
        ) else {
            return Vec::new();
        };
        // What each requested claim's composition provides, by the claim's local name.
        let mut provided: Vec<(String, String, String, Provided)> = Vec::new();
        for child in &children {
            let local = local_name(child);
            let composite = serde_json::to_value(child).unwrap_or(Value::Null);
            let default = self.inner.defaults.get(&child.kind).map(String::as_str);
            let Ok(composition) =
                self.inner
                    .compositions
                    .select(&composite, &self.inner.environment, default)
            else {
                continue;
            };
            if let Some(p) = composition.provides() {
                provided.push((local, composition.name().to_owned(), child.kind.clone(), p));
            }
        }
        let mut issues = Vec::new();
        for (i, container) in spec.containers.iter().enumerate() {
            for (var, text) in &container.env {
                let Ok(found) = placeholders(text) else {
                    continue;
                };
                for p in found {
                    let Some((_, composition, kind, offered)) =
                        provided.iter().find(|(local, ..)| *local == p.resource)
                    else {
                        continue;
                    };
                    let (section, names) = match p.section.as_str() {
                        "secrets" => ("secrets", &offered.secrets),
                        _ => ("outputs", &offered.outputs),
                    };
                    if names.contains(&p.key) {
                        continue;
                    }
                    let list = if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.iter().cloned().collect::<Vec<_>>().join(", ")
                    };
                    issues.push(FieldIssue::at(
                        vec![
                            PathSegment::key("spec"),
                            PathSegment::key("containers"),
                            PathSegment::Index(i),
                            PathSegment::key("env"),
                            PathSegment::key(var),
                        ],
                        format!(
                            "expected one of the {section} that composition {composition:?} provides for {kind} {:?} in environment {:?} ({list}), found ${{resources.{}.{}.{}}}, which nothing fills: the Application would never be Ready",
                            p.resource, self.inner.environment, p.resource, p.section, p.key
                        ),
                    ));
                }
            }
        }
        issues
    }

    /// Refuses a request holding an Application with a placeholder nothing can fill.
    pub(crate) fn refuse_unfillable(&self, objects: &[Checked]) -> Result<(), EngineError> {
        for checked in objects {
            let issues = self.unfillable_placeholders(checked.object());
            if !issues.is_empty() {
                return Err(EngineError::Invalid {
                    object: Box::new(checked.object().object_ref()),
                    origin: checked.origin().map(str::to_owned),
                    issues,
                });
            }
        }
        Ok(())
    }
}
