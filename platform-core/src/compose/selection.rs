//! Deterministic choice of a composition for a composite: never a coin toss.
//!
//! In order: the composition's `compositeTypeRef` must match the composite; compositions
//! labeled `platform.dev/environment` serve only that environment, and those labeled
//! `platform.dev/engine` only composites whose `spec.engine` is that engine; then
//! `spec.compositionRef.name`, then `spec.compositionSelector.matchLabels`, then the
//! environment's default. Exactly one must remain; two or more is an error that lists them.

use serde_json::Value;
use std::sync::Arc;

use super::Composition;

/// Label that limits a composition to one environment.
pub const ENVIRONMENT_LABEL: &str = "platform.dev/environment";
/// Label that limits a composition to composites with that `spec.engine`.
pub const ENGINE_LABEL: &str = "platform.dev/engine";

/// Why no single composition could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// No composition serves the composite's type in this environment.
    #[error("no composition for {api_version} {kind} in environment {environment:?}{hint}")]
    NoneFound {
        /// Composite apiVersion.
        api_version: String,
        /// Composite kind.
        kind: String,
        /// The environment.
        environment: String,
        /// What was looked at.
        hint: String,
    },
    /// `spec.compositionRef.name` names no suitable composition.
    #[error(
        "spec.compositionRef names composition {name:?}, which does not exist or does not serve {kind} in environment {environment:?}"
    )]
    RefNotFound {
        /// The name given.
        name: String,
        /// Composite kind.
        kind: String,
        /// The environment.
        environment: String,
    },
    /// Several compositions match.
    #[error(
        "{count} compositions match {kind} {name:?} in environment {environment:?}: {candidates}; set spec.compositionRef or spec.compositionSelector, or an environment default"
    )]
    Ambiguous {
        /// How many.
        count: usize,
        /// Composite kind.
        kind: String,
        /// Composite name.
        name: String,
        /// The environment.
        environment: String,
        /// Their names, comma separated.
        candidates: String,
    },
}

fn label<'a>(c: &'a dyn Composition, key: &str) -> Option<&'a str> {
    c.labels().get(key).map(String::as_str)
}

