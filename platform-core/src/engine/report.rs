//! What engine operations report back.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

use super::Action;
use crate::model::{DynamicObject, ObjectRef};
use crate::provider::FieldDiff;
use crate::store::Event;

/// What happened to one managed resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceReport {
    /// Name within the composition.
    pub name: String,
    /// The managed resource.
    pub resource: ObjectRef,
    /// The real resource's name.
    pub external_name: String,
    /// What was done.
    pub action: Action,
    /// Whether it is ready.
    pub ready: bool,
    /// Why it is not ready or not synced, when it is not.
    pub message: Option<String>,
    /// Its non-secret outputs.
    pub outputs: BTreeMap<String, Value>,
}

/// What happened to one claim.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimReport {
    /// The claim.
    pub claim: ObjectRef,
    /// The composition that served it (none for an Application without one).
    pub composition: Option<String>,
    /// Whether every composed resource is ready.
    pub ready: bool,
    /// Whether the last reconcile succeeded.
    pub synced: bool,
    /// The Ready condition's message (names the unready resources) or the error.
    pub message: String,
    /// The claim's outputs.
    pub outputs: BTreeMap<String, Value>,
    /// Its managed resources.
    pub resources: Vec<ResourceReport>,
    /// Claims it owns (an Application's resources).
    pub children: Vec<ClaimReport>,
    /// What should happen next: reconcile again after a delay, or wait for a change.
    #[serde(skip)]
    pub next: super::Next,
}

impl ClaimReport {
    /// The report of a claim whose reconcile failed as a whole: not synced, not Ready, with
    /// the error as its message.
    pub(crate) fn failed(
        claim: ObjectRef,
        error: impl std::fmt::Display,
        children: Vec<ClaimReport>,
    ) -> Self {
        ClaimReport {
            claim,
            composition: None,
            ready: false,
            synced: false,
            message: error.to_string(),
            outputs: BTreeMap::new(),
            resources: Vec::new(),
            children,
            next: super::Next::AwaitChange,
        }
    }

    /// Whether this claim and every child is ready.
    pub fn all_ready(&self) -> bool {
        self.ready && self.children.iter().all(ClaimReport::all_ready)
    }
}

/// The result of an apply.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    /// One report per claim of the request, in request order.
    pub claims: Vec<ClaimReport>,
    /// Admission warnings.
    pub warnings: Vec<String>,
}

impl ApplyReport {
    /// Whether every claim is ready.
    pub fn all_ready(&self) -> bool {
        self.claims.iter().all(ClaimReport::all_ready)
    }

    /// Every resource report, children included.
    pub fn resources(&self) -> Vec<&ResourceReport> {
        fn walk<'a>(claim: &'a ClaimReport, out: &mut Vec<&'a ResourceReport>) {
            out.extend(claim.resources.iter());
            for child in &claim.children {
                walk(child, out);
            }
        }
        let mut out = Vec::new();
        for claim in &self.claims {
            walk(claim, &mut out);
        }
        out
    }

    /// Whether anything was created, updated or deleted.
    pub fn changed(&self) -> bool {
        self.resources()
            .iter()
            .any(|r| r.action != Action::NoChange)
    }
}

/// The result of a delete.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteReport {
    /// Objects whose real resources were deleted (and records removed).
    pub deleted: Vec<ObjectRef>,
    /// Managed resources whose real resources were kept (Orphan, ObserveOnly, NoDelete).
    pub orphaned: Vec<ObjectRef>,
}

/// How a real resource differs from its record: `"drift": "missing"`, or `"drift": "changed"`
/// with the fields in `diff`, as a plan gives `"action": "update"` with its `diff`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "drift", content = "diff", rename_all = "camelCase")]
pub enum DriftKind {
    /// It no longer exists.
    Missing,
    /// Fields differ.
    Changed(Vec<FieldDiff>),
}

/// One drifted resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftItem {
    /// The claim that owns it.
    pub claim: Option<ObjectRef>,
    /// The managed resource.
    pub resource: ObjectRef,
    /// The real resource's name.
    pub external_name: String,
    /// What differs.
    #[serde(flatten)]
    pub kind: DriftKind,
}

/// The result of a drift sweep.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftReport {
    /// Managed resources observed.
    pub checked: usize,
    /// Those that drifted.
    pub drifted: Vec<DriftItem>,
    /// How many drifted resources were corrected.
    pub corrected: usize,
    /// Resources that could not be observed, with the reason.
    pub errors: Vec<(ObjectRef, String)>,
    /// Real resources carrying the platform's marker whose owning claim is not stored:
    /// leaks, which nothing else would ever look at again.
    pub orphans: Vec<Orphan>,
    /// How many orphans were deleted (on request only).
    pub orphans_deleted: usize,
    /// Providers whose leaks are not looked for: they cannot list their resources, or their
    /// server is shared with other installations (see `Provider::private_inventory`).
    pub unlisted: Vec<String>,
}

impl DriftReport {
    /// Leaked resources found and not deleted.
    pub fn leaks_left(&self) -> usize {
        self.orphans.len().saturating_sub(self.orphans_deleted)
    }
}

/// A real resource no stored claim owns.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Orphan {
    /// The provider that manages it, such as `local`.
    pub provider: String,
    /// Its managed kind.
    pub kind: String,
    /// The real resource's name.
    pub external_name: String,
    /// The claim its marker names, which the store does not hold.
    pub owner: String,
    /// The resource as the provider deletes it.
    #[serde(skip)]
    pub resource: crate::provider::ManagedResource,
}

/// A claim as stored, with its managed resources, events and owned claims.
#[derive(Debug, Clone)]
pub struct StatusView {
    /// The claim with its status.
    pub object: DynamicObject,
    /// Its managed resources with their status.
    pub resources: Vec<DynamicObject>,
    /// Its newest events, oldest first.
    pub events: Vec<Event>,
    /// Claims it owns.
    pub children: Vec<StatusView>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drift_reports_name_fields_as_plans_do() {
        let resource = ObjectRef::new("LocalDatabase", "default", "orders-db-database");
        let report = DriftReport {
            checked: 2,
            drifted: vec![
                DriftItem {
                    claim: None,
                    resource: resource.clone(),
                    external_name: "default-orders-db-database".into(),
                    kind: DriftKind::Missing,
                },
                DriftItem {
                    claim: None,
                    resource,
                    external_name: "default-orders-db-database".into(),
                    kind: DriftKind::Changed(vec![FieldDiff {
                        path: "spec.size".into(),
                        desired: json!("small"),
                        actual: json!("large"),
                    }]),
                },
            ],
            orphans_deleted: 1,
            ..DriftReport::default()
        };
        let value = serde_json::to_value(&report).unwrap();
        assert_eq!(value["orphansDeleted"], 1);
        assert_eq!(
            value["drifted"][0]["externalName"],
            "default-orders-db-database"
        );
        assert_eq!(value["drifted"][0]["drift"], "missing");
        assert_eq!(value["drifted"][1]["drift"], "changed");
        assert_eq!(value["drifted"][1]["diff"][0]["path"], "spec.size");
    }
}
