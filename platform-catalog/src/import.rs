//! Importing catalog files people write: merged with the platform's entities, where the fields
//! the platform owns win and every disagreement is reported; and `check`, which compares the
//! dependencies a file declares with those the platform knows.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::entity::{Entity, EntityRef, Origin};
use crate::platform::is_platform_owned;

/// Two sources disagree about a field of one entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// The entity.
    #[serde(rename = "ref")]
    pub entity: String,
    /// The field, such as `spec.owner`.
    pub field: String,
    /// The value kept.
    pub kept: Value,
    /// The value set aside.
    pub declared: Value,
    /// Why one was kept.
    pub reason: String,
    /// `FILE:LINE:COL` of the document that declared the value set aside.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(origin) = &self.origin {
            write!(f, "{origin}: ")?;
        }
        write!(
            f,
            "{} {}: {}; kept {}, declared {}",
            self.entity, self.field, self.reason, self.kept, self.declared
        )
    }
}

fn origin_text(origin: &Option<Origin>) -> Option<String> {
    origin
        .as_ref()
        .map(|o| format!("{}:{}", o.file, o.location))
}

/// The entities of both sources, one per reference, and the conflicts found.
#[derive(Debug, Default)]
pub struct Merged {
    /// One entity per reference, in reference order.
    pub entities: Vec<Entity>,
    /// Every disagreement.
    pub conflicts: Vec<Conflict>,
}

/// Merges imported entities into the platform's: the same reference is one entity. On a
/// platform entity, every spec field the platform sets is kept (a different declared value is
/// a conflict); declared fields the platform does not set, and descriptive metadata, are taken
/// from the file. Two files declaring one entity differently: the later is kept, and the
/// disagreement reported.
pub fn merge(platform: Vec<Entity>, imported: Vec<Entity>) -> Merged {
    let mut conflicts = Vec::new();
    let mut declared: BTreeMap<EntityRef, Entity> = BTreeMap::new();
    for entity in imported {
        let key = entity.entity_ref();
        if let Some(earlier) = declared.get(&key)
            && earlier.spec != entity.spec
        {
            conflicts.push(Conflict {
                entity: key.to_string(),
                field: "spec".into(),
                kept: entity.spec.clone(),
                declared: earlier.spec.clone(),
                reason: format!(
                    "declared twice{}; the later declaration is kept",
                    origin_text(&entity.origin)
                        .map(|o| format!(" (again at {o})"))
                        .unwrap_or_default()
                ),
                origin: origin_text(&earlier.origin),
            });
        }
        declared.insert(key, entity);
    }
    let mut merged: BTreeMap<EntityRef, Entity> = BTreeMap::new();
    for entity in platform {
        let key = entity.entity_ref();
        let entity = match declared.remove(&key) {
            Some(file) => merge_one(entity, file, &mut conflicts),
            None => entity,
        };
        merged.insert(key, entity);
    }
    merged.extend(declared);
    Merged {
        entities: merged.into_values().collect(),
        conflicts,
    }
}

fn merge_one(platform: Entity, file: Entity, conflicts: &mut Vec<Conflict>) -> Entity {
    let key = platform.entity_ref().to_string();
    let mut result = platform.clone();
    if file.api_version != platform.api_version
        && !crate::entity::API_VERSIONS.contains(&file.api_version.as_str())
    {
        conflicts.push(Conflict {
            entity: key.clone(),
            field: "apiVersion".into(),
            kept: platform.api_version.clone().into(),
            declared: file.api_version.clone().into(),
            reason: "the platform derives this entity".into(),
            origin: origin_text(&file.origin),
        });
    }
    let platform_spec = platform.spec.as_object().cloned().unwrap_or_default();
    let mut spec = platform_spec.clone();
    if let Some(declared) = file.spec.as_object() {
        for (field, value) in declared {
            match platform_spec.get(field) {
                Some(ours) if ours != value => conflicts.push(Conflict {
                    entity: key.clone(),
                    field: format!("spec.{field}"),
                    kept: ours.clone(),
                    declared: value.clone(),
                    reason: "the platform owns this field".into(),
                    origin: origin_text(&file.origin),
                }),
                Some(_) => {}
                None => {
                    spec.insert(field.clone(), value.clone());
                }
            }
        }
    }
    result.spec = Value::Object(spec);
    let meta = &mut result.metadata;
    let theirs = file.metadata;
    meta.title = meta.title.take().or(theirs.title);
    meta.description = meta.description.take().or(theirs.description);
    for (k, v) in theirs.labels {
        meta.labels.entry(k).or_insert(v);
    }
    for (k, v) in theirs.annotations {
        meta.annotations.entry(k).or_insert(v);
    }
    for tag in theirs.tags {
        if !meta.tags.contains(&tag) {
            meta.tags.push(tag);
        }
    }
    for link in theirs.links {
        if !meta.links.contains(&link) {
            meta.links.push(link);
        }
    }
    for (k, v) in theirs.other {
        meta.other.entry(k).or_insert(v);
    }
    result.origin = file.origin.or(platform.origin);
    result
}

/// A dependency declared in a file and the platform's graph disagree about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DependencyDifference {
    /// The entity.
    #[serde(rename = "ref")]
    pub entity: String,
    /// The dependency.
    pub dependency: String,
    /// `declared` (in the file only) or `actual` (in the platform's graph only).
    pub only: &'static str,
    /// `FILE:LINE:COL` of the declaring document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl fmt::Display for DependencyDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(origin) = &self.origin {
            write!(f, "{origin}: ")?;
        }
        match self.only {
            "declared" => write!(
                f,
                "{} declares dependsOn {}, which the platform's graph does not have",
                self.entity, self.dependency
            ),
            _ => write!(
                f,
                "{} depends on {} in the platform's graph, which its catalog file does not declare",
                self.entity, self.dependency
            ),
        }
    }
}

/// For each declared entity the platform also derived, the dependencies (`spec.dependsOn`)
/// declared but not actual, and actual but not declared.
pub fn check(platform: &[Entity], declared: &[Entity]) -> Vec<DependencyDifference> {
    let ours: BTreeMap<EntityRef, &Entity> = platform
        .iter()
        .filter(|e| is_platform_owned(e))
        .map(|e| (e.entity_ref(), e))
        .collect();
    let mut differences = Vec::new();
    for file in declared {
        let key = file.entity_ref();
        let Some(actual) = ours.get(&key) else {
            continue;
        };
        let deps = |e: &Entity| -> BTreeSet<String> {
            e.spec_strings("dependsOn")
                .into_iter()
                .filter_map(|t| EntityRef::parse_strict(t, None, &e.metadata.namespace).ok())
                .map(|r| r.to_string())
                .collect()
        };
        let (want, have) = (deps(file), deps(actual));
        for d in want.difference(&have) {
            differences.push(DependencyDifference {
                entity: key.to_string(),
                dependency: d.clone(),
                only: "declared",
                origin: origin_text(&file.origin),
            });
        }
        for d in have.difference(&want) {
            differences.push(DependencyDifference {
                entity: key.to_string(),
                dependency: d.clone(),
                only: "actual",
                origin: origin_text(&file.origin),
            });
        }
    }
    differences.sort();
    differences
}
