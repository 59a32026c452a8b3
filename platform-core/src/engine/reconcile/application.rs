//! Reconciling an Application: the claims it requests, then its own status with the
//! environment of its containers resolved from their outputs and secrets.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::local_name;
use super::outputs::OutputsByName;
use crate::engine::{ClaimReport, Engine, EngineError};
use crate::kinds::{ApplicationSpec, placeholders};
use crate::model::{DynamicObject, ObjectRef, Resource};
use crate::secret::{SecretMap, SecretValue};
use crate::store::ListFilter;

impl Engine {
    /// Reconciles an Application: its requested claims first, stale ones deleted.
    pub(super) async fn reconcile_application(
        &self,
        app: DynamicObject,
    ) -> Result<ClaimReport, EngineError> {
        let key = app.object_ref();
        let desired = self.children_of(&app)?;
        for stale in self.stale_children(&key, &desired).await? {
            self.delete_tree(&stale).await?;
        }
        let child_keys: Vec<ObjectRef> = desired.iter().map(Resource::object_ref).collect();
        let stored = self.inner.store.get_many(&child_keys).await?;
        for (child, existing) in desired.iter().zip(&stored) {
            if let Some(existing) = existing
                && crate::store::owner_of(existing).as_ref() != Some(&key)
            {
                return Err(EngineError::NameClash {
                    object: Box::new(child.object_ref()),
                    owner: Box::new(key),
                });
            }
        }
        let stored: Vec<Option<&DynamicObject>> = stored.iter().map(Option::as_ref).collect();
        self.put_claims(&desired, &stored).await?;
        let mut tasks = tokio::task::JoinSet::new();
        for (index, child) in desired.iter().enumerate() {
            let engine = self.clone();
            let child_key = child.object_ref();
            tasks.spawn(async move { (index, engine.reconcile(&child_key).await) });
        }
        let mut children: Vec<Option<ClaimReport>> = vec![None; desired.len()];
        while let Some(joined) = tasks.join_next().await {
            if let Ok((index, result)) = joined {
                children[index] = Some(match result {
                    Ok(report) => report,
                    Err(e) => ClaimReport::failed(desired[index].object_ref(), e, Vec::new()),
                });
            }
        }
        let children: Vec<ClaimReport> = children.into_iter().flatten().collect();
        // Outputs and secrets of each requested resource, by its local name.
        let mut outputs = OutputsByName::new();
        let mut secrets: HashMap<String, SecretMap> = HashMap::new();
        let child_secrets = self.inner.store.secrets_many(&child_keys).await?;
        for ((child, report), child_secrets) in desired.iter().zip(&children).zip(child_secrets) {
            let local = local_name(child);
            outputs.insert(local.clone(), report.outputs.clone());
            secrets.insert(local, child_secrets);
        }
        let (env_outputs, env_secrets, unresolved) =
            application_environment(&app, &outputs, &secrets);
        let mut report = self.reconcile_claim(app, children).await?;
        if !unresolved.is_empty() && report.ready {
            report.ready = false;
            report.message = format!("waiting for outputs: {}", unresolved.join(", "));
        }
        report.outputs.extend(env_outputs);
        self.record_claim_status(&report, env_secrets).await?;
        Ok(report)
    }
}

impl Engine {
    /// The stored claims an Application requested that it no longer requests (a resource
    /// removed from its spec or its Score file): apply deletes them, plan announces it.
    pub(crate) async fn stale_children(
        &self,
        app: &ObjectRef,
        desired: &[DynamicObject],
    ) -> Result<Vec<DynamicObject>, EngineError> {
        let desired_keys: HashSet<ObjectRef> = desired.iter().map(Resource::object_ref).collect();
        Ok(self
            .inner
            .store
            .list(&ListFilter::owned_by(app.clone()))
            .await?
            .into_iter()
            .filter(|stale| {
                self.inner
                    .registry
                    .resolve(&stale.api_version, &stale.kind)
                    .is_ok()
                    && !desired_keys.contains(&stale.object_ref())
            })
            .collect())
    }
}

/// Resolves an Application's container environment: non-secret values become outputs named
/// `<container>.<VAR>`, values using secrets become secrets; also returns unresolved names.
fn application_environment(
    app: &DynamicObject,
    outputs: &OutputsByName,
    secrets: &HashMap<String, SecretMap>,
) -> (BTreeMap<String, Value>, SecretMap, Vec<String>) {
    let mut env_outputs = BTreeMap::new();
    let mut env_secrets = SecretMap::new();
    let mut unresolved = Vec::new();
    // An Application that is not one (it was checked before it was stored) has no environment.
    let containers = app
        .spec_as::<ApplicationSpec>()
        .map(|spec| spec.containers)
        .unwrap_or_default();
    for container in containers {
        for (var, text) in &container.env {
            let Ok(found) = placeholders(text) else {
                continue;
            };
            let uses_secret = found.iter().any(|p| p.section == "secrets");
            let mut resolved = String::new();
            let mut last = 0;
            let mut complete = true;
            for p in &found {
                resolved.push_str(&unescape(&text[last..p.span.start]));
                let value = if p.section == "secrets" {
                    secrets
                        .get(&p.resource)
                        .and_then(|s| s.get(&p.key))
                        .map(|s| s.expose().to_owned())
                } else {
                    outputs
                        .get(&p.resource)
                        .and_then(|o| o.get(&p.key))
                        .map(|v| match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                };
                match value {
                    Some(v) => resolved.push_str(&v),
                    None => {
                        complete = false;
                        unresolved.push(format!("{}.{}.{}", p.resource, p.section, p.key));
                    }
                }
                last = p.span.end;
            }
            resolved.push_str(&unescape(&text[last..]));
            if !complete {
                continue;
            }
            let key = format!("{}.{var}", container.name);
            if uses_secret {
                env_secrets.insert(key, SecretValue::new(resolved));
            } else {
                env_outputs.insert(key, Value::String(resolved));
            }
        }
    }
    (env_outputs, env_secrets, unresolved)
}

/// Literal text between placeholders: `$${` is a literal `${` (Score's escape).
fn unescape(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains("$${") {
        std::borrow::Cow::Owned(text.replace("$${", "${"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn an_escaped_placeholder_resolves_to_its_literal_text() {
        assert_eq!(
            unescape("a $${resources.db.host} b"),
            "a ${resources.db.host} b"
        );
        assert_eq!(unescape("costs $$5"), "costs $$5");
    }
}
