//! The state store conformance suite: the contract the in-memory, SQLite and PostgreSQL
//! stores must all keep.

use serde_json::{Value, json};
use std::future::Future;
use std::sync::Arc;

use platform_core::model::time::now_rfc3339;
use platform_core::model::{DynamicObject, ObjectMeta, ObjectRef, OwnerReference, Resource};
use platform_core::secret::{SecretMap, SecretValue};
use platform_core::store::{
    ChangeKind, CreateIntent, EVENTS_PER_OBJECT, Event, EventType, JournalEntry, JournalQuery,
    Lease, LeaseOutcome, ListFilter, Precondition, StateStore, StoreError, Write,
};
use std::time::Duration;

use super::report::ConformanceReport;

const GROUP: &str = "conformance.platform.dev";
const API_VERSION: &str = "conformance.platform.dev/v1";
const SECRET: &str = "conformance-secret-c6b1f0e2";

/// Runs the store suite, each check on a fresh store from `make`; it never panics on a bad
/// store.
///
/// Checks: put/get round trip (uid assigned and kept); resourceVersion changes on every put;
/// generation bumps only on spec change; a stale resourceVersion is refused with `Conflict`
/// and nothing is written; the `Absent` precondition; a batch with one failing precondition
/// writes nothing (atomicity); delete removes secrets and events; list by kind, namespace and
/// controller owner, in reference order; `list_page` pages (any size, with or without a
/// filter) put together equal the listing; `get_many` and `secrets_many` answer in the order
/// asked, like one `get` or `secrets` per key (absent objects included); secrets round trip
/// and stay out of `Debug`; intents
/// put, list and clear; the change feed (seq strictly increasing, `after` and `limit`
/// honoured, deletes recorded); events bounded to [`EVENTS_PER_OBJECT`], oldest dropped;
/// of two racing writers with the same `Version` precondition exactly one wins (20 rounds,
/// on separate tasks when a tokio runtime is running); the journal keeps each `(kind, id)`
/// once, reads by time range and kind oldest first, and prunes by age.
///
/// ```
/// use std::sync::Arc;
/// use platform_core::store::{MemoryStore, StateStore};
/// use platform_testkit::conformance::store_conformance;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// store_conformance(|| async { Arc::new(MemoryStore::new()) as Arc<dyn StateStore> })
///     .await
///     .assert_passed();
/// # });
/// ```
pub async fn store_conformance<F, Fut>(make: F) -> ConformanceReport
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn StateStore>>,
{
    let mut report = ConformanceReport::new("state store");
    report.record("put_get_round_trip", put_get_round_trip(make().await).await);
    report.record(
        "resource_version_changes_on_every_put",
        resource_version_changes_on_every_put(make().await).await,
    );
    report.record(
        "generation_bumps_only_on_spec_change",
        generation_bumps_only_on_spec_change(make().await).await,
    );
    report.record(
        "stale_version_is_refused",
        stale_version_is_refused(make().await).await,
    );
    report.record(
        "absent_precondition",
        absent_precondition(make().await).await,
    );
    report.record("batch_is_atomic", batch_is_atomic(make().await).await);
    report.record(
        "delete_removes_secrets_and_events",
        delete_removes_secrets_and_events(make().await).await,
    );
    report.record("list_filters", list_filters(make().await).await);
    report.record(
        "pages_cover_the_listing",
        pages_cover_the_listing(make().await).await,
    );
    report.record(
        "batch_reads_match_single_reads",
        batch_reads_match_single_reads(make().await).await,
    );
    report.record(
        "secrets_round_trip_and_redacted",
        secrets_round_trip_and_redacted(make().await).await,
    );
    report.record(
        "intents_put_list_clear",
        intents_put_list_clear(make().await).await,
    );
    report.record("change_feed", change_feed(make().await).await);
    report.record("events_bounded", events_bounded(make().await).await);
    report.record(
        "racing_writers_one_wins",
        racing_writers_one_wins(make().await).await,
    );
    report.record(
        "leases_have_one_holder_and_fence_writes",
        leases_have_one_holder_and_fence_writes(make().await).await,
    );
    report.record(
        "racing_lease_requests_one_wins",
        racing_lease_requests_one_wins(make().await).await,
    );
    report.record(
        "expect_checks_without_writing",
        expect_checks_without_writing(make().await).await,
    );
    report.record(
        "journal_keeps_each_key_once_and_reads_by_time",
        journal_keeps_each_key_once_and_reads_by_time(make().await).await,
    );
    report
}

fn entry(kind: &str, id: &str, time_ms: i64) -> JournalEntry {
    JournalEntry::new(
        kind,
        id,
        time_ms,
        Some("component:default/shop".to_owned()),
        Some("production".to_owned()),
        &json!({"kind": kind, "id": id, "extra": {"kept": true}}),
    )
}

