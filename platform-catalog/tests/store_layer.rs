//! The store layer writes a claim's entity in the claim's own commit: both or neither.

use std::sync::Arc;

use platform_catalog::platform::{CATALOG_GROUP, CatalogStore, ENTITY_KIND, PlatformSettings};
use platform_core::model::{DynamicObject, ObjectMeta, ObjectRef, OwnerReference};
use platform_core::store::{ListFilter, MemoryStore, Precondition, StateStore, Write};
use serde_json::json;

fn claim(kind: &str, name: &str, spec: serde_json::Value) -> DynamicObject {
    let mut metadata = ObjectMeta::named(name);
    metadata.namespace = Some("team-a".into());
    metadata
        .labels
        .insert("platform.dev/owner".into(), "team-a".into());
    DynamicObject {
        api_version: "platform.dev/v1alpha1".into(),
        kind: kind.into(),
        metadata,
        spec,
        status: None,
    }
}

/// The database the Application `shop` requests as `db`; its spec reads the cache's host.
fn shop_db() -> DynamicObject {
    let mut child = claim(
        "DatabaseClaim",
        "shop-db",
        json!({"engine": "postgresql", "note": "${resources.cache.outputs.host}"}),
    );
    child.metadata.annotations.insert(
        "crossplane.io/composition-resource-name".into(),
        "db".into(),
    );
    child.metadata.owner_references = vec![OwnerReference {
        api_version: "platform.dev/v1alpha1".into(),
        kind: "Application".into(),
        name: "shop".into(),
        uid: String::new(),
        controller: Some(true),
        block_owner_deletion: None,
    }];
    child
}

fn layer() -> (Arc<MemoryStore>, CatalogStore) {
    let memory = Arc::new(MemoryStore::new());
    let settings = PlatformSettings {
        environment: "production".into(),
        claim_kinds: ["Application", "DatabaseClaim", "CacheClaim"]
            .iter()
            .map(|k| ("platform.dev".to_owned(), (*k).to_owned()))
            .collect(),
    };
    (memory.clone(), CatalogStore::new(memory, settings))
}

async fn names(store: &MemoryStore) -> Vec<String> {
    store
        .list(&ListFilter::kind(CATALOG_GROUP, ENTITY_KIND))
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.metadata.name)
        .collect()
}

#[tokio::test]
async fn a_claim_and_its_entity_commit_together_or_not_at_all() {
    let (memory, store) = layer();
    let app = claim(
        "Application",
        "shop",
        json!({"resources": {"db": {"kind": "DatabaseClaim"}, "cache": {"kind": "CacheClaim"}}}),
    );
    let child = shop_db();
    let stored = store
        .commit(vec![
            Write::Put {
                object: app.clone(),
                expected: Precondition::Absent,
            },
            Write::Put {
                object: child.clone(),
                expected: Precondition::Absent,
            },
        ])
        .await
        .unwrap();
    assert_eq!(stored.len(), 2, "the caller gets only its own puts back");
    assert_eq!(
        names(&memory).await,
        ["component.shop", "resource.shop-db.databaseclaim"]
    );
    let entities = store.platform_entities().await.unwrap();
    assert_eq!(entities[0].spec["lifecycle"], "production");
    assert_eq!(
        entities[0].spec["dependsOn"],
        json!([
            "resource:team-a/shop-cache.cacheclaim",
            "resource:team-a/shop-db.databaseclaim"
        ])
    );
    assert_eq!(
        entities[1].spec["dependsOn"],
        json!(["resource:team-a/shop-cache.cacheclaim"]),
        "the claim waits for the cache it reads"
    );

    // A failed commit (a stale precondition) writes neither the claim nor its entity.
    let mut other = claim("CacheClaim", "sessions", json!({}));
    other.metadata.name = "sessions".into();
    let failed = store
        .commit(vec![
            Write::Put {
                object: other,
                expected: Precondition::Absent,
            },
            Write::Put {
                object: app.clone(),
                expected: Precondition::Absent,
            },
        ])
        .await;
    assert!(failed.is_err());
    assert_eq!(
        names(&memory).await,
        ["component.shop", "resource.shop-db.databaseclaim"]
    );

    // Deleting a claim deletes its entity in the same commit.
    let key = ObjectRef::new("DatabaseClaim", "team-a", "shop-db").in_group("platform.dev");
    store
        .commit(vec![Write::Delete {
            key,
            expected: Precondition::Any,
        }])
        .await
        .unwrap();
    assert_eq!(names(&memory).await, ["component.shop"]);
}

