//! Reading what the engine knows: a claim with its resources, events and owned claims.

use std::future::Future;
use std::pin::Pin;

use super::{Engine, EngineError, StatusView};
use crate::model::{ObjectRef, Resource};
use crate::store::ListFilter;

impl Engine {
    /// The stored claim with its status, managed resources, events and owned claims.
    pub fn status<'a>(
        &'a self,
        key: &'a ObjectRef,
    ) -> Pin<Box<dyn Future<Output = Result<StatusView, EngineError>> + Send + 'a>> {
        Box::pin(async move {
            let object = self
                .inner
                .store
                .get(key)
                .await?
                .ok_or_else(|| EngineError::NotFound(Box::new(key.clone())))?;
            let owned = self
                .inner
                .store
                .list(&ListFilter::owned_by(key.clone()))
                .await?;
            let mut resources = Vec::new();
            let mut children = Vec::new();
            for item in owned {
                if self
                    .inner
                    .registry
                    .resolve(&item.api_version, &item.kind)
                    .is_ok()
                {
                    children.push(self.status(&item.object_ref()).await?);
                } else {
                    resources.push(item);
                }
            }
            let events = self.inner.store.events(key).await?;
            Ok(StatusView {
                object,
                resources,
                events,
                children,
            })
        })
    }

    /// Every stored claim (owned claims included), in reference order.
    pub async fn claims(&self) -> Result<Vec<crate::model::DynamicObject>, EngineError> {
        self.stored_claims().await
    }
}