async fn journal_keeps_each_key_once_and_reads_by_time(
    store: Arc<dyn StateStore>,
) -> Result<(), String> {
    let err = |what: &str| {
        let what = what.to_owned();
        move |e: StoreError| format!("{what}: {e}")
    };
    // Out of time order, a key twice in one batch, one kind sharing another's id.
    let first = vec![
        entry("deploy", "d2", 2_000),
        entry("change", "c1", 1_000),
        entry("deploy", "d1", 1_500),
        entry("change", "c1", 9_999),
        entry("incident", "d1", 3_000),
    ];
    let added = store
        .journal_append(first.clone())
        .await
        .map_err(err("journal_append"))?;
    ensure!(
        added == 4,
        "expected 4 entries added (c1 once), found {added}"
    );
    let again = store
        .journal_append(first)
        .await
        .map_err(err("journal_append"))?;
    ensure!(again == 0, "appending the same entries again added {again}");
    let all = store
        .journal(&JournalQuery::default())
        .await
        .map_err(err("journal"))?;
    let keys: Vec<(&str, &str, i64)> = all
        .iter()
        .map(|e| (e.kind.as_str(), e.id.as_str(), e.time_ms))
        .collect();
    ensure!(
        keys == [
            ("change", "c1", 1_000),
            ("deploy", "d1", 1_500),
            ("deploy", "d2", 2_000),
            ("incident", "d1", 3_000)
        ],
        "expected the journal oldest first with the first c1 kept, found {keys:?}"
    );
    ensure!(
        all[0].body_value()["extra"]["kept"] == json!(true)
            && all[0].env.as_deref() == Some("production"),
        "an entry's fields did not round trip: {:?}",
        all[0]
    );
    let window = store
        .journal(&JournalQuery {
            since_ms: Some(1_500),
            until_ms: Some(3_000),
            kinds: vec!["deploy".into()],
            ..JournalQuery::default()
        })
        .await
        .map_err(err("journal"))?;
    let ids: Vec<&str> = window.iter().map(|e| e.id.as_str()).collect();
    ensure!(
        ids == ["d1", "d2"],
        "expected deploys in [1500, 3000), found {ids:?}"
    );
    // Bodies left out for one kind only: the rest of each entry, and other kinds, whole.
    let lean = store
        .journal(&JournalQuery {
            without_bodies: vec!["change".into()],
            ..JournalQuery::default()
        })
        .await
        .map_err(err("journal"))?;
    let shapes: Vec<(&str, &str, bool)> = lean
        .iter()
        .map(|e| (e.kind.as_str(), e.id.as_str(), e.body.get() == "null"))
        .collect();
    ensure!(
        shapes
            == [
                ("change", "c1", true),
                ("deploy", "d1", false),
                ("deploy", "d2", false),
                ("incident", "d1", false)
            ]
            && lean[0].service.as_deref() == Some("component:default/shop")
            && lean[1].body_value()["extra"]["kept"] == json!(true),
        "expected only the change's body left out, found {lean:?}"
    );
    // By service and environment: a service one character apart is another service.
    let mut other = entry("deploy", "d3", 2_500);
    other.service = Some("component:default/shops".into());
    other.env = Some("staging".into());
    store
        .journal_append(vec![other])
        .await
        .map_err(err("journal_append"))?;
    for (service, env, expected) in [
        (Some("component:default/shop"), None, vec!["d1", "d2"]),
        (Some("component:default/shops"), None, vec!["d3"]),
        (None, Some("staging"), vec!["d3"]),
        (Some("component:default/shop"), Some("staging"), vec![]),
    ] {
        let found = store
            .journal(&JournalQuery {
                kinds: vec!["deploy".into()],
                service: service.map(str::to_owned),
                env: env.map(str::to_owned),
                ..JournalQuery::default()
            })
            .await
            .map_err(err("journal"))?;
        let ids: Vec<&str> = found.iter().map(|e| e.id.as_str()).collect();
        ensure!(
            ids == expected,
            "expected deploys {expected:?} of service {service:?} in {env:?}, found {ids:?}"
        );
    }
    let pruned = store
        .journal_prune(2_000)
        .await
        .map_err(err("journal_prune"))?;
    ensure!(
        pruned == 2,
        "expected 2 entries older than 2000 pruned, found {pruned}"
    );
    let left = store
        .journal(&JournalQuery::default())
        .await
        .map_err(err("journal"))?;
    ensure!(
        left.len() == 3,
        "expected 3 entries left, found {}",
        left.len()
    );
    let re_added = store
        .journal_append(vec![entry("change", "c1", 1_000)])
        .await
        .map_err(err("journal_append"))?;
    ensure!(re_added == 1, "a pruned key could not be appended again");
    Ok(())
}

fn object(kind: &str, namespace: &str, name: &str, spec: Value) -> DynamicObject {
    DynamicObject {
        api_version: API_VERSION.to_owned(),
        kind: kind.to_owned(),
        metadata: ObjectMeta {
            namespace: Some(namespace.to_owned()),
            ..ObjectMeta::named(name)
        },
        spec,
        status: None,
    }
}

fn widget(name: &str, spec: Value) -> DynamicObject {
    object("Widget", "team-a", name, spec)
}

fn owned_by(mut child: DynamicObject, owners: &[(&str, Option<bool>)]) -> DynamicObject {
    child.metadata.owner_references = owners
        .iter()
        .map(|(name, controller)| OwnerReference {
            api_version: API_VERSION.to_owned(),
            kind: "Owner".to_owned(),
            name: (*name).to_owned(),
            uid: String::new(),
            controller: *controller,
            block_owner_deletion: None,
        })
        .collect();
    child
}

fn owner_ref(namespace: &str, name: &str) -> ObjectRef {
    ObjectRef::new("Owner", namespace, name).in_group(GROUP)
}

fn event(object: &ObjectRef, message: String) -> Event {
    Event {
        object: object.clone(),
        type_: EventType::Normal,
        reason: "Conformance".to_owned(),
        message,
        time: now_rfc3339(),
    }
}

fn intent(object: &DynamicObject, external_name: &str) -> CreateIntent {
    CreateIntent {
        key: object.object_ref(),
        object: object.clone(),
        external_name: external_name.to_owned(),
        started_at: now_rfc3339(),
    }
}

fn version(object: &DynamicObject) -> Result<String, String> {
    object
        .metadata
        .resource_version
        .clone()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            format!(
                "expected a stored {} to have a resourceVersion, found none",
                object.object_ref()
            )
        })
}

async fn put(
    store: &dyn StateStore,
    object: DynamicObject,
    expected: Precondition,
) -> Result<DynamicObject, String> {
    let key = object.object_ref();
    let mut stored = store
        .commit(vec![Write::Put { object, expected }])
        .await
        .map_err(|e| format!("put of {key}: {e}"))?;
    ensure!(
        stored.len() == 1,
        "expected commit of one put to return one object, found {}",
        stored.len()
    );
    Ok(stored.remove(0))
}

async fn commit(store: &dyn StateStore, writes: Vec<Write>, what: &str) -> Result<(), String> {
    store
        .commit(writes)
        .await
        .map(|_| ())
        .map_err(|e| format!("{what}: {e}"))
}

async fn get(store: &dyn StateStore, key: &ObjectRef) -> Result<Option<DynamicObject>, String> {
    store
        .get(key)
        .await
        .map_err(|e| format!("get of {key}: {e}"))
}

