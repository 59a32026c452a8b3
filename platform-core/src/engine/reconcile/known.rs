//! What a reconcile knows before it calls providers: the claim's stored managed resources and
//! secrets, read in one go.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

use super::local_name;
use crate::compose::ObservedResources;
use crate::engine::{Engine, EngineError};
use crate::model::{DynamicObject, ObjectRef, Resource};
use crate::secret::SecretMap;
use crate::store::ListFilter;

impl Engine {
    /// A claim's stored managed resources (not the claims it owns), by composition resource name.
    pub(crate) async fn managed_by_name(
        &self,
        claim: &ObjectRef,
    ) -> Result<HashMap<String, DynamicObject>, EngineError> {
        Ok(self
            .inner
            .store
            .list(&ListFilter::owned_by(claim.clone()))
            .await?
            .into_iter()
            .filter(|o| {
                self.inner
                    .registry
                    .resolve(&o.api_version, &o.kind)
                    .is_err()
            })
            .map(|o| {
                let name = local_name(&o);
                (name, o)
            })
            .collect())
    }

    /// The observed resources a composition reads (stored objects with their secrets), the
    /// secrets by resource name, and the claim's own secrets when it may have some (it has a
    /// status): all in one read of the store.
    pub(crate) async fn known_of(
        &self,
        claim: &DynamicObject,
        by_name: &HashMap<String, DynamicObject>,
    ) -> Result<Known, EngineError> {
        let with_claim = claim.status.is_some();
        let names: Vec<&String> = by_name.keys().collect();
        let mut keys: Vec<ObjectRef> = Vec::with_capacity(names.len() + 1);
        if with_claim {
            keys.push(claim.object_ref());
        }
        keys.extend(names.iter().map(|name| by_name[*name].object_ref()));
        let mut all = self.inner.store.secrets_many(&keys).await?.into_iter();
        let claim_secrets = if with_claim { all.next() } else { None };
        let mut observed = ObservedResources::new();
        let mut secrets_by_name = HashMap::with_capacity(names.len());
        for (name, secrets) in names.into_iter().zip(all) {
            observed.insert_with_connection_details(
                name.clone(),
                serde_json::to_value(&by_name[name]).unwrap_or(Value::Null),
                exposed(&secrets),
            );
            secrets_by_name.insert(name.clone(), secrets);
        }
        Ok(Known {
            observed,
            secrets_by_name,
            claim_secrets,
        })
    }
}

/// What a reconcile knows before it calls providers, read in one go.
pub(crate) struct Known {
    /// Stored managed resources with their connection details, as compositions see them.
    pub(crate) observed: ObservedResources,
    /// The stored secrets of each managed resource, by composition resource name.
    pub(crate) secrets_by_name: HashMap<String, SecretMap>,
    /// The claim's own stored secrets, read when the claim has a status.
    pub(crate) claim_secrets: Option<SecretMap>,
}

/// A managed resource as the store holds it after it was reconciled (`None`: never stored).
pub(crate) struct Recorded {
    /// The stored object.
    pub object: Option<DynamicObject>,
    /// Its stored secrets.
    pub secrets: SecretMap,
}

/// Secret values in the clear, as compositions read connection details.
pub(crate) fn exposed(secrets: &SecretMap) -> BTreeMap<String, String> {
    secrets
        .iter()
        .map(|(k, v)| (k.clone(), v.expose().to_owned()))
        .collect()
}
