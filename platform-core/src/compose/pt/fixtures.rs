//! A realistic composition (a database claim becoming three cloud resources)
//! for tests and benchmarks.

use serde_json::{Value, json};

use super::composition::PtComposition;

/// An `XDatabase` composite with `spec.size`, `spec.engine` and friends.
pub fn database_composite() -> Value {
    json!({
        "apiVersion": "platform.example.org/v1alpha1",
        "kind": "XDatabase",
        "metadata": {"name": "orders-db", "labels": {"team": "orders"}},
        "spec": {
            "size": "small",
            "engine": "postgres",
            "version": "15",
            "storageGB": 10,
            "region": "eu-west-1"
        }
    })
}

fn resources() -> Value {
    json!([
        {
            "name": "subnet-group",
            "base": {
                "apiVersion": "rds.aws.upbound.io/v1beta1",
                "kind": "SubnetGroup",
                "spec": {"forProvider": {"subnetIds": ["subnet-a", "subnet-b"]}}
            },
            "patches": [{
                "type": "CombineFromComposite",
                "combine": {
                    "variables": [{"fromFieldPath": "metadata.name"}, {"fromFieldPath": "spec.region"}],
                    "strategy": "string",
                    "string": {"fmt": "%s subnets in %s"}
                },
                "toFieldPath": "spec.forProvider.description"
            }]
        },
        {
            "name": "instance",
            "base": {
                "apiVersion": "rds.aws.upbound.io/v1beta1",
                "kind": "Instance",
                "metadata": {"labels": {"component": "database"}},
                "spec": {"forProvider": {"skipFinalSnapshot": true}}
            },
            "patches": [
                {"type": "PatchSet", "patchSetName": "common"},
                {
                    "fromFieldPath": "spec.size",
                    "toFieldPath": "spec.forProvider.instanceClass",
                    "transforms": [{"type": "map", "map": {"small": "db.t3.small", "medium": "db.t3.medium", "large": "db.r6g.large"}}]
                },
                {
                    "fromFieldPath": "spec.engine",
                    "toFieldPath": "spec.forProvider.engine",
                    "transforms": [{"type": "match", "match": {
                        "patterns": [
                            {"type": "literal", "literal": "postgres", "result": "postgres"},
                            {"type": "regexp", "regexp": "^(mysql|maria)", "result": "mysql"}
                        ],
                        "fallbackValue": "postgres"
                    }}]
                },
                {
                    "fromFieldPath": "spec.storageGB",
                    "toFieldPath": "spec.forProvider.allocatedStorage",
                    "transforms": [{"type": "math", "math": {"type": "ClampMin", "clampMin": 20}}]
                },
                {
                    "fromFieldPath": "spec.version",
                    "toFieldPath": "spec.forProvider.engineVersion",
                    "transforms": [{"type": "string", "string": {"type": "Format", "fmt": "%s.4"}}]
                },
                {
                    "type": "ToCompositeFieldPath",
                    "fromFieldPath": "status.atProvider.address",
                    "toFieldPath": "status.address"
                }
            ],
            "connectionDetails": [
                {"name": "password", "type": "FromConnectionSecretKey", "fromConnectionSecretKey": "attribute.password"},
                {"name": "host", "type": "FromFieldPath", "fromFieldPath": "status.atProvider.address"},
                {"name": "port", "type": "FromValue", "value": "5432"}
            ],
            "readinessChecks": [{"type": "MatchCondition", "matchCondition": {"type": "Ready", "status": "True"}}]
        },
        {
            "name": "parameter-group",
            "base": {
                "apiVersion": "rds.aws.upbound.io/v1beta1",
                "kind": "ParameterGroup",
                "spec": {"forProvider": {}}
            },
            "patches": [
                {
                    "type": "CombineFromComposite",
                    "combine": {
                        "variables": [{"fromFieldPath": "spec.engine"}, {"fromFieldPath": "spec.version"}],
                        "strategy": "string",
                        "string": {"fmt": "%s%s"}
                    },
                    "toFieldPath": "spec.forProvider.family"
                },
                {
                    "fromFieldPath": "metadata.name",
                    "toFieldPath": "metadata.annotations[platform.example.org/name-hash]",
                    "transforms": [
                        {"type": "string", "string": {"type": "Convert", "convert": "ToSha256"}},
                        {"type": "string", "string": {"type": "Regexp", "regexp": {"match": "^.{12}"}}}
                    ]
                }
            ],
            "readinessChecks": [{"type": "None"}]
        }
    ])
}

fn patch_sets() -> Value {
    json!([{
        "name": "common",
        "patches": [
            {"fromFieldPath": "metadata.labels", "toFieldPath": "metadata.labels", "policy": {"toFieldPath": "MergeObjects"}},
            {"fromFieldPath": "spec.region", "toFieldPath": "spec.forProvider.region"}
        ]
    }])
}

/// The database composition, as a `Pipeline` (true) or in the legacy `spec.resources` form.
pub fn database_composition(pipeline: bool) -> Value {
    let type_ref = json!({"apiVersion": "platform.example.org/v1alpha1", "kind": "XDatabase"});
    let spec = if pipeline {
        json!({
            "compositeTypeRef": type_ref,
            "mode": "Pipeline",
            "pipeline": [{
                "step": "patch-and-transform",
                "functionRef": {"name": "function-patch-and-transform"},
                "input": {
                    "apiVersion": "pt.fn.crossplane.io/v1beta1",
                    "kind": "Resources",
                    "patchSets": patch_sets(),
                    "resources": resources()
                }
            }]
        })
    } else {
        json!({
            "compositeTypeRef": type_ref,
            "patchSets": patch_sets(),
            "resources": resources()
        })
    };
    json!({
        "apiVersion": "apiextensions.crossplane.io/v1",
        "kind": "Composition",
        "metadata": {"name": "xdatabases.aws.platform.example.org", "labels": {"provider": "aws"}},
        "spec": spec
    })
}

/// The benchmark case: a composite and a loaded composition of 3 resources and 10 patches.
///
/// Returns an empty composition if loading ever failed (a test guards against that).
pub fn bench_fixture() -> (Value, PtComposition) {
    let composition = PtComposition::from_value(&database_composition(true)).unwrap_or_default();
    (database_composite(), composition)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_fixture_has_three_resources_and_ten_patches() {
        let (composite, composition) = bench_fixture();
        assert_eq!(composition.resources.len(), 3);
        let patches: usize = composition.resources.iter().map(|r| r.patches.len()).sum();
        assert_eq!(patches, 10);
        assert_eq!(composite["spec"]["size"], "small");
    }
}