fn expect_conflict<T>(result: Result<T, StoreError>, what: &str) -> Result<(), String> {
    match result {
        Err(StoreError::Conflict { .. }) => Ok(()),
        Err(other) => Err(format!(
            "{what}: expected a conflict, found the error {other}"
        )),
        Ok(_) => Err(format!("{what}: expected a conflict, found success")),
    }
}

fn names(objects: &[DynamicObject]) -> Vec<String> {
    objects
        .iter()
        .map(|o| format!("{}/{}/{}", o.kind, o.namespace(), o.name()))
        .collect()
}

async fn put_get_round_trip(store: Arc<dyn StateStore>) -> Result<(), String> {
    let mut input = widget(
        "w1",
        json!({"size": 3, "nested": {"list": [1, "two", null]}}),
    );
    input.metadata.labels.insert("app".into(), "orders".into());
    input
        .metadata
        .annotations
        .insert("note".into(), "round trip".into());
    input.status = Some(json!({"phase": "Ready", "observedGeneration": 1}));
    let stored = put(&*store, input.clone(), Precondition::Any).await?;
    version(&stored)?;
    ensure!(
        stored.metadata.generation == Some(1),
        "expected generation 1 on first put, found {:?}",
        stored.metadata.generation
    );
    let uid = stored.metadata.uid.clone().filter(|u| !u.is_empty());
    ensure!(
        uid.is_some(),
        "expected the store to assign a uid, found none"
    );
    let got = get(&*store, &input.object_ref()).await?;
    ensure!(
        got.as_ref() == Some(&stored),
        "expected get to return the stored object {stored:?}, found {got:?}"
    );
    ensure!(
        stored.spec == input.spec
            && stored.status == input.status
            && stored.metadata.labels == input.metadata.labels
            && stored.metadata.annotations == input.metadata.annotations,
        "expected spec, status, labels and annotations to round trip, put {input:?}, found {stored:?}"
    );
    let again = put(&*store, input.clone(), Precondition::Any).await?;
    ensure!(
        again.metadata.uid == uid,
        "expected the uid to stay {uid:?} across puts, found {:?}",
        again.metadata.uid
    );
    let missing = get(&*store, &widget("absent", json!({})).object_ref()).await?;
    ensure!(
        missing.is_none(),
        "expected no object for an unknown key, found {missing:?}"
    );
    Ok(())
}

async fn resource_version_changes_on_every_put(store: Arc<dyn StateStore>) -> Result<(), String> {
    let input = widget("w1", json!({"size": 1}));
    let mut versions = Vec::new();
    for _ in 0..3 {
        versions.push(version(
            &put(&*store, input.clone(), Precondition::Any).await?,
        )?);
    }
    let mut distinct = versions.clone();
    distinct.sort();
    distinct.dedup();
    ensure!(
        distinct.len() == versions.len(),
        "expected a new resourceVersion on every put (even an unchanged one), found {versions:?}"
    );
    let got = get(&*store, &input.object_ref()).await?;
    let latest = got
        .as_ref()
        .and_then(|o| o.metadata.resource_version.clone());
    ensure!(
        latest.as_ref() == versions.last(),
        "expected get to show the latest resourceVersion {:?}, found {latest:?}",
        versions.last()
    );
    Ok(())
}

async fn generation_bumps_only_on_spec_change(store: Arc<dyn StateStore>) -> Result<(), String> {
    let mut input = widget("w1", json!({"size": 1}));
    let generation = |o: &DynamicObject| o.metadata.generation;
    let first = put(&*store, input.clone(), Precondition::Any).await?;
    ensure!(
        generation(&first) == Some(1),
        "expected generation 1 on create, found {:?}",
        generation(&first)
    );
    input.status = Some(json!({"phase": "Ready"}));
    let status_only = put(&*store, input.clone(), Precondition::Any).await?;
    ensure!(
        generation(&status_only) == Some(1),
        "expected a status-only change to keep generation 1, found {:?}",
        generation(&status_only)
    );
    input.metadata.labels.insert("tier".into(), "gold".into());
    let labels_only = put(&*store, input.clone(), Precondition::Any).await?;
    ensure!(
        generation(&labels_only) == Some(1),
        "expected a label-only change to keep generation 1, found {:?}",
        generation(&labels_only)
    );
    input.spec = json!({"size": 2});
    let spec_change = put(&*store, input.clone(), Precondition::Any).await?;
    ensure!(
        generation(&spec_change) == Some(2),
        "expected a spec change to bump generation to 2, found {:?}",
        generation(&spec_change)
    );
    let same_spec = put(&*store, input, Precondition::Any).await?;
    ensure!(
        generation(&same_spec) == Some(2),
        "expected an unchanged spec to keep generation 2, found {:?}",
        generation(&same_spec)
    );
    Ok(())
}

async fn stale_version_is_refused(store: Arc<dyn StateStore>) -> Result<(), String> {
    let v1 = version(&put(&*store, widget("w1", json!({"size": 1})), Precondition::Any).await?)?;
    let second = put(
        &*store,
        widget("w1", json!({"size": 2})),
        Precondition::Version(v1.clone()),
    )
    .await?;
    let v2 = version(&second)?;
    let stale = store
        .commit(vec![Write::Put {
            object: widget("w1", json!({"size": 99})),
            expected: Precondition::Version(v1.clone()),
        }])
        .await;
    expect_conflict(stale, "put with a stale resourceVersion")?;
    let stale_delete = store
        .commit(vec![Write::Delete {
            key: second.object_ref(),
            expected: Precondition::Version(v1),
        }])
        .await;
    expect_conflict(stale_delete, "delete with a stale resourceVersion")?;
    let got = get(&*store, &second.object_ref()).await?;
    ensure!(
        got.as_ref() == Some(&second),
        "expected refused writes to leave the object at resourceVersion {v2} with spec {}, found {got:?}",
        second.spec
    );
    let on_absent = store
        .commit(vec![Write::Put {
            object: widget("w2", json!({})),
            expected: Precondition::Version(v2),
        }])
        .await;
    expect_conflict(
        on_absent,
        "put expecting a resourceVersion of an absent object",
    )?;
    ensure!(
        get(&*store, &widget("w2", json!({})).object_ref())
            .await?
            .is_none(),
        "expected the refused put not to create the object, found it stored"
    );
    Ok(())
}

