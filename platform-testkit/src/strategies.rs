//! proptest strategies for valid objects of the built-in claim kinds.
//!
//! ```
//! use proptest::prelude::*;
//! use platform_testkit::strategies::any_claim;
//!
//! proptest!(|(object in any_claim("platform.dev"))| {
//!     prop_assert!(!object.metadata.name.is_empty());
//! });
//! ```

use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use std::collections::BTreeMap;

use platform_core::kinds::{
    ApplicationSpec, BackupSchedule, BucketClaimSpec, CacheClaimSpec, CacheEngine, Container,
    ContainerPort, DatabaseClaimSpec, DatabaseEngine, DeletionPolicy, EvictionPolicy, PortProtocol,
    QueueClaimSpec, QueueEngine, ResourceRequest, Size,
};
use platform_core::model::{DynamicObject, Object, ObjectMeta, Status, TypedKind};

/// A DNS-1123 label of 1 to 63 characters.
pub fn dns_label() -> impl Strategy<Value = String> {
    "[a-z]([a-z0-9-]{0,61}[a-z0-9])?"
}

/// Labels with valid keys (some with a DNS prefix) and values.
pub fn labels() -> impl Strategy<Value = BTreeMap<String, String>> {
    btree_map(
        prop_oneof![
            "[a-z][a-z0-9]{0,10}",
            "[a-z]{1,8}\\.(dev|io)/[a-z][a-z0-9_.-]{0,8}[a-z0-9]"
        ],
        "([A-Za-z0-9]([A-Za-z0-9_.-]{0,20}[A-Za-z0-9])?)?",
        0..4,
    )
}

/// Metadata with a valid name, sometimes a namespace, and labels.
pub fn object_meta() -> impl Strategy<Value = ObjectMeta> {
    (dns_label(), option::of(dns_label()), labels()).prop_map(|(name, namespace, labels)| {
        ObjectMeta {
            name,
            namespace,
            labels,
            ..ObjectMeta::default()
        }
    })
}

/// Any size.
pub fn size() -> impl Strategy<Value = Size> {
    prop_oneof![
        Just(Size::Small),
        Just(Size::Medium),
        Just(Size::Large),
        Just(Size::Xlarge)
    ]
}

/// A valid DatabaseClaim spec.
pub fn database_spec() -> impl Strategy<Value = DatabaseClaimSpec> {
    (
        prop_oneof![
            Just(DatabaseEngine::Postgresql),
            Just(DatabaseEngine::Mysql),
            Just(DatabaseEngine::Sqlite)
        ],
        option::of("[1-9][0-9]?(\\.[0-9])?"),
        size(),
        1u32..=65536,
        prop_oneof![
            Just(BackupSchedule::None),
            Just(BackupSchedule::Daily),
            Just(BackupSchedule::Hourly)
        ],
        any::<bool>(),
        prop_oneof![Just(DeletionPolicy::Delete), Just(DeletionPolicy::Orphan)],
    )
        .prop_map(
            |(engine, version, size, storage_gib, backup, high_availability, deletion_policy)| {
                DatabaseClaimSpec {
                    engine,
                    version,
                    size,
                    storage_gib,
                    backup,
                    high_availability,
                    deletion_policy,
                    composition_ref: None,
                    composition_selector: None,
                    intent: None,
                }
            },
        )
}

/// A valid CacheClaim spec.
pub fn cache_spec() -> impl Strategy<Value = CacheClaimSpec> {
    (
        size(),
        prop_oneof![
            Just(EvictionPolicy::Noeviction),
            Just(EvictionPolicy::AllkeysLru),
            Just(EvictionPolicy::VolatileTtl)
        ],
        option::of(16u32..=1_048_576),
    )
        .prop_map(|(size, eviction_policy, max_memory_mib)| CacheClaimSpec {
            engine: CacheEngine::Redis,
            size,
            eviction_policy,
            max_memory_mib,
            composition_ref: None,
            composition_selector: None,
            intent: None,
        })
}

