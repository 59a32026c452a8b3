//! The Redis adapter against a real Redis server: the provider conformance suite, and the
//! handed-out credentials used as an application would, confined to their key prefix.

#[path = "owners/mod.rs"]
mod owners;
#[path = "real/mod.rs"]
mod real;

use redis::AsyncCommands;
use serde_json::{Value, json};
use std::sync::Arc;

use platform_core::model::DynamicObject;
use platform_core::provider::{ManagedResource, Provider, ProviderError};
use platform_providers::redis::{API_VERSION, OWNERS_KEY, RedisProvider};
use platform_testkit::conformance::{ProviderSubject, provider_conformance};

fn url() -> String {
    real::setting("PLATFORM_TEST_REDIS_URL", "redis://127.0.0.1:6379")
}

fn provider() -> Arc<RedisProvider> {
    Arc::new(RedisProvider::from_settings(&json!({"url": url()})).unwrap())
}

/// A name no other run uses: `<stem>-<pid>-<time>`.
fn unique(stem: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{stem}-{}-{nanos}", std::process::id())
}

fn user(name: &str, spec: Value) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": "AclUser",
        "metadata": {"name": name, "namespace": "conformance"},
        "spec": spec
    }))
    .unwrap();
    ManagedResource::new(object)
}

/// A plain admin connection, standing in for someone changing things by hand.
async fn admin() -> redis::aio::MultiplexedConnection {
    redis::Client::open(url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

async fn acl(args: &[&str]) -> Result<redis::Value, String> {
    let mut conn = admin().await;
    redis::cmd("ACL")
        .arg(args)
        .query_async(&mut conn)
        .await
        .map_err(|e| e.to_string())
}

async fn conformance() {
    let name = unique("conf");
    let spec = |commands: &str| json!({"username": name, "keyPrefix": format!("{name}:"), "commands": commands});
    let subject = ProviderSubject::new(
        provider(),
        user(&name, spec("+@read +@write +@keyspace -@dangerous")),
        user(&name, spec("+@read")),
        move |r: ManagedResource| async move {
            let username = r.spec()["username"].as_str().unwrap().to_owned();
            // Someone widens the user's keys by hand.
            acl(&["SETUSER", &username, "~*"]).await.map(|_| ())
        },
    );
    provider_conformance(subject).await.assert_passed();
}

/// SET and GET work inside the prefix and fail with NOPERM outside it, as do commands that
/// reach keys without naming them; publishing works on the user's channels only.
async fn credentials_are_confined_to_the_prefix() {
    let name = unique("app");
    let prefix = format!("{name}:");
    let p = provider();
    let r = user(
        &name,
        json!({"username": name, "keyPrefix": prefix, "commands": "+@read +@write +@keyspace +@pubsub +ping -@dangerous"}),
    );
    let applied = p.create(&r).await.unwrap();
    assert_eq!(applied.outputs["keyPrefix"], json!(prefix));
    assert_eq!(applied.outputs["username"], json!(name));
    let uri = applied.secrets.get("uri").unwrap().expose().to_owned();

    let mut conn = redis::Client::open(uri.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let inside = format!("{prefix}greeting");
    let _: () = conn.set(&inside, "hello").await.unwrap();
    let got: String = conn.get(&inside).await.unwrap();
    assert_eq!(got, "hello");
    let _: i64 = conn.publish(format!("{prefix}events"), "hi").await.unwrap();

    let outside = format!("other-{name}:greeting");
    let mut admin = admin().await;
    let _: () = admin.set(&outside, "secret").await.unwrap();
    for refused in [
        conn.set::<_, _, ()>(&outside, "x").await.unwrap_err(),
        conn.get::<_, String>(&outside).await.unwrap_err(),
        conn.publish::<_, _, i64>("elsewhere", "hi")
            .await
            .unwrap_err(),
        redis::cmd("FLUSHALL")
            .query_async::<()>(&mut conn)
            .await
            .unwrap_err(),
        redis::cmd("KEYS")
            .arg("*")
            .query_async::<Vec<String>>(&mut conn)
            .await
            .unwrap_err(),
        redis::cmd("SCAN")
            .arg(0)
            .query_async::<redis::Value>(&mut conn)
            .await
            .unwrap_err(),
        redis::cmd("ACL")
            .arg("WHOAMI")
            .query_async::<String>(&mut conn)
            .await
            .unwrap_err(),
        redis::cmd("CONFIG")
            .arg("GET")
            .arg("*")
            .query_async::<redis::Value>(&mut conn)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(refused.code(), Some("NOPERM"), "{refused}");
    }
    let kept: String = admin.get(&outside).await.unwrap();
    assert_eq!(kept, "secret");

    // Crash recovery re-creates the user: the old password stops working, the new one works.
    let again = p.create(&r).await.unwrap();
    let new_uri = again.secrets.get("uri").unwrap().expose().to_owned();
    assert_ne!(new_uri, uri);
    let old = redis::Client::open(uri.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await;
    assert!(old.is_err(), "the old password still works");
    let mut conn = redis::Client::open(new_uri.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let got: String = conn.get(&inside).await.unwrap();
    assert_eq!(got, "hello");

    // Update keeps the password the application holds.
    p.update(&r).await.unwrap();
    let got: String = conn.get(&inside).await.unwrap();
    assert_eq!(got, "hello");

    let _: () = admin.del(&[&outside, &inside]).await.unwrap();
    p.delete(&r).await.unwrap();
}

/// Out-of-band changes to the command set, channels or flags show as a diff; update repairs
/// them and keeps the password.
async fn drift_of_commands_channels_and_flags_is_seen() {
    let name = unique("drift");
    let p = provider();
    let r = user(
        &name,
        json!({"username": name, "commands": "+@read +@write"}),
    );
    p.create(&r).await.unwrap();
    for (change, field) in [
        (vec!["+flushall"], "spec.commands"),
        (vec!["&*"], "spec.channels"),
        (vec!["nopass"], "spec.enabled"),
        (vec!["off"], "spec.enabled"),
        (vec!["resetpass"], "spec.enabled"),
        (vec!["(~* +@all)"], "spec.commands"),
    ] {
        let mut args = vec!["SETUSER", name.as_str()];
        args.extend(change.iter().copied());
        acl(&args).await.unwrap();
        let seen = p.observe(&r).await.unwrap();
        let paths: Vec<&str> = seen.diff.iter().map(|d| d.path.as_str()).collect();
        assert!(
            !seen.up_to_date && paths.contains(&field),
            "{change:?}: {paths:?}"
        );
        p.update(&r).await.unwrap();
        let seen = p.observe(&r).await.unwrap();
        assert!(seen.up_to_date, "{change:?} not repaired: {:?}", seen.diff);
    }
    p.delete(&r).await.unwrap();
}

/// Many users are observed in one transaction, each answer in its place, and no scratch
/// user is left behind.
async fn observe_many_answers_each_in_place() {
    let p = provider();
    let names: Vec<String> = (0..6).map(|i| unique(&format!("many{i}"))).collect();
    let users: Vec<ManagedResource> = names
        .iter()
        .map(|n| user(n, json!({"username": n, "commands": "+@read"})))
        .collect();
    for u in users.iter().step_by(2) {
        p.create(u).await.unwrap();
    }
    let mut mixed = users.clone();
    mixed.push(user("bad", json!({"username": "bad name"})));
    mixed.push(user(
        "rule",
        json!({"username": unique("rule"), "commands": "+@nosuchcategory"}),
    ));
    let seen = p.observe_many(&mixed).await;
    for (i, o) in seen.iter().take(6).enumerate() {
        let o = o.as_ref().unwrap();
        assert_eq!(o.exists, i % 2 == 0, "user {i}");
        assert!(!o.exists || (o.up_to_date && o.outputs["username"] == json!(names[i])));
    }
    assert!(
        seen[6]
            .as_ref()
            .unwrap_err()
            .message
            .contains("invalid spec.username")
    );
    let refused = seen[7].as_ref().unwrap_err();
    assert!(refused.message.contains("refused its rules"), "{refused}");
    let list = format!("{:?}", acl(&["LIST"]).await.unwrap());
    assert!(
        !list.contains("platform-scratch"),
        "a scratch user was left: {list}"
    );
    for u in &users {
        p.delete(u).await.unwrap();
    }
}

/// An AclUser named `username` composed for CacheClaim `namespace/claim` (its owner).
fn owned_user(namespace: &str, claim: &str, username: &str) -> ManagedResource {
    let name = format!("{claim}-user");
    let spec = json!({"username": username});
    owners::owned(
        API_VERSION,
        "AclUser",
        &name,
        namespace,
        "CacheClaim",
        claim,
        spec,
    )
}

fn refused(what: &str, e: ProviderError, recorded: &str, asking: &str) {
    owners::assert_refused(what, &e, "CacheClaim", recorded, asking);
}

/// Two claims forced onto one username (a hand-set external name, a fixed spec.username):
/// the second is refused everywhere; the first keeps its password and its keys.
async fn another_claims_user_is_refused() {
    let name = unique("owners");
    let p = provider();
    let first = owned_user("auditc-a", "orders-db", &name);
    let second = owned_user("auditc", "a-orders-db", &name);
    let applied = p.create(&first).await.unwrap();
    let uri = applied.secrets.get("uri").unwrap().expose().to_owned();
    let mut app = redis::Client::open(uri.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let key = format!("{name}:ledger");
    let _: () = app.set(&key, "first").await.unwrap();
    let mut plain = admin().await;
    let recorded: Option<String> = plain.hget(OWNERS_KEY, &name).await.unwrap();
    assert_eq!(recorded.as_deref(), Some("CacheClaim/auditc-a/orders-db"));

    let (mine, theirs) = ("auditc-a/orders-db", "auditc/a-orders-db");
    refused(
        "observe",
        p.observe(&second).await.unwrap_err(),
        mine,
        theirs,
    );
    refused("create", p.create(&second).await.unwrap_err(), mine, theirs);
    refused("adopt", p.adopt(&second).await.unwrap_err(), mine, theirs);
    refused("update", p.update(&second).await.unwrap_err(), mine, theirs);
    refused("delete", p.delete(&second).await.unwrap_err(), mine, theirs);
    let mut many = p.observe_many(&[second.clone(), first.clone()]).await;
    assert!(many.pop().unwrap().unwrap().exists);
    refused(
        "observe_many",
        many.pop().unwrap().unwrap_err(),
        mine,
        theirs,
    );

    // The first claim's password still works (no reset) and reads its key.
    let mut app = redis::Client::open(uri.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let value: String = app.get(&key).await.unwrap();
    assert_eq!(value, "first");
    let seen = p.observe(&first).await.unwrap();
    assert!(seen.exists && seen.up_to_date, "{:?}", seen.diff);
    p.delete(&first).await.unwrap();
    let recorded: Option<String> = plain.hget(OWNERS_KEY, &name).await.unwrap();
    assert_eq!(recorded, None, "delete removes the owner record");
    let _: () = plain.del(&key).await.unwrap();
}

/// A user made before owners were recorded is accepted and recorded on its next update.
async fn a_user_without_a_record_is_accepted_and_recorded() {
    let name = unique("legacy");
    acl(&["SETUSER", &name, "on", "nopass"]).await.unwrap();
    let p = provider();
    let mine = owned_user("team-a", "cache", &name);
    assert!(p.observe(&mine).await.unwrap().exists);
    p.update(&mine).await.unwrap();
    let theirs = owned_user("team", "a-cache", &name);
    refused(
        "delete",
        p.delete(&theirs).await.unwrap_err(),
        "team-a/cache",
        "team/a-cache",
    );
    p.delete(&mine).await.unwrap();
}

/// What `inventory` lists under `prefix`: (username, owner key), sorted.
async fn inventoried(p: &RedisProvider, prefix: &str) -> Vec<(String, String)> {
    let mut listed: Vec<_> = owners::listed(p, |name| name.starts_with(prefix))
        .await
        .into_iter()
        .map(|f| {
            assert_eq!(f.resource.kind(), "AclUser");
            assert_eq!(
                f.resource.spec()["username"],
                f.resource.external_name.as_str()
            );
            (f.resource.external_name.clone(), f.owner.unwrap().key())
        })
        .collect();
    listed.sort();
    listed
}

async fn users() -> Vec<String> {
    let mut conn = admin().await;
    redis::cmd("ACL")
        .arg("USERS")
        .query_async(&mut conn)
        .await
        .unwrap()
}

/// The users with a recorded owner are listed with it; deleting one listed user removes that
/// user and its record only.
async fn inventory_lists_recorded_users_with_their_owners() {
    let prefix = unique("inv");
    let (a, b, hand) = (
        format!("{prefix}-a"),
        format!("{prefix}-b"),
        format!("{prefix}-hand"),
    );
    let p = provider();
    p.create(&owned_user("team-a", "orders", &a)).await.unwrap();
    p.create(&owned_user("team-b", "billing", &b))
        .await
        .unwrap();
    // Made by hand: no owner record.
    acl(&["SETUSER", &hand, "on", "nopass"]).await.unwrap();
    assert_eq!(
        inventoried(&p, &prefix).await,
        vec![
            (a.clone(), "CacheClaim/team-a/orders".to_owned()),
            (b.clone(), "CacheClaim/team-b/billing".to_owned()),
        ]
    );
    let all = p.inventory().await.unwrap().unwrap();
    assert!(all.iter().all(|f| f.resource.external_name != "default"));
    let listed = all
        .into_iter()
        .find(|f| f.resource.external_name == a)
        .unwrap();
    p.delete(&listed.resource).await.unwrap();
    let users = users().await;
    assert!(!users.contains(&a), "the listed user {a} is deleted");
    assert!(users.contains(&b), "the other claim's user {b} remains");
    assert!(users.contains(&hand));
    let mut plain = admin().await;
    let recorded: Option<String> = plain.hget(OWNERS_KEY, &a).await.unwrap();
    assert_eq!(recorded, None);
    assert_eq!(
        inventoried(&p, &prefix).await,
        vec![(b.clone(), "CacheClaim/team-b/billing".to_owned())]
    );
    p.delete(&owned_user("team-b", "billing", &b))
        .await
        .unwrap();
    acl(&["DELUSER", &hand]).await.unwrap();
}

fn main() {
    real::run(
        "redis",
        "Redis 7 at PLATFORM_TEST_REDIS_URL (default redis://127.0.0.1:6379)",
        vec![
            real::trial("acl_user_passes_the_provider_suite", conformance),
            real::trial(
                "another_claims_user_is_refused",
                another_claims_user_is_refused,
            ),
            real::trial(
                "a_user_without_a_record_is_accepted_and_recorded",
                a_user_without_a_record_is_accepted_and_recorded,
            ),
            real::trial(
                "inventory_lists_recorded_users_with_their_owners",
                inventory_lists_recorded_users_with_their_owners,
            ),
            real::trial(
                "credentials_are_confined_to_the_prefix",
                credentials_are_confined_to_the_prefix,
            ),
            real::trial(
                "drift_of_commands_channels_and_flags_is_seen",
                drift_of_commands_channels_and_flags_is_seen,
            ),
            real::trial(
                "observe_many_answers_each_in_place",
                observe_many_answers_each_in_place,
            ),
        ],
    )
}