async fn absent_precondition(store: Arc<dyn StateStore>) -> Result<(), String> {
    let first = put(
        &*store,
        widget("w1", json!({"size": 1})),
        Precondition::Absent,
    )
    .await?;
    let again = store
        .commit(vec![Write::Put {
            object: widget("w1", json!({"size": 2})),
            expected: Precondition::Absent,
        }])
        .await;
    expect_conflict(again, "put expecting no object where one exists")?;
    let got = get(&*store, &first.object_ref()).await?;
    ensure!(
        got.as_ref() == Some(&first),
        "expected the refused put to leave the first object, found {got:?}"
    );
    Ok(())
}

async fn batch_is_atomic(store: Arc<dyn StateStore>) -> Result<(), String> {
    let keep = put(
        &*store,
        widget("keep", json!({"size": 1})),
        Precondition::Any,
    )
    .await?;
    let before = store
        .changes(0, usize::MAX)
        .await
        .map_err(|e| format!("changes: {e}"))?;
    let after_seq = before.last().map_or(0, |c| c.seq);
    let fresh = widget("fresh", json!({"size": 2}));
    let key = fresh.object_ref();
    let mut secrets = SecretMap::new();
    secrets.insert("password", SecretValue::new(SECRET));
    for failing_first in [false, true] {
        let failing = Write::Put {
            object: widget("keep", json!({"size": 99})),
            expected: Precondition::Version("not-the-version".into()),
        };
        let mut writes = vec![
            Write::Put {
                object: fresh.clone(),
                expected: Precondition::Any,
            },
            Write::PutSecrets {
                key: key.clone(),
                secrets: secrets.clone(),
            },
            Write::Event(event(&key, "in a refused batch".into())),
            Write::PutIntent(intent(&fresh, "team-a-fresh")),
            Write::Delete {
                key: keep.object_ref(),
                expected: Precondition::Any,
            },
        ];
        if failing_first {
            writes.insert(0, failing);
        } else {
            writes.push(failing);
        }
        let result = store.commit(writes).await;
        let order = if failing_first { "first" } else { "last" };
        expect_conflict(
            result,
            &format!("batch whose {order} write has a stale resourceVersion"),
        )?;
        ensure!(
            get(&*store, &key).await?.is_none(),
            "expected a refused batch not to store its put, found {key} stored"
        );
        let got_keep = get(&*store, &keep.object_ref()).await?;
        ensure!(
            got_keep.as_ref() == Some(&keep),
            "expected a refused batch not to delete or change {}, found {got_keep:?}",
            keep.object_ref()
        );
        let stored_secrets = store
            .secrets(&key)
            .await
            .map_err(|e| format!("secrets: {e}"))?;
        ensure!(
            stored_secrets.is_empty(),
            "expected a refused batch not to store secrets, found keys {:?}",
            stored_secrets.keys().collect::<Vec<_>>()
        );
        let events = store
            .events(&key)
            .await
            .map_err(|e| format!("events: {e}"))?;
        ensure!(
            events.is_empty(),
            "expected a refused batch not to store events, found {events:?}"
        );
        let intents = store.intents().await.map_err(|e| format!("intents: {e}"))?;
        ensure!(
            intents.is_empty(),
            "expected a refused batch not to store intents, found {intents:?}"
        );
        let changes = store
            .changes(after_seq, usize::MAX)
            .await
            .map_err(|e| format!("changes: {e}"))?;
        ensure!(
            changes.is_empty(),
            "expected a refused batch to add nothing to the change feed, found {changes:?}"
        );
    }
    let stored = store
        .commit(vec![
            Write::Put {
                object: widget("a", json!({"n": 1})),
                expected: Precondition::Absent,
            },
            Write::Put {
                object: widget("b", json!({"n": 2})),
                expected: Precondition::Absent,
            },
        ])
        .await
        .map_err(|e| format!("batch of two puts: {e}"))?;
    ensure!(
        names(&stored) == ["Widget/team-a/a", "Widget/team-a/b"],
        "expected a batch of two puts to return both objects in order, found {:?}",
        names(&stored)
    );
    Ok(())
}

async fn delete_removes_secrets_and_events(store: Arc<dyn StateStore>) -> Result<(), String> {
    let stored = put(&*store, widget("w1", json!({"size": 1})), Precondition::Any).await?;
    let key = stored.object_ref();
    let mut secrets = SecretMap::new();
    secrets.insert("password", SecretValue::new(SECRET));
    commit(
        &*store,
        vec![
            Write::PutSecrets {
                key: key.clone(),
                secrets,
            },
            Write::Event(event(&key, "created".into())),
        ],
        "secrets and an event",
    )
    .await?;
    commit(
        &*store,
        vec![Write::Delete {
            key: key.clone(),
            expected: Precondition::Version(version(&stored)?),
        }],
        "delete at the current resourceVersion",
    )
    .await?;
    let check_gone = |when: &'static str| {
        let store = store.clone();
        let key = key.clone();
        async move {
            let secrets = store
                .secrets(&key)
                .await
                .map_err(|e| format!("secrets: {e}"))?;
            ensure!(
                secrets.is_empty(),
                "expected no secrets {when}, found keys {:?}",
                secrets.keys().collect::<Vec<_>>()
            );
            let events = store
                .events(&key)
                .await
                .map_err(|e| format!("events: {e}"))?;
            ensure!(
                events.is_empty(),
                "expected no events {when}, found {events:?}"
            );
            Ok::<(), String>(())
        }
    };
    ensure!(
        get(&*store, &key).await?.is_none(),
        "expected the object gone after delete, found it stored"
    );
    check_gone("after delete").await?;
    put(
        &*store,
        widget("w1", json!({"size": 1})),
        Precondition::Absent,
    )
    .await?;
    check_gone("when an object of the same name is created again").await?;
    commit(
        &*store,
        vec![Write::Delete {
            key: widget("never", json!({})).object_ref(),
            expected: Precondition::Any,
        }],
        "delete of an absent object with no precondition",
    )
    .await
}