/// A valid QueueClaim spec.
pub fn queue_spec() -> impl Strategy<Value = QueueClaimSpec> {
    (
        prop_oneof![Just(QueueEngine::Rabbitmq), Just(QueueEngine::Nats)],
        any::<bool>(),
        option::of(1u64..=10_000_000),
        any::<bool>(),
    )
        .prop_map(
            |(engine, durable, max_length, dead_letter)| QueueClaimSpec {
                engine,
                durable,
                max_length,
                dead_letter,
                composition_ref: None,
                composition_selector: None,
                intent: None,
            },
        )
}

/// A valid BucketClaim spec.
pub fn bucket_spec() -> impl Strategy<Value = BucketClaimSpec> {
    (any::<bool>(), any::<bool>(), option::of(1u32..=36500)).prop_map(
        |(versioning, public, expire_after_days)| BucketClaimSpec {
            versioning,
            public,
            expire_after_days,
            composition_ref: None,
            composition_selector: None,
        },
    )
}

fn request<S: TypedKind>(spec: S) -> ResourceRequest {
    let spec = match serde_json::to_value(spec) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    ResourceRequest {
        kind: S::KIND.to_owned(),
        spec,
    }
}

/// A valid Application spec whose environment refers only to resources it requests.
pub fn application_spec() -> impl Strategy<Value = ApplicationSpec> {
    let resource = prop_oneof![
        database_spec().prop_map(request),
        cache_spec().prop_map(request),
        queue_spec().prop_map(request),
        bucket_spec().prop_map(request),
    ];
    (
        btree_map("[a-z][a-z0-9]{0,8}", resource, 0..4),
        vec(
            (
                "[a-z][a-z0-9-]{0,10}[a-z0-9]",
                "[a-z]{1,10}(/[a-z]{1,10})?:[0-9]\\.[0-9]",
            ),
            1..3,
        ),
        0u32..=20,
        option::of(1u16..=65535),
    )
        .prop_map(|(resources, containers, replicas, port)| {
            let names: Vec<String> = resources.keys().cloned().collect();
            let containers = containers
                .into_iter()
                .enumerate()
                .map(|(i, (name, image))| Container {
                    name: format!("{name}-{i}"),
                    image,
                    ports: port
                        .map(|port| ContainerPort {
                            name: Some("http".into()),
                            port,
                            protocol: PortProtocol::TCP,
                        })
                        .into_iter()
                        .collect(),
                    env: names
                        .iter()
                        .map(|n| {
                            (
                                format!("{}_HOST", n.to_ascii_uppercase()),
                                format!("${{resources.{n}.outputs.host}}"),
                            )
                        })
                        .collect(),
                    files: Vec::new(),
                })
                .collect();
            ApplicationSpec {
                containers,
                replicas,
                resources,
            }
        })
}

fn object<S: TypedKind>(
    group: String,
    spec: impl Strategy<Value = S>,
) -> impl Strategy<Value = DynamicObject> {
    (object_meta(), spec).prop_filter_map("serializable", move |(metadata, spec)| {
        let mut typed = Object::<S, Status>::new(metadata.name.clone(), spec).with_group(&group);
        typed.metadata = metadata;
        typed.to_dynamic().ok()
    })
}

/// A valid object of any built-in claim kind (Application included) in the given group.
pub fn any_claim(group: &str) -> impl Strategy<Value = DynamicObject> {
    let g = group.to_owned();
    prop_oneof![
        object::<DatabaseClaimSpec>(g.clone(), database_spec()),
        object::<CacheClaimSpec>(g.clone(), cache_spec()),
        object::<QueueClaimSpec>(g.clone(), queue_spec()),
        object::<BucketClaimSpec>(g.clone(), bucket_spec()),
        object::<ApplicationSpec>(g, application_spec()),
    ]
}
