//! Exporting the catalog as `catalog-info.yaml` files a Backstage `Location` can read: one
//! per Component, holding it and the Resources it depends on, and one at the top for the rest.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::entity::{Entity, EntityRef};
use crate::relations::{Catalog, RelationType};

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file or folder could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An entity could not be encoded as YAML.
    #[error("cannot encode {entity} as YAML: {message}")]
    Encode {
        /// The entity.
        entity: String,
        /// Why.
        message: String,
    },
}

/// Writes the catalog under `dir`: `NAMESPACE/NAME/catalog-info.yaml` per Component with the
/// Resources it depends on (each Resource in the first such file, by reference order), and
/// `catalog-info.yaml` with every other entity. Returns the files written.
pub fn export(catalog: &Catalog, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    let mut written = Vec::new();
    let mut placed: BTreeSet<EntityRef> = BTreeSet::new();
    let components: Vec<&Entity> = catalog
        .entities()
        .filter(|e| e.kind == "Component")
        .collect();
    for component in components {
        let key = component.entity_ref();
        let mut docs = vec![component];
        placed.insert(key.clone());
        for (t, target) in catalog.outgoing(&key) {
            if t == RelationType::DependsOn
                && target.kind == "resource"
                && !placed.contains(target)
                && let Some(resource) = catalog.get(target)
            {
                placed.insert(target.clone());
                docs.push(resource);
            }
        }
        let path = dir
            .join(&component.metadata.namespace)
            .join(&component.metadata.name)
            .join("catalog-info.yaml");
        write(&path, &docs)?;
        written.push(path);
    }
    let rest: Vec<&Entity> = catalog
        .entities()
        .filter(|e| !placed.contains(&e.entity_ref()))
        .collect();
    if !rest.is_empty() {
        let path = dir.join("catalog-info.yaml");
        write(&path, &rest)?;
        written.push(path);
    }
    Ok(written)
}

fn write(path: &Path, entities: &[&Entity]) -> Result<(), ExportError> {
    let mut text = String::new();
    for (i, entity) in entities.iter().enumerate() {
        if i > 0 {
            text.push_str("---\n");
        }
        text.push_str(&serde_saphyr::to_string(&entity.to_json()).map_err(|e| {
            ExportError::Encode {
                entity: entity.entity_ref().to_string(),
                message: e.to_string(),
            }
        })?);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| ExportError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| ExportError::Write {
        path: path.to_path_buf(),
        source,
    })
}