async fn list_filters(store: Arc<dyn StateStore>) -> Result<(), String> {
    let objects = [
        object("Owner", "team-a", "o1", json!({})),
        object("Owner", "team-a", "o2", json!({})),
        owned_by(widget("w1", json!({})), &[("o1", Some(true))]),
        // o1 is listed first but o2 is the controller.
        owned_by(widget("w2", json!({})), &[("o1", None), ("o2", Some(true))]),
        object("Widget", "team-b", "w3", json!({})),
        owned_by(
            object("Gadget", "team-a", "g1", json!({})),
            &[("o1", Some(true))],
        ),
    ];
    let writes = objects
        .iter()
        .map(|o| Write::Put {
            object: o.clone(),
            expected: Precondition::Absent,
        })
        .collect();
    commit(&*store, writes, "six objects").await?;
    let list = |filter: ListFilter| {
        let store = store.clone();
        async move {
            store
                .list(&filter)
                .await
                .map(|objects| names(&objects))
                .map_err(|e| format!("list {filter:?}: {e}"))
        }
    };
    let cases: Vec<(&str, ListFilter, Vec<&str>)> = vec![
        (
            "everything, in reference order",
            ListFilter::all(),
            vec![
                "Gadget/team-a/g1",
                "Owner/team-a/o1",
                "Owner/team-a/o2",
                "Widget/team-a/w1",
                "Widget/team-a/w2",
                "Widget/team-b/w3",
            ],
        ),
        (
            "kind Widget",
            ListFilter::kind(GROUP, "Widget"),
            vec!["Widget/team-a/w1", "Widget/team-a/w2", "Widget/team-b/w3"],
        ),
        (
            "kind Widget of another group",
            ListFilter::kind("other.dev", "Widget"),
            vec![],
        ),
        (
            "namespace team-b",
            ListFilter {
                namespace: Some("team-b".into()),
                ..ListFilter::all()
            },
            vec!["Widget/team-b/w3"],
        ),
        (
            "kind Widget in namespace team-a",
            ListFilter {
                namespace: Some("team-a".into()),
                ..ListFilter::kind(GROUP, "Widget")
            },
            vec!["Widget/team-a/w1", "Widget/team-a/w2"],
        ),
        (
            "controlled by o1",
            ListFilter::owned_by(owner_ref("team-a", "o1")),
            vec!["Gadget/team-a/g1", "Widget/team-a/w1"],
        ),
        (
            "controlled by o2",
            ListFilter::owned_by(owner_ref("team-a", "o2")),
            vec!["Widget/team-a/w2"],
        ),
        (
            "Widgets controlled by o1",
            ListFilter {
                owner: Some(owner_ref("team-a", "o1")),
                ..ListFilter::kind(GROUP, "Widget")
            },
            vec!["Widget/team-a/w1"],
        ),
        (
            "controlled by an o1 in another namespace",
            ListFilter::owned_by(owner_ref("team-b", "o1")),
            vec![],
        ),
    ];
    for (what, filter, expected) in cases {
        let found = list(filter).await?;
        ensure!(
            found == expected,
            "list {what}: expected {expected:?}, found {found:?}"
        );
    }
    // Moving w1 to o2 and deleting g1 must update the owner lists.
    put(
        &*store,
        owned_by(widget("w1", json!({})), &[("o2", Some(true))]),
        Precondition::Any,
    )
    .await?;
    commit(
        &*store,
        vec![Write::Delete {
            key: object("Gadget", "team-a", "g1", json!({})).object_ref(),
            expected: Precondition::Any,
        }],
        "delete of g1",
    )
    .await?;
    let o1 = list(ListFilter::owned_by(owner_ref("team-a", "o1"))).await?;
    ensure!(
        o1.is_empty(),
        "expected nothing controlled by o1 after moving w1 and deleting g1, found {o1:?}"
    );
    let o2 = list(ListFilter::owned_by(owner_ref("team-a", "o2"))).await?;
    ensure!(
        o2 == ["Widget/team-a/w1", "Widget/team-a/w2"],
        "expected w1 and w2 controlled by o2 after moving w1, found {o2:?}"
    );
    Ok(())
}

async fn pages_cover_the_listing(store: Arc<dyn StateStore>) -> Result<(), String> {
    // Out of order on purpose, across two kinds and two namespaces.
    for (kind, namespace, name) in [
        ("Widget", "team-b", "w2"),
        ("Gadget", "team-a", "g1"),
        ("Widget", "team-a", "w3"),
        ("Widget", "team-a", "w1"),
        ("Gadget", "team-b", "g2"),
        ("Widget", "team-b", "w1"),
        ("Widget", "team-a", "w2"),
    ] {
        put(
            &*store,
            object(kind, namespace, name, json!({})),
            Precondition::Any,
        )
        .await?;
    }
    let widgets = ListFilter::kind(GROUP, "Widget");
    for filter in [ListFilter::all(), widgets] {
        let listed = store
            .list(&filter)
            .await
            .map_err(|e| format!("list: {e}"))?;
        for size in [1, 3, 100] {
            let mut paged = Vec::new();
            let mut after: Option<ObjectRef> = None;
            loop {
                let page = store
                    .list_page(&filter, after.as_ref(), size)
                    .await
                    .map_err(|e| format!("list_page: {e}"))?;
                ensure!(
                    page.len() <= size,
                    "expected pages of at most {size} objects, found {}",
                    page.len()
                );
                let Some(last) = page.last() else { break };
                after = Some(last.object_ref());
                paged.extend(page);
                ensure!(
                    paged.len() <= listed.len(),
                    "expected pages of {size} to end after {} objects, found more: {:?}",
                    listed.len(),
                    names(&paged)
                );
            }
            ensure!(
                names(&paged) == names(&listed),
                "expected pages of {size} to put together the listing {:?}, found {:?}",
                names(&listed),
                names(&paged)
            );
        }
    }
    Ok(())
}