/// Chooses the composition for a composite in an environment.
pub fn select(
    compositions: &[Arc<dyn Composition>],
    composite: &Value,
    environment: &str,
    environment_default: Option<&str>,
) -> Result<Arc<dyn Composition>, SelectionError> {
    let api_version = composite["apiVersion"].as_str().unwrap_or_default();
    let kind = composite["kind"].as_str().unwrap_or_default();
    let name = composite["metadata"]["name"].as_str().unwrap_or_default();
    let engine = composite["spec"]["engine"].as_str();
    let typed: Vec<&Arc<dyn Composition>> = compositions
        .iter()
        .filter(|c| {
            c.composite_type().api_version == api_version && c.composite_type().kind == kind
        })
        .collect();
    let mut candidates: Vec<&Arc<dyn Composition>> = typed
        .iter()
        .copied()
        .filter(|c| label(c.as_ref(), ENVIRONMENT_LABEL).is_none_or(|e| e == environment))
        .filter(|c| match (label(c.as_ref(), ENGINE_LABEL), engine) {
            (Some(wanted), Some(engine)) => wanted == engine,
            (Some(_), None) => false,
            (None, _) => true,
        })
        .collect();
    if candidates.is_empty() {
        let hint = if typed.is_empty() {
            String::new()
        } else {
            format!(
                " (compositions for this type exist for other environments or engines: {})",
                typed
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(SelectionError::NoneFound {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            environment: environment.to_owned(),
            hint,
        });
    }
    if let Some(wanted) = composite["spec"]["compositionRef"]["name"].as_str() {
        return candidates
            .into_iter()
            .find(|c| c.name() == wanted)
            .cloned()
            .ok_or_else(|| SelectionError::RefNotFound {
                name: wanted.to_owned(),
                kind: kind.to_owned(),
                environment: environment.to_owned(),
            });
    }
    if let Some(selector) = composite["spec"]["compositionSelector"]["matchLabels"].as_object() {
        candidates.retain(|c| {
            selector.iter().all(|(k, v)| {
                v.as_str()
                    .is_some_and(|v| c.labels().get(k).is_some_and(|l| l == v))
            })
        });
    } else if candidates.len() > 1
        && let Some(default) = environment_default
        && let Some(found) = candidates.iter().find(|c| c.name() == default)
    {
        return Ok((*found).clone());
    }
    match candidates.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(SelectionError::NoneFound {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            environment: environment.to_owned(),
            hint: " matching spec.compositionSelector".to_owned(),
        }),
        many => {
            let mut names: Vec<&str> = many.iter().map(|c| c.name()).collect();
            names.sort_unstable();
            Err(SelectionError::Ambiguous {
                count: many.len(),
                kind: kind.to_owned(),
                name: name.to_owned(),
                environment: environment.to_owned(),
                candidates: names.join(", "),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::{ComposeError, ComposeRequest, Composed, CompositeTypeRef, ReadBack};
    use serde_json::json;
    use std::collections::BTreeMap;

    struct Named {
        name: &'static str,
        type_ref: CompositeTypeRef,
        labels: BTreeMap<String, String>,
    }

    impl Composition for Named {
        fn name(&self) -> &str {
            self.name
        }
        fn composite_type(&self) -> &CompositeTypeRef {
            &self.type_ref
        }
        fn labels(&self) -> &BTreeMap<String, String> {
            &self.labels
        }
        fn compose(&self, request: &ComposeRequest<'_>) -> Result<Composed, ComposeError> {
            Ok(Composed {
                read_back: ReadBack::new(request.composite.clone()),
                ..Composed::default()
            })
        }
    }

    fn named(name: &'static str, labels: &[(&str, &str)]) -> Arc<dyn Composition> {
        Arc::new(Named {
            name,
            type_ref: CompositeTypeRef {
                api_version: "platform.dev/v1alpha1".into(),
                kind: "CacheClaim".into(),
            },
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        })
    }

    fn cache(spec: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "platform.dev/v1alpha1", "kind": "CacheClaim", "metadata": {"name": "c"}, "spec": spec})
    }

    #[test]
    fn two_matches_are_an_error_listing_both_unless_the_environment_chooses() {
        let all = [
            named("small-cache", &[("tier", "dev")]),
            named("big-cache", &[("tier", "prod")]),
        ];
        let err = select(&all, &cache(json!({})), "local", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "2 compositions match CacheClaim \"c\" in environment \"local\": big-cache, small-cache; set spec.compositionRef or spec.compositionSelector, or an environment default"
        );
        assert_eq!(
            select(&all, &cache(json!({})), "local", Some("big-cache"))
                .unwrap()
                .name(),
            "big-cache"
        );
        let by_labels = cache(json!({"compositionSelector": {"matchLabels": {"tier": "dev"}}}));
        assert_eq!(
            select(&all, &by_labels, "local", Some("big-cache"))
                .unwrap()
                .name(),
            "small-cache"
        );
        let by_ref = cache(json!({"compositionRef": {"name": "small-cache"}}));
        assert_eq!(
            select(&all, &by_ref, "local", Some("big-cache"))
                .unwrap()
                .name(),
            "small-cache"
        );
    }

    #[test]
    fn environment_labels_limit_compositions() {
        let all = [
            named("local", &[(ENVIRONMENT_LABEL, "local")]),
            named("prod", &[(ENVIRONMENT_LABEL, "production")]),
        ];
        assert_eq!(
            select(&all, &cache(json!({})), "production", None)
                .unwrap()
                .name(),
            "prod"
        );
        let err = select(&all, &cache(json!({})), "staging", None).unwrap_err();
        assert!(matches!(err, SelectionError::NoneFound { .. }), "{err}");
    }
}
