//! What every handler shares: the handles, the settings, the page templates, the catalog
//! view (rebuilt when the store changes) and the open sessions.

use std::sync::Arc;

use platform_core::store::{StateStore, StoreError};
use tokio::sync::Mutex;

use crate::data::catalog::CatalogView;
use crate::handles::Handles;
use crate::security::token::Sessions;
use crate::settings::PortalSettings;

/// The shared state of one portal.
#[derive(Clone, Debug)]
pub struct PortalState(pub Arc<Inner>);

/// The state behind the [`PortalState`] handle.
#[derive(Debug)]
pub struct Inner {
    /// The SDK's handles.
    pub handles: Handles,
    /// The settings.
    pub settings: PortalSettings,
    /// The page templates.
    pub views: minijinja::Environment<'static>,
    /// The catalog view and the change-feed position it was built at.
    cache: Mutex<Option<(u64, Arc<CatalogView>)>>,
    /// Sessions opened by a login.
    pub sessions: Sessions,
    /// Serialises scaffolds, so two creates of one name cannot interleave their writes.
    pub scaffolding: Mutex<()>,
}

impl std::ops::Deref for PortalState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl PortalState {
    /// The state of a portal over `handles`.
    pub fn new(handles: Handles, settings: PortalSettings) -> PortalState {
        PortalState(Arc::new(Inner {
            handles,
            settings,
            views: crate::views::environment(),
            cache: Mutex::new(None),
            sessions: Sessions::default(),
            scaffolding: Mutex::new(()),
        }))
    }

    /// The catalog view, rebuilt only when the store's change feed has moved since the last
    /// build (so 10,000 entities are read once per change, not once per request).
    pub async fn catalog(&self) -> Result<Arc<CatalogView>, StoreError> {
        let store = &self.handles.store;
        let mut cache = self.cache.lock().await;
        if let Some((seq, view)) = &*cache
            && store.changes(*seq, 1).await?.is_empty()
        {
            return Ok(view.clone());
        }
        let mut seq = cache.as_ref().map_or(0, |(s, _)| *s);
        loop {
            let page = store.changes(seq, 10_000).await?;
            match page.last() {
                Some(last) => seq = last.seq,
                None => break,
            }
        }
        let view = Arc::new(CatalogView::load(store).await?);
        *cache = Some((seq, view.clone()));
        Ok(view)
    }
}
