//! Distinct claims never share a real resource: for every shipped composition (one per adapter
//! and engine), two different claims render different names for every real resource, within
//! the server's length limits, over random pairs built to collide under a plain
//! `namespace-name` join (`team-a`/`files` against `team`/`a-files`).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;

use platform_core::compose::{
    ComposeRequest, CompositionLibrary, ObservedResources, composite_view,
};

/// The fields of a managed kind that name its real resource, with the server's limit.
struct Named {
    kind: &'static str,
    field: &'static str,
    max: usize,
}

/// Per shipped composition: the adapter, the claim kind and the fields naming real resources.
const ADAPTERS: &[(&str, &str, &str, &[Named])] = &[
    (
        "postgres",
        "databaseclaim-postgresql",
        "DatabaseClaim",
        &[
            Named {
                kind: "Role",
                field: "/spec/name",
                max: 63,
            },
            Named {
                kind: "Database",
                field: "/spec/name",
                max: 63,
            },
        ],
    ),
    (
        "mysql",
        "databaseclaim-mysql",
        "DatabaseClaim",
        &[
            // MySQL keeps user names to 32 characters, database names to 64.
            Named {
                kind: "User",
                field: "/spec/name",
                max: 32,
            },
            Named {
                kind: "Database",
                field: "/spec/name",
                max: 64,
            },
        ],
    ),
    (
        "redis",
        "cacheclaim-redis",
        "CacheClaim",
        &[
            Named {
                kind: "AclUser",
                field: "/spec/username",
                max: 200,
            },
            Named {
                kind: "AclUser",
                field: "/spec/keyPrefix",
                max: 200,
            },
        ],
    ),
    (
        "rabbitmq",
        "queueclaim-rabbitmq",
        "QueueClaim",
        &[
            Named {
                kind: "User",
                field: "/spec/name",
                max: 200,
            },
            Named {
                kind: "Queue",
                field: "/spec/name",
                max: 200,
            },
        ],
    ),
    (
        "nats",
        "queueclaim-nats",
        "QueueClaim",
        &[
            Named {
                kind: "Stream",
                field: "/spec/name",
                max: 200,
            },
            Named {
                kind: "Stream",
                field: "/spec/subjects/0",
                max: 200,
            },
        ],
    ),
    (
        "s3",
        "bucketclaim-s3",
        "BucketClaim",
        &[Named {
            kind: "Bucket",
            field: "/spec/name",
            max: 63,
        }],
    ),
    (
        "local",
        "databaseclaim-local",
        "DatabaseClaim",
        &[Named {
            kind: "LocalDatabase",
            field: "/spec/file",
            max: 200,
        }],
    ),
    (
        "local",
        "bucketclaim-local",
        "BucketClaim",
        &[Named {
            kind: "LocalBucket",
            field: "/spec/directory",
            max: 200,
        }],
    ),
    (
        "local",
        "cacheclaim-local",
        "CacheClaim",
        &[Named {
            kind: "LocalCache",
            field: "/spec/keyPrefix",
            max: 200,
        }],
    ),
    (
        "local",
        "queueclaim-local",
        "QueueClaim",
        &[Named {
            kind: "LocalQueue",
            field: "/spec/queue",
            max: 200,
        }],
    ),
];

fn library() -> CompositionLibrary {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../compositions");
    let mut library = CompositionLibrary::new();
    library
        .load_paths(&[root])
        .unwrap_or_else(|e| panic!("{e}"));
    library
}

/// The real names a claim gets through `composition`, as (kind, field, name).
fn real_names(
    library: &CompositionLibrary,
    composition: &str,
    kind: &str,
    fields: &[Named],
    namespace: &str,
    name: &str,
) -> Vec<(&'static str, &'static str, String)> {
    let claim = json!({"apiVersion": "platform.dev/v1alpha1", "kind": kind,
        "metadata": {"name": name, "namespace": namespace}, "spec": {}});
    let observed = ObservedResources::new();
    let composite = composite_view(&claim, &observed);
    let environment = library.environment("production").map(|e| e.data.clone());
    let composed = library
        .get(composition)
        .unwrap_or_else(|| panic!("no composition {composition}"))
        .compose(&ComposeRequest {
            composite: &composite,
            observed: &observed,
            environment: environment.as_ref(),
        })
        .unwrap_or_else(|e| panic!("{composition} for {namespace}/{name}: {e}"));
    let mut out = Vec::new();
    for named in fields {
        for resource in &composed.resources {
            if resource.object["kind"] == named.kind {
                let value = resource
                    .object
                    .pointer(named.field)
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| {
                        panic!("{composition}: {} has no {}", named.kind, named.field)
                    });
                out.push((named.kind, named.field, value.to_owned()));
            }
        }
    }
    out
}