async fn batch_reads_match_single_reads(store: Arc<dyn StateStore>) -> Result<(), String> {
    let mut keys = Vec::new();
    for (i, name) in ["w3", "w1", "w2"].iter().enumerate() {
        let stored = put(&*store, widget(name, json!({"n": i})), Precondition::Any).await?;
        keys.push(stored.object_ref());
    }
    let mut secrets = SecretMap::new();
    secrets.insert("password", SecretValue::new(SECRET));
    commit(
        &*store,
        vec![Write::PutSecrets {
            key: keys[2].clone(),
            secrets,
        }],
        "put secrets",
    )
    .await?;
    // Out of reference order, with an absent key and a repeated one.
    keys.insert(1, widget("absent", json!({})).object_ref());
    keys.push(keys[0].clone());
    let many = store
        .get_many(&keys)
        .await
        .map_err(|e| format!("get_many: {e}"))?;
    ensure!(
        many.len() == keys.len(),
        "expected get_many of {} keys to answer {} entries, found {}",
        keys.len(),
        keys.len(),
        many.len()
    );
    for (key, found) in keys.iter().zip(&many) {
        let single = get(&*store, key).await?;
        ensure!(
            found == &single,
            "expected get_many to answer for {key} what get answers ({single:?}), found {found:?}"
        );
    }
    let many = store
        .secrets_many(&keys)
        .await
        .map_err(|e| format!("secrets_many: {e}"))?;
    ensure!(
        many.len() == keys.len(),
        "expected secrets_many of {} keys to answer {} entries, found {}",
        keys.len(),
        keys.len(),
        many.len()
    );
    for (key, found) in keys.iter().zip(&many) {
        let single = store
            .secrets(key)
            .await
            .map_err(|e| format!("secrets of {key}: {e}"))?;
        ensure!(
            found == &single,
            "expected secrets_many to answer for {key} the keys secrets answers ({:?}), found {:?} \
             (or different values)",
            single.keys().collect::<Vec<_>>(),
            found.keys().collect::<Vec<_>>()
        );
    }
    ensure!(
        many.iter().filter(|s| !s.is_empty()).count() == 1,
        "expected exactly one of the objects to have secrets, found {}",
        many.iter().filter(|s| !s.is_empty()).count()
    );
    let none = store
        .get_many(&[])
        .await
        .map_err(|e| format!("get_many of no keys: {e}"))?;
    ensure!(
        none.is_empty(),
        "expected get_many of no keys to answer nothing, found {} entries",
        none.len()
    );
    Ok(())
}

async fn secrets_round_trip_and_redacted(store: Arc<dyn StateStore>) -> Result<(), String> {
    let stored = put(&*store, widget("w1", json!({})), Precondition::Any).await?;
    let key = stored.object_ref();
    let mut secrets = SecretMap::new();
    secrets.insert("password", SecretValue::new(SECRET));
    secrets.insert(
        "uri",
        SecretValue::new(format!("postgres://app:{SECRET}@db:5432/app")),
    );
    commit(
        &*store,
        vec![Write::PutSecrets {
            key: key.clone(),
            secrets: secrets.clone(),
        }],
        "put secrets",
    )
    .await?;
    let got = store
        .secrets(&key)
        .await
        .map_err(|e| format!("secrets: {e}"))?;
    ensure!(
        got == secrets,
        "expected secrets with keys {:?} to round trip, found keys {:?} (or different values)",
        secrets.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>()
    );
    ensure!(
        !format!("{got:?}").contains(SECRET),
        "expected Debug of read secrets to be redacted, found the value"
    );
    let mut replacement = SecretMap::new();
    replacement.insert("token", SecretValue::new("replacement-token-value"));
    commit(
        &*store,
        vec![Write::PutSecrets {
            key: key.clone(),
            secrets: replacement.clone(),
        }],
        "replace secrets",
    )
    .await?;
    let got = store
        .secrets(&key)
        .await
        .map_err(|e| format!("secrets: {e}"))?;
    ensure!(
        got == replacement,
        "expected PutSecrets to replace all secrets with keys [\"token\"], found keys {:?}",
        got.keys().collect::<Vec<_>>()
    );
    let refused = store
        .commit(vec![
            Write::PutSecrets {
                key: key.clone(),
                secrets,
            },
            Write::Put {
                object: widget("w1", json!({})),
                expected: Precondition::Absent,
            },
        ])
        .await;
    if let Err(e) = &refused {
        ensure!(
            !format!("{e} {e:?}").contains(SECRET),
            "expected a refused batch's error to hold no secret, found the value"
        );
    }
    expect_conflict(refused, "batch with secrets and a failing precondition")?;
    let none = store
        .secrets(&widget("absent", json!({})).object_ref())
        .await
        .map_err(|e| format!("secrets: {e}"))?;
    ensure!(
        none.is_empty(),
        "expected no secrets for an unknown object, found keys {:?}",
        none.keys().collect::<Vec<_>>()
    );
    Ok(())
}

async fn intents_put_list_clear(store: Arc<dyn StateStore>) -> Result<(), String> {
    let a = widget("a", json!({"size": 1}));
    let b = widget("b", json!({"size": 2}));
    let (ia, ib) = (intent(&a, "team-a-a"), intent(&b, "team-a-b"));
    commit(
        &*store,
        vec![Write::PutIntent(ia.clone()), Write::PutIntent(ib.clone())],
        "two intents",
    )
    .await?;
    let read = |store: Arc<dyn StateStore>| async move {
        let mut intents = store.intents().await.map_err(|e| format!("intents: {e}"))?;
        intents.sort_by(|x, y| x.key.cmp(&y.key));
        Ok::<_, String>(intents)
    };
    let found = read(store.clone()).await?;
    ensure!(
        found == [ia.clone(), ib.clone()],
        "expected both intents listed, found {found:?}"
    );
    commit(
        &*store,
        vec![Write::ClearIntent(a.object_ref())],
        "clear intent",
    )
    .await?;
    let found = read(store.clone()).await?;
    ensure!(
        found == [ib.clone()],
        "expected only b's intent after clearing a's, found {found:?}"
    );
    let newer = intent(&b, "team-a-b-renamed");
    commit(
        &*store,
        vec![Write::PutIntent(newer.clone())],
        "replace intent",
    )
    .await?;
    let found = read(store.clone()).await?;
    ensure!(
        found == [newer],
        "expected a second intent for b to replace the first, found {found:?}"
    );
    commit(
        &*store,
        vec![
            Write::ClearIntent(b.object_ref()),
            Write::ClearIntent(a.object_ref()),
        ],
        "clear intents",
    )
    .await?;
    let found = read(store).await?;
    ensure!(
        found.is_empty(),
        "expected no intents after clearing both (clearing twice is fine), found {found:?}"
    );
    Ok(())
}

