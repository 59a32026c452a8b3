//! Claims with their conditions, outputs (secrets masked), managed resources and events.

use std::collections::BTreeMap;

use platform_catalog::platform::CatalogStore;
use platform_core::model::{DynamicObject, ObjectRef, Resource};
use platform_core::store::{Event, ListFilter, StateStore, StoreError};
use serde::Serialize;
use serde_json::Value;

/// What a secret output shows instead of its value; the value never leaves the store.
pub const MASK: &str = "********";

/// One condition of an object: `True`, `False` or `Unknown`, with its reason and message.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConditionView {
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// CamelCase reason.
    pub reason: String,
    /// Detail.
    pub message: String,
    /// When the status last changed.
    pub since: String,
}

impl ConditionView {
    /// The condition `type_` of an object, `Unknown` when it has none.
    pub fn of(object: &DynamicObject, type_: &str) -> ConditionView {
        let found = object
            .status
            .as_ref()
            .and_then(|s| s.get("conditions"))
            .and_then(Value::as_array)
            .and_then(|cs| cs.iter().find(|c| c["type"] == type_));
        let text = |c: &Value, key: &str| c[key].as_str().unwrap_or_default().to_owned();
        match found {
            Some(c) => ConditionView {
                status: c["status"].as_str().unwrap_or("Unknown").to_owned(),
                reason: text(c, "reason"),
                message: text(c, "message"),
                since: text(c, "lastTransitionTime"),
            },
            None => ConditionView {
                status: "Unknown".into(),
                ..ConditionView::default()
            },
        }
    }

    /// Whether the condition holds.
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
}

/// A claim in a list: what it is, who owns it and whether it is Ready and Synced.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimSummary {
    /// Kind, such as `DatabaseClaim`.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The owner label, when set.
    pub owner: Option<String>,
    /// The Ready condition.
    pub ready: ConditionView,
    /// The Synced condition.
    pub synced: ConditionView,
}

impl ClaimSummary {
    /// The summary of a stored claim.
    pub fn of(claim: &DynamicObject) -> ClaimSummary {
        ClaimSummary {
            kind: claim.kind().to_owned(),
            namespace: claim.namespace().to_owned(),
            name: claim.name().to_owned(),
            owner: claim
                .metadata
                .labels
                .get(platform_catalog::platform::OWNER_LABEL)
                .cloned(),
            ready: ConditionView::of(claim, "Ready"),
            synced: ConditionView::of(claim, "Synced"),
        }
    }
}

/// A managed resource of a claim.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceView {
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// The Ready condition.
    pub ready: ConditionView,
    /// The Synced condition.
    pub synced: ConditionView,
}

/// One claim in detail. Secret values are never read into it: only their names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimDetail {
    /// Kind, name, owner and conditions.
    #[serde(flatten)]
    pub summary: ClaimSummary,
    /// Outputs in clear; secret outputs show [`MASK`].
    pub outputs: BTreeMap<String, String>,
    /// The names of the claim's secrets.
    pub secret_names: Vec<String>,
    /// The managed resources provisioned for it.
    pub resources: Vec<ResourceView>,
    /// Its events and its resources', oldest first.
    pub events: Vec<Event>,
    /// The last drift found or repaired, when any.
    pub last_drift: Option<Event>,
}

/// Every stored claim, sorted by namespace, kind and name.
pub async fn claims(store: &CatalogStore) -> Result<Vec<DynamicObject>, StoreError> {
    let settings = store.settings();
    let mut found: Vec<DynamicObject> = store
        .list(&ListFilter::all())
        .await?
        .into_iter()
        .filter(|o| settings.is_claim(o))
        .collect();
    found.sort_by(|a, b| {
        (a.namespace(), a.kind(), a.name()).cmp(&(b.namespace(), b.kind(), b.name()))
    });
    Ok(found)
}

/// The claim of a kind, namespace and name, in detail; `None` when there is no such claim.
pub async fn claim_detail(
    store: &CatalogStore,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Result<Option<ClaimDetail>, StoreError> {
    let Some(claim) = claims(store)
        .await?
        .into_iter()
        .find(|c| c.kind() == kind && c.namespace() == namespace && c.name() == name)
    else {
        return Ok(None);
    };
    let key = claim.object_ref();
    // Only the names: the values are dropped here and never reach a page.
    let secret_names: Vec<String> = store.secrets(&key).await?.keys().cloned().collect();
    let mut outputs = BTreeMap::new();
    if let Some(map) = claim
        .status
        .as_ref()
        .and_then(|s| s.get("outputs"))
        .and_then(Value::as_object)
    {
        for (k, v) in map {
            let shown = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            outputs.insert(k.clone(), shown);
        }
    }
    for secret in &secret_names {
        outputs.insert(secret.clone(), MASK.to_owned());
    }
    let mut events = store.events(&key).await?;
    let mut resources = Vec::new();
    let mut owned: Vec<ObjectRef> = vec![key.clone()];
    while let Some(owner) = owned.pop() {
        for object in store.list(&ListFilter::owned_by(owner)).await? {
            events.extend(store.events(&object.object_ref()).await?);
            resources.push(ResourceView {
                kind: object.kind().to_owned(),
                name: object.name().to_owned(),
                ready: ConditionView::of(&object, "Ready"),
                synced: ConditionView::of(&object, "Synced"),
            });
            owned.push(object.object_ref());
        }
    }
    events.sort_by(|a, b| a.time.cmp(&b.time));
    let last_drift = events
        .iter()
        .rev()
        .find(|e| e.reason.contains("Drift"))
        .cloned();
    Ok(Some(ClaimDetail {
        summary: ClaimSummary::of(&claim),
        outputs,
        secret_names,
        resources,
        events,
        last_drift,
    }))
}
