//! What a patch-and-transform composition fills in on its composite, read from its patches:
//! the keys of `status.outputs` that `ToComposite` patches write or connection details read
//! from fields, and the connection details copied from connection secrets.

use std::collections::BTreeSet;

use super::composition::PtComposition;
use super::connection::ConnectionDetailType;
use super::fieldpath::Segment;
use super::patch::PatchType;
use crate::compose::Provided;

impl PtComposition {
    /// The outputs and connection secrets this composition provides; `None` when a patch
    /// writes the whole `status.outputs` (or `status`), so its keys cannot be known before it runs.
    pub fn provides(&self) -> Option<Provided> {
        let mut outputs = BTreeSet::new();
        let composite_writes = self
            .resources
            .iter()
            .flat_map(|t| &t.patches)
            .filter(|p| {
                matches!(
                    p.kind,
                    PatchType::ToCompositeFieldPath | PatchType::CombineToComposite
                )
            })
            .chain(self.environment_patches.iter().filter(|p| {
                matches!(
                    p.kind,
                    PatchType::FromEnvironmentFieldPath | PatchType::CombineFromEnvironment
                )
            }));
        for patch in composite_writes {
            let Some(path) = patch
                .to_field_path
                .as_ref()
                .or(patch.from_field_path.as_ref())
            else {
                continue;
            };
            match path.segments() {
                [
                    Segment::Field(status),
                    Segment::Field(section),
                    Segment::Field(key),
                    ..,
                ] if status == "status" && section == "outputs" => {
                    outputs.insert(key.clone());
                }
                [Segment::Field(status)] | [Segment::Field(status), Segment::Field(_)]
                    if status == "status" && path_is_outputs_or_status(path.segments()) =>
                {
                    return None;
                }
                _ => {}
            }
        }
        // Copied from a connection secret, a detail is a secret; read from a field or given as
        // a value, it is an output (see the renderer).
        let mut secrets = BTreeSet::new();
        for detail in self.resources.iter().flat_map(|t| &t.connection_details) {
            let Some(name) = detail.effective_name() else {
                continue;
            };
            if detail.effective_type() == Some(ConnectionDetailType::FromConnectionSecretKey) {
                secrets.insert(name.to_owned());
            } else {
                outputs.insert(name.to_owned());
            }
        }
        Some(Provided { outputs, secrets })
    }
}

/// `status` itself, or `status.outputs`: a write that may set any output.
fn path_is_outputs_or_status(segments: &[Segment]) -> bool {
    match segments {
        [_] => true,
        [_, Segment::Field(section)] => section == "outputs",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn composition(patches: serde_json::Value, details: serde_json::Value) -> PtComposition {
        PtComposition::from_value(&json!({
            "apiVersion": "apiextensions.crossplane.io/v1",
            "kind": "Composition",
            "metadata": {"name": "c"},
            "spec": {
                "compositeTypeRef": {"apiVersion": "platform.dev/v1alpha1", "kind": "QueueClaim"},
                "resources": [{"name": "q", "base": {"apiVersion": "v1", "kind": "Q", "spec": {}},
                               "patches": patches, "connectionDetails": details}]
            }
        }))
        .unwrap()
    }

    #[test]
    fn outputs_come_from_to_composite_patches_and_secrets_from_connection_details() {
        let c = composition(
            json!([
                {"type": "ToCompositeFieldPath", "fromFieldPath": "status.url", "toFieldPath": "status.outputs.url"},
                {"type": "ToCompositeFieldPath", "fromFieldPath": "status.outputs.queue"},
                {"type": "FromCompositeFieldPath", "fromFieldPath": "spec.size", "toFieldPath": "status.outputs.not-an-output"}
            ]),
            json!([
                {"name": "password", "type": "FromConnectionSecretKey", "fromConnectionSecretKey": "password"},
                {"name": "host", "type": "FromFieldPath", "fromFieldPath": "status.host"}
            ]),
        );
        let provided = c.provides().unwrap();
        assert_eq!(
            provided.outputs.iter().collect::<Vec<_>>(),
            ["host", "queue", "url"],
            "a FromComposite patch writes the composed resource, not the composite; a detail read from a field is an output"
        );
        assert_eq!(provided.secrets.iter().collect::<Vec<_>>(), ["password"]);
    }

    #[test]
    fn a_patch_writing_every_output_leaves_them_unknown() {
        let c = composition(
            json!([{"type": "ToCompositeFieldPath", "fromFieldPath": "status.atProvider", "toFieldPath": "status.outputs"}]),
            json!([]),
        );
        assert_eq!(c.provides(), None);
    }
}
