//! Checks that need no server: hostile names and rules are refused before anything is sent
//! (the provider points at a closed port, so any attempt to connect would be transient).

use serde_json::{Value, json};

use platform_core::model::DynamicObject;
use platform_core::provider::{ErrorClass, ManagedResource, Provider};

use super::acl_user::{AclUser, Described};
use super::{API_VERSION, RedisProvider, password, rules};

fn resource(spec: Value) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": "AclUser",
        "metadata": {"name": "orders", "namespace": "team-a"},
        "spec": spec
    }))
    .unwrap();
    ManagedResource::new(object)
}

/// A provider whose server cannot be reached: port 9 on localhost refuses connections.
fn unreachable() -> RedisProvider {
    RedisProvider::new("redis://admin:adminsecret@127.0.0.1:9").unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn assert_refused(spec: Value, field: &str) {
    let provider = unreachable();
    let r = resource(spec);
    runtime().block_on(async {
        for e in [
            provider.observe(&r).await.unwrap_err(),
            provider.create(&r).await.unwrap_err(),
            provider.update(&r).await.unwrap_err(),
            provider.delete(&r).await.unwrap_err(),
        ] {
            assert_eq!(e.class, ErrorClass::Permanent, "{e}");
            assert!(e.message.contains(&format!("invalid {field}")), "{e}");
        }
    });
}

#[test]
fn hostile_names_and_rules_are_refused_before_anything_is_sent() {
    for hostile in [
        "orders nopass",
        "orders\r\nFLUSHALL",
        "all*",
        "~*",
        ">pw",
        "Upper",
        "semi;colon",
        "",
    ] {
        assert_refused(json!({"username": hostile}), "spec.username");
        assert_refused(
            json!({"username": "ok", "keyPrefix": hostile}),
            "spec.keyPrefix",
        );
    }
    assert_refused(json!({"username": "x".repeat(201)}), "spec.username");
    assert_refused(
        json!({"username": "ok", "keyPrefix": "a:*"}),
        "spec.keyPrefix",
    );
    assert_refused(
        json!({"username": "ok", "channels": "a:*b*"}),
        "spec.channels",
    );
    assert_refused(json!({"username": "ok", "channels": "*"}), "spec.channels");
    for rule in [
        "+@read nopass",
        "+@read ~*",
        "+@read >secret",
        "+@read allkeys",
        "+@read on",
        "read",
        "+@",
        "+GET",
        "+@read +get|",
        "+@read \u{0}",
        "",
    ] {
        assert_refused(json!({"username": "ok", "commands": rule}), "spec.commands");
    }
}

#[test]
fn what_the_production_composition_writes_is_accepted() {
    let user = AclUser::from_resource(&resource(json!({
        "username": "team-a-orders",
        "keyPrefix": "team-a:orders:",
        "commands": "+@read +@write +@keyspace -@dangerous"
    })))
    .unwrap();
    let rules = user.rules(&["#abc".to_owned()]);
    assert_eq!(
        rules[..8],
        [
            "reset",
            "on",
            "#abc",
            "~team-a:orders:*",
            "resetchannels",
            "&team-a:orders:*",
            "-@all",
            "+@read"
        ]
    );
    assert!(
        rules.ends_with(
            &rules::CONFINEMENT
                .iter()
                .map(|r| (*r).to_owned())
                .collect::<Vec<_>>()
        )
    );
    let defaults = AclUser::from_resource(&resource(json!({}))).unwrap();
    assert_eq!(defaults.username, "team-a-orders");
    assert!(defaults.rules(&[]).contains(&"~team-a-orders:*".to_owned()));
    rules::command_rule("spec.commands", "+client|setname").unwrap();
    rules::command_rule("spec.commands", "-@dangerous").unwrap();
}

#[test]
fn passwords_are_sent_as_sha256_digests() {
    assert_eq!(
        password::digest_rule("password"),
        "#5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
    );
}

#[test]
fn uris_encode_colons_in_usernames() {
    let user = AclUser::from_resource(&resource(json!({"username": "team:orders"}))).unwrap();
    let endpoint = super::acl_user::Endpoint {
        host: "cache".into(),
        port: 6379,
    };
    let secrets = user.secrets(&endpoint, "pw");
    assert_eq!(
        secrets.get("uri").unwrap().expose(),
        "redis://team%3Aorders:pw@cache:6379"
    );
    assert!(!format!("{secrets:?}").contains("pw@"));
}

#[test]
fn getuser_replies_of_resp2_and_resp3_are_read() {
    use redis::Value as V;
    let b = |s: &str| V::BulkString(s.as_bytes().to_vec());
    let resp2 = V::Array(vec![
        b("flags"),
        V::Array(vec![b("on")]),
        b("passwords"),
        V::Array(vec![b("abcd")]),
        b("commands"),
        b("-@all +@read"),
        b("keys"),
        b("~p:*"),
        b("channels"),
        b("&p:*"),
        b("selectors"),
        V::Array(vec![]),
    ]);
    let d = Described::from_reply(&resp2).unwrap().unwrap();
    assert_eq!(d.flags, vec!["on"]);
    assert_eq!(d.passwords, vec!["abcd"]);
    let resp3 = V::Map(vec![
        (b("flags"), V::Set(vec![b("on")])),
        (b("passwords"), V::Array(vec![b("abcd")])),
    ]);
    assert_eq!(
        Described::from_reply(&resp3).unwrap().unwrap().flags,
        vec!["on"]
    );
    assert_eq!(Described::from_reply(&V::Nil).unwrap(), None);
    assert!(Described::from_reply(&V::Int(3)).is_err());
}

#[test]
fn an_unreachable_server_is_transient_and_its_password_is_not_shown() {
    let e = runtime()
        .block_on(unreachable().observe(&resource(json!({"username": "ok"}))))
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Transient, "{e}");
    assert!(e.message.contains("127.0.0.1:9"), "{e}");
    assert!(!e.message.contains("adminsecret"), "{e}");
    assert!(!format!("{:?}", unreachable()).contains("adminsecret"));
}

#[test]
fn settings_are_typed_and_the_url_password_is_never_shown() {
    let e =
        RedisProvider::from_settings(&json!({"url": "redis://:pw12345@h", "prot": 1})).unwrap_err();
    assert!(e.to_string().contains("unknown field `prot`"), "{e}");
    let e = RedisProvider::from_settings(&json!({"url": "http://u:pw12345@h"})).unwrap_err();
    assert!(e.to_string().contains("expected redis://"), "{e}");
    assert!(!e.to_string().contains("pw12345"), "{e}");
    let p = RedisProvider::from_settings(
        &json!({"url": "redis://10.0.0.5:6380", "host": "cache.internal"}),
    )
    .unwrap();
    assert_eq!(p.server().endpoint.host, "cache.internal");
    assert_eq!(p.server().endpoint.port, 6380);
}