/// Claims that a plain `namespace-name` join confuses: each dash-joined text split at every
/// dash (`team-a`/`files`, `team`/`a-files`), plus the same names in swapped roles.
fn confusable_claims() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(prop::collection::vec("[a-z0-9]{1,10}", 2..7), 60..120).prop_map(
        |texts| {
            let mut claims = Vec::new();
            for words in texts {
                for i in 1..words.len() {
                    let (ns, name) = (words[..i].join("-"), words[i..].join("-"));
                    claims.push((name.clone(), ns.clone()));
                    claims.push((ns, name));
                }
            }
            claims.sort();
            claims.dedup();
            claims
        },
    )
}

#[test]
fn distinct_claims_never_share_a_real_name_on_any_adapter() {
    let library = library();
    for (adapter, composition, kind, fields) in ADAPTERS {
        let mut runner = TestRunner::new(Config {
            cases: 8,
            failure_persistence: None,
            ..Config::default()
        });
        let pairs = std::cell::Cell::new(0usize);
        let result = runner.run(&confusable_claims(), |claims| {
            // Every name of every claim against every other claim's: n(n-1)/2 pairs at once.
            let mut seen: HashMap<(&str, &str, String), (String, String)> = HashMap::new();
            for (ns, name) in &claims {
                for (managed, field, value) in
                    real_names(&library, composition, kind, fields, ns, name)
                {
                    if let Some(other) =
                        seen.insert((managed, field, value.clone()), (ns.clone(), name.clone()))
                    {
                        prop_assert!(
                            false,
                            "adapter {}: {} {} {:?} is the name of both {}/{} and {}/{}",
                            adapter,
                            managed,
                            field,
                            value,
                            other.0,
                            other.1,
                            ns,
                            name
                        );
                    }
                }
            }
            // Key prefixes must not contain each other either.
            let mut prefixes: Vec<&String> = seen
                .keys()
                .filter(|(_, field, _)| field.contains("keyPrefix"))
                .map(|(_, _, v)| v)
                .collect();
            prefixes.sort();
            for w in prefixes.windows(2) {
                prop_assert!(
                    !w[1].starts_with(w[0].as_str()),
                    "adapter {}: {} is a prefix of {}",
                    adapter,
                    w[0],
                    w[1]
                );
            }
            // The generator does find the claims a plain join confuses.
            let plain: std::collections::HashSet<String> = claims
                .iter()
                .map(|(ns, name)| format!("{ns}-{name}"))
                .collect();
            prop_assert!(plain.len() < claims.len());
            pairs.set(pairs.get() + claims.len() * (claims.len() - 1) / 2);
            Ok(())
        });
        if let Err(e) = result {
            panic!("adapter {adapter} ({composition}): {e}");
        }
        let pairs = pairs.get();
        println!("adapter {adapter} ({composition}): {pairs} distinct claim pairs, no shared name");
        assert!(
            pairs >= 10_000,
            "adapter {adapter}: only {pairs} pairs compared"
        );
    }
}

#[test]
fn the_longest_claims_fit_every_server_limit() {
    let library = library();
    let long = "a".repeat(63);
    let dashed = format!("{}-b", "a".repeat(61));
    for (adapter, composition, kind, fields) in ADAPTERS {
        for (ns, name) in [(&long, &long), (&dashed, &long), (&long, &dashed)] {
            for (managed, field, value) in real_names(&library, composition, kind, fields, ns, name)
            {
                let max = fields
                    .iter()
                    .find(|f| f.kind == managed && f.field == field)
                    .map(|f| f.max)
                    .unwrap_or(usize::MAX);
                assert!(
                    value.len() <= max,
                    "adapter {adapter}: {managed} {field} is {} characters, the server keeps {max}: {value}",
                    value.len()
                );
            }
        }
    }
}

#[test]
fn names_read_as_namespace_and_name_with_the_id() {
    let library = library();
    let names = real_names(
        &library,
        "databaseclaim-postgresql",
        "DatabaseClaim",
        ADAPTERS[0].3,
        "auditc-a",
        "orders-db",
    );
    let id = platform_core::compose::claim_id("DatabaseClaim", "auditc-a", "orders-db");
    assert_eq!(names[0].2, format!("auditc_a_orders_db_{id}"));
    let other = real_names(
        &library,
        "databaseclaim-postgresql",
        "DatabaseClaim",
        ADAPTERS[0].3,
        "auditc",
        "a-orders-db",
    );
    assert_ne!(names[0].2, other[0].2);
}
