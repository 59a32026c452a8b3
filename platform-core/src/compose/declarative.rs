//! A Crossplane patch-and-transform `Composition` document as a [`Composition`].

use serde_json::Value;
use std::collections::BTreeMap;

use super::pt::composition::PtComposition;
use super::pt::error::CompositionError;
use super::pt::render::{read_back, render};
use super::{
    ComposeError, ComposeRequest, Composed, CompositeTypeRef, Composition, Provided, ReadBack,
};

/// A composition read from `apiextensions.crossplane.io/v1` YAML, in Pipeline or `spec.resources` form.
#[derive(Debug, Clone)]
pub struct DeclarativeComposition {
    name: String,
    type_ref: CompositeTypeRef,
    labels: BTreeMap<String, String>,
    inner: PtComposition,
}

impl DeclarativeComposition {
    /// Reads and checks a whole Composition document; nothing renders until all of it is valid.
    pub fn from_value(doc: &Value) -> Result<Self, CompositionError> {
        let inner = PtComposition::from_value(doc)?;
        Ok(DeclarativeComposition {
            name: inner.name.clone().unwrap_or_default(),
            type_ref: CompositeTypeRef {
                api_version: inner.composite_type_ref.api_version.clone(),
                kind: inner.composite_type_ref.kind.clone(),
            },
            labels: inner.labels.clone(),
            inner,
        })
    }

    /// The compiled patch-and-transform composition.
    pub fn pt(&self) -> &PtComposition {
        &self.inner
    }
}

impl Composition for DeclarativeComposition {
    fn name(&self) -> &str {
        &self.name
    }

    fn composite_type(&self) -> &CompositeTypeRef {
        &self.type_ref
    }

    fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    fn provides(&self) -> Option<Provided> {
        self.inner.provides()
    }

    fn compose(&self, request: &ComposeRequest<'_>) -> Result<Composed, ComposeError> {
        Ok(render(
            request.composite,
            &self.inner,
            request.observed,
            request.environment,
        )?)
    }

    fn read_back(
        &self,
        request: &ComposeRequest<'_>,
        composed: &[&str],
    ) -> Result<ReadBack, ComposeError> {
        Ok(read_back(
            request.composite,
            &self.inner,
            request.observed,
            request.environment,
            composed,
        )?)
    }
}