#[tokio::test]
async fn two_namespaces_with_one_claim_name_keep_two_entities_through_racing_commits() {
    let (_memory, store) = layer();
    let in_namespace = |namespace: &str| {
        let mut c = claim(
            "DatabaseClaim",
            "orders-db",
            json!({"engine": "postgresql"}),
        );
        c.metadata.namespace = Some(namespace.into());
        c.metadata
            .labels
            .insert("platform.dev/owner".into(), namespace.into());
        Write::Put {
            object: c,
            expected: Precondition::Absent,
        }
    };
    // Two teams, namespaces one character apart, committing at once.
    let (a, b) = tokio::join!(
        store.commit(vec![in_namespace("team-a")]),
        store.commit(vec![in_namespace("team-a2")])
    );
    a.unwrap();
    b.unwrap();
    let refs = |entities: &[platform_catalog::Entity]| -> Vec<String> {
        entities
            .iter()
            .map(|e| e.entity_ref().to_string())
            .collect()
    };
    let entities = store.platform_entities().await.unwrap();
    assert_eq!(
        refs(&entities),
        [
            "resource:team-a/orders-db.databaseclaim",
            "resource:team-a2/orders-db.databaseclaim"
        ]
    );
    assert_ne!(
        entities[0].spec["owner"], entities[1].spec["owner"],
        "each entity keeps its own team as owner"
    );

    // Deleting one team's claim removes only that team's entity.
    let key = ObjectRef::new("DatabaseClaim", "team-a", "orders-db").in_group("platform.dev");
    store
        .commit(vec![Write::Delete {
            key,
            expected: Precondition::Any,
        }])
        .await
        .unwrap();
    let entities = store.platform_entities().await.unwrap();
    assert_eq!(
        refs(&entities),
        ["resource:team-a2/orders-db.databaseclaim"]
    );
}

#[tokio::test]
async fn an_application_changed_alone_refreshes_its_stored_claims_entities() {
    let (_memory, store) = layer();
    let app = |resources: serde_json::Value| {
        claim("Application", "shop", json!({ "resources": resources }))
    };
    let child = shop_db();
    let both = json!({"db": {"kind": "DatabaseClaim"}, "cache": {"kind": "CacheClaim"}});
    store
        .commit(vec![
            Write::Put {
                object: app(both),
                expected: Precondition::Absent,
            },
            Write::Put {
                object: child,
                expected: Precondition::Absent,
            },
        ])
        .await
        .unwrap();
    let db_entity = |entities: &[platform_catalog::Entity]| {
        entities
            .iter()
            .find(|e| e.metadata.name == "shop-db.databaseclaim")
            .cloned()
            .expect("the claim's entity")
    };
    let before = db_entity(&store.platform_entities().await.unwrap());
    assert_eq!(
        before.spec["dependsOn"],
        json!(["resource:team-a/shop-cache.cacheclaim"])
    );

    // The team turns its cache into a queue: only the Application is written, and the
    // claim's entity follows in the same commit (it no longer waits for a cache).
    let switched = json!({"db": {"kind": "DatabaseClaim"}, "cache": {"kind": "QueueClaim"}});
    store
        .commit(vec![Write::Put {
            object: app(switched),
            expected: Precondition::Any,
        }])
        .await
        .unwrap();
    let after = db_entity(&store.platform_entities().await.unwrap());
    assert_eq!(
        after.spec["dependsOn"],
        json!(["resource:team-a/shop-cache.queueclaim"]),
        "the claim's entity is derived again from the changed Application"
    );
}