async fn change_feed(store: Arc<dyn StateStore>) -> Result<(), String> {
    let a1 = put(&*store, widget("a", json!({"n": 1})), Precondition::Any).await?;
    let b = put(&*store, widget("b", json!({"n": 1})), Precondition::Any).await?;
    let a2 = put(&*store, widget("a", json!({"n": 2})), Precondition::Any).await?;
    commit(
        &*store,
        vec![Write::Delete {
            key: b.object_ref(),
            expected: Precondition::Any,
        }],
        "delete b",
    )
    .await?;
    let changes = |after: u64, limit: usize| {
        let store = store.clone();
        async move {
            store
                .changes(after, limit)
                .await
                .map_err(|e| format!("changes({after}, {limit}): {e}"))
        }
    };
    let feed = changes(0, 100).await?;
    let summary: Vec<(ChangeKind, String, String)> = feed
        .iter()
        .map(|c| (c.kind, c.key.name.clone(), c.resource_version.clone()))
        .collect();
    let expected = vec![
        (ChangeKind::Put, "a".to_owned(), version(&a1)?),
        (ChangeKind::Put, "b".to_owned(), version(&b)?),
        (ChangeKind::Put, "a".to_owned(), version(&a2)?),
        (ChangeKind::Delete, "b".to_owned(), String::new()),
    ];
    ensure!(
        summary == expected,
        "expected the feed to hold (kind, name, resourceVersion) {expected:?}, found {summary:?}"
    );
    ensure!(
        feed.windows(2).all(|w| w[0].seq < w[1].seq),
        "expected seq strictly increasing, found {:?}",
        feed.iter().map(|c| c.seq).collect::<Vec<_>>()
    );
    let after_second = changes(feed[1].seq, 100).await?;
    ensure!(
        after_second == feed[2..],
        "expected changes after seq {} to be the last two, found {after_second:?}",
        feed[1].seq
    );
    let first_two = changes(0, 2).await?;
    ensure!(
        first_two == feed[..2],
        "expected limit 2 to give the first two changes, found {first_two:?}"
    );
    let one = changes(feed[1].seq, 1).await?;
    ensure!(
        one == feed[2..3],
        "expected after and limit together to give one change, found {one:?}"
    );
    let none = changes(feed[3].seq, 100).await?;
    ensure!(
        none.is_empty(),
        "expected nothing after the last seq, found {none:?}"
    );
    Ok(())
}

async fn events_bounded(store: Arc<dyn StateStore>) -> Result<(), String> {
    let stored = put(&*store, widget("w1", json!({})), Precondition::Any).await?;
    let other = put(&*store, widget("w2", json!({})), Precondition::Any).await?;
    let (key, other_key) = (stored.object_ref(), other.object_ref());
    let total = EVENTS_PER_OBJECT + 5;
    for i in 0..total {
        commit(
            &*store,
            vec![Write::Event(event(&key, format!("event {i}")))],
            "event",
        )
        .await?;
    }
    commit(
        &*store,
        vec![Write::Event(event(&other_key, "other".into()))],
        "event",
    )
    .await?;
    let events = store
        .events(&key)
        .await
        .map_err(|e| format!("events: {e}"))?;
    let messages: Vec<&str> = events.iter().map(|e| e.message.as_str()).collect();
    let expected: Vec<String> = (total - EVENTS_PER_OBJECT..total)
        .map(|i| format!("event {i}"))
        .collect();
    ensure!(
        messages == expected,
        "expected the newest {EVENTS_PER_OBJECT} of {total} events, oldest first (event 5 .. event {}), found {} events: first {:?}, last {:?}",
        total - 1,
        messages.len(),
        messages.first(),
        messages.last()
    );
    let others = store
        .events(&other_key)
        .await
        .map_err(|e| format!("events: {e}"))?;
    ensure!(
        others.len() == 1,
        "expected another object's events untouched (1), found {}",
        others.len()
    );
    Ok(())
}

async fn racing_writers_one_wins(store: Arc<dyn StateStore>) -> Result<(), String> {
    for round in 0..20 {
        let base = put(
            &*store,
            widget("contended", json!({"round": round})),
            Precondition::Any,
        )
        .await?;
        let v = version(&base)?;
        let write = |writer: u32| {
            let store = store.clone();
            let expected = Precondition::Version(v.clone());
            async move {
                store
                    .commit(vec![Write::Put {
                        object: widget("contended", json!({"round": round, "writer": writer})),
                        expected,
                    }])
                    .await
            }
        };
        let (first, second) = match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let (one, two) = (runtime.spawn(write(1)), runtime.spawn(write(2)));
                let (one, two) = tokio::join!(one, two);
                let joined = |r: Result<_, tokio::task::JoinError>| {
                    r.map_err(|e| format!("round {round}: a writer task failed: {e}"))
                };
                (joined(one)?, joined(two)?)
            }
            Err(_) => tokio::join!(write(1), write(2)),
        };
        let winner = match (&first, &second) {
            (Ok(_), Err(StoreError::Conflict { .. })) => 1,
            (Err(StoreError::Conflict { .. }), Ok(_)) => 2,
            _ => {
                return Err(format!(
                    "round {round}: expected exactly one of two writers at resourceVersion {v} to win and the other to get a conflict, found {:?} and {:?}",
                    first.as_ref().map(|_| "success"),
                    second.as_ref().map(|_| "success")
                ));
            }
        };
        let got = get(&*store, &base.object_ref()).await?;
        let spec = got.map(|o| o.spec);
        ensure!(
            spec == Some(json!({"round": round, "writer": winner})),
            "round {round}: expected the winner's spec (writer {winner}) stored, found {spec:?}"
        );
    }
    Ok(())
}

