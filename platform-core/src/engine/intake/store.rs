//! Storing a request: each claim's desired state where it changed, keeping its status.

use crate::engine::{Engine, EngineError};
use crate::model::{DynamicObject, Resource, time::now_rfc3339};
use crate::store::{Event, EventType, Precondition, Write};

/// Claims written in one store commit when an apply stores its request.
const CLAIMS_PER_COMMIT: usize = 256;

impl Engine {
    /// Stores claims' desired state where it changed, keeping their status, given what the
    /// store held for each; writes go in a few large commits rather than one per claim.
    pub(crate) async fn put_claims(
        &self,
        claims: &[DynamicObject],
        stored: &[Option<&DynamicObject>],
    ) -> Result<(), EngineError> {
        let mut writes = Vec::new();
        for (object, existing) in claims.iter().zip(stored) {
            let key = object.object_ref();
            let expected = match &object.metadata.resource_version {
                Some(v) => Precondition::Version(v.clone()),
                None => Precondition::Any,
            };
            if let Some(existing) = existing
                && existing.spec == object.spec
                && existing.metadata.labels == object.metadata.labels
                && existing.metadata.annotations == object.metadata.annotations
                && existing.metadata.owner_references == object.metadata.owner_references
            {
                if let Precondition::Version(v) = &expected
                    && existing.metadata.resource_version.as_deref() != Some(v)
                {
                    return Err(crate::store::StoreError::Conflict {
                        key: Box::new(key),
                        expected: format!("resourceVersion {v}"),
                        found: format!(
                            "resourceVersion {}",
                            existing
                                .metadata
                                .resource_version
                                .clone()
                                .unwrap_or_default()
                        ),
                    }
                    .into());
                }
                continue;
            }
            let mut updated = object.clone();
            updated.status = existing.as_ref().and_then(|e| e.status.clone());
            let (reason, message) = if existing.is_some() {
                ("Updated", "desired state changed".to_owned())
            } else {
                (
                    "Accepted",
                    format!("accepted for environment {}", self.inner.environment),
                )
            };
            writes.push(Write::Put {
                object: updated,
                expected,
            });
            writes.push(Write::Event(Event {
                object: key,
                type_: EventType::Normal,
                reason: reason.to_owned(),
                message,
                time: now_rfc3339(),
            }));
            if writes.len() >= 2 * CLAIMS_PER_COMMIT {
                self.inner.store.commit(std::mem::take(&mut writes)).await?;
            }
        }
        if !writes.is_empty() {
            self.inner.store.commit(writes).await?;
        }
        Ok(())
    }
}
