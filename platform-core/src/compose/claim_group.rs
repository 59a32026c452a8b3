//! Compositions written for the built-in claim kinds in the default group `platform.dev`,
//! serving them in the group a platform chose instead (`apiGroup` in platformctl's config).
//!
//! The shipped compositions name `platform.dev/v1alpha1` in their `compositeTypeRef`. A
//! registry built with [`KindRegistry::with_claim_group`] puts the built-in kinds elsewhere,
//! and without this no composition would ever be selected for them.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{
    ComposeError, ComposeRequest, Composed, CompositeTypeRef, Composition, CompositionLibrary,
    Provided, ReadBack,
};
use crate::kinds::{KindOrigin, KindRegistry};
use crate::model::DEFAULT_GROUP;

impl CompositionLibrary {
    /// Makes every composition now in the library that serves a built-in claim kind of the
    /// default group `platform.dev` serve that kind in `registry`'s claim group instead;
    /// compositions added later keep the type they name. Nothing changes when the registry
    /// keeps the default group.
    ///
    /// ```
    /// use platform_core::compose::CompositionLibrary;
    /// use platform_core::kinds::KindRegistry;
    ///
    /// let registry = KindRegistry::with_claim_group("platform.company.io");
    /// let mut library = CompositionLibrary::new();
    /// // library.load_paths(&["compositions/"])?;   the shipped compositions
    /// library.follow_claim_group(&registry);
    /// // library.load_paths(&["team-compositions/"])?;   a team's own, as written
    /// ```
    pub fn follow_claim_group(&mut self, registry: &KindRegistry) {
        let group = registry.claim_group();
        if group == DEFAULT_GROUP {
            return;
        }
        for composition in self.compositions_mut() {
            let wanted = composition.composite_type();
            let Some((from, version)) = wanted.api_version.split_once('/') else {
                continue;
            };
            let built_in = registry.kinds().any(|k| {
                k.origin == KindOrigin::BuiltIn
                    && k.gvk.group == group
                    && k.gvk.version == version
                    && k.gvk.kind == wanted.kind
            });
            if from != DEFAULT_GROUP || !built_in {
                continue;
            }
            let type_ref = CompositeTypeRef {
                api_version: format!("{group}/{version}"),
                kind: wanted.kind.clone(),
            };
            *composition = Arc::new(InClaimGroup {
                inner: composition.clone(),
                type_ref,
            });
        }
    }
}

/// A composition serving its composite kind in another API group; all else is the inner one's.
struct InClaimGroup {
    inner: Arc<dyn Composition>,
    type_ref: CompositeTypeRef,
}

#[deny(clippy::missing_trait_methods)]
impl Composition for InClaimGroup {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn composite_type(&self) -> &CompositeTypeRef {
        &self.type_ref
    }

    fn labels(&self) -> &BTreeMap<String, String> {
        self.inner.labels()
    }

    fn compose(&self, request: &ComposeRequest<'_>) -> Result<Composed, ComposeError> {
        self.inner.compose(request)
    }

    fn read_back(
        &self,
        request: &ComposeRequest<'_>,
        composed: &[&str],
    ) -> Result<ReadBack, ComposeError> {
        self.inner.read_back(request, composed)
    }

    fn provides(&self) -> Option<Provided> {
        self.inner.provides()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;

    fn shipped(registry: &KindRegistry) -> CompositionLibrary {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../compositions");
        let mut library = CompositionLibrary::new();
        library.load_paths(&[root]).unwrap();
        library.follow_claim_group(registry);
        library
    }

    fn claim(api_version: &str, kind: &str, spec: serde_json::Value) -> serde_json::Value {
        json!({
            "apiVersion": api_version, "kind": kind,
            "metadata": {"name": "orders", "namespace": "default"}, "spec": spec
        })
    }

    #[test]
    fn shipped_compositions_serve_the_built_in_kinds_in_the_chosen_group() {
        let registry = KindRegistry::with_claim_group("platform.company.io");
        let library = shipped(&registry);
        let api = "platform.company.io/v1alpha1";
        let db = claim(api, "DatabaseClaim", json!({"engine": "postgresql"}));
        let chosen = library.select(&db, "production", None).unwrap();
        assert_eq!(chosen.name(), "databaseclaim-postgresql");
        let composed = library
            .select(&claim(api, "BucketClaim", json!({})), "production", None)
            .unwrap();
        assert_eq!(composed.name(), "bucketclaim-s3");
        assert_eq!(
            library
                .select(&claim(api, "CacheClaim", json!({})), "local", None)
                .unwrap()
                .name(),
            "cacheclaim-local"
        );
        // The default group is no longer served: a platform.dev claim is someone else's kind.
        let other = claim(
            "platform.dev/v1alpha1",
            "DatabaseClaim",
            json!({"engine": "postgresql"}),
        );
        assert!(library.select(&other, "production", None).is_err());
    }

    #[test]
    fn the_default_group_and_later_compositions_are_left_as_written() {
        let library = shipped(&KindRegistry::builtin());
        let db = claim(
            "platform.dev/v1alpha1",
            "DatabaseClaim",
            json!({"engine": "mysql"}),
        );
        assert_eq!(
            library.select(&db, "production", None).unwrap().name(),
            "databaseclaim-mysql"
        );
    }
}