async fn acquire(
    store: &dyn StateStore,
    key: &ObjectRef,
    holder: &str,
    ttl: Duration,
    take_over: Option<&str>,
) -> Result<LeaseOutcome, String> {
    store
        .acquire_lease(key, holder, ttl, take_over)
        .await
        .map_err(|e| format!("acquire_lease by {holder}: {e}"))
}

fn acquired(outcome: LeaseOutcome, what: &str) -> Result<Lease, String> {
    match outcome {
        LeaseOutcome::Acquired(lease) => Ok(lease),
        LeaseOutcome::Held(other) => Err(format!("{what}: refused, held by {}", other.holder)),
    }
}

async fn leases_have_one_holder_and_fence_writes(store: Arc<dyn StateStore>) -> Result<(), String> {
    let key = widget("leased", json!({})).object_ref();
    let long = Duration::from_secs(60);
    let a = acquired(
        acquire(&*store, &key, "a", long, None).await?,
        "a free lease",
    )?;
    match acquire(&*store, &key, "b", long, None).await? {
        LeaseOutcome::Held(held) if held.holder == "a" => {}
        other => return Err(format!("a live lease of a was given to b: {other:?}")),
    }
    let renewed = acquired(acquire(&*store, &key, "a", long, None).await?, "a renewal")?;
    if renewed.token != a.token {
        return Err(format!(
            "a renewal changed the token from {} to {}",
            a.token, renewed.token
        ));
    }
    commit(
        &*store,
        vec![
            Write::Fence(a.clone()),
            Write::Put {
                object: widget("leased", json!({"by": "a"})),
                expected: Precondition::Any,
            },
        ],
        "a write fenced by the held lease",
    )
    .await?;
    // b finds a dead and takes over: a's fenced writes are refused from then on.
    let b = acquired(
        acquire(&*store, &key, "b", long, Some("a")).await?,
        "a take-over",
    )?;
    if b.token <= a.token {
        return Err(format!(
            "a take-over kept token {} (was {})",
            b.token, a.token
        ));
    }
    expect_conflict(
        store
            .commit(vec![
                Write::Fence(a.clone()),
                Write::Put {
                    object: widget("leased", json!({"by": "a, late"})),
                    expected: Precondition::Any,
                },
            ])
            .await,
        "a write fenced by a lease taken over",
    )?;
    let stored = get(&*store, &key)
        .await?
        .ok_or("the fenced object vanished")?;
    if stored.spec != json!({"by": "a"}) {
        return Err(format!("a refused fenced write landed: {}", stored.spec));
    }
    // Released, the lease is free at once, and its next holder gets a newer token.
    store
        .release_lease(&b)
        .await
        .map_err(|e| format!("release_lease: {e}"))?;
    let c = acquired(
        acquire(&*store, &key, "c", long, None).await?,
        "a released lease",
    )?;
    if c.token <= b.token {
        return Err(format!("token {} reused after {}", c.token, b.token));
    }
    // Releasing a lease that changed hands leaves the new holder's alone.
    store
        .release_lease(&b)
        .await
        .map_err(|e| format!("release_lease of a lost lease: {e}"))?;
    match acquire(&*store, &key, "d", long, None).await? {
        LeaseOutcome::Held(held) if held.holder == "c" => Ok(()),
        other => Err(format!("a stale release freed c's lease: {other:?}")),
    }
}

async fn racing_lease_requests_one_wins(store: Arc<dyn StateStore>) -> Result<(), String> {
    for round in 0..20 {
        let key = widget(&format!("race-{round}"), json!({})).object_ref();
        let mut tasks = tokio::task::JoinSet::new();
        for holder in 0..4 {
            let store = store.clone();
            let key = key.clone();
            tasks.spawn(async move {
                store
                    .acquire_lease(&key, &format!("h{holder}"), Duration::from_secs(60), None)
                    .await
            });
        }
        let mut winners = 0;
        while let Some(joined) = tasks.join_next().await {
            match joined.map_err(|e| e.to_string())? {
                Ok(LeaseOutcome::Acquired(_)) => winners += 1,
                Ok(LeaseOutcome::Held(_)) => {}
                Err(e) => return Err(format!("acquire_lease: {e}")),
            }
        }
        if winners != 1 {
            return Err(format!("round {round}: {winners} holders got one lease"));
        }
    }
    Ok(())
}

async fn expect_checks_without_writing(store: Arc<dyn StateStore>) -> Result<(), String> {
    let claim = put(&*store, widget("claim", json!({})), Precondition::Any).await?;
    let version_before = version(&claim)?;
    commit(
        &*store,
        vec![
            Write::Expect {
                key: claim.object_ref(),
                expected: Precondition::Exists,
            },
            Write::Put {
                object: widget("recorded", json!({})),
                expected: Precondition::Any,
            },
        ],
        "a write expecting an existing object",
    )
    .await?;
    let after = get(&*store, &claim.object_ref())
        .await?
        .ok_or("claim vanished")?;
    if version(&after)? != version_before {
        return Err("Expect changed the object it checked".into());
    }
    let gone = widget("gone", json!({})).object_ref();
    expect_conflict(
        store
            .commit(vec![
                Write::Expect {
                    key: gone,
                    expected: Precondition::Exists,
                },
                Write::Put {
                    object: widget("orphan", json!({})),
                    expected: Precondition::Any,
                },
            ])
            .await,
        "a write expecting an absent object",
    )?;
    if get(&*store, &widget("orphan", json!({})).object_ref())
        .await?
        .is_some()
    {
        return Err("a batch whose Expect failed was partly written".into());
    }
    Ok(())
}
