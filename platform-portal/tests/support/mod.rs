//! A portal over an in-memory store seeded with a small estate: two teams, two components
//! (one with a hostile description), a Ready database claim with a secret, a failed cache
//! claim, deployments in the journal, and the bundled `service` golden path.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use platform_catalog::Entity;
use platform_catalog::platform::{CatalogStore, PlatformSettings};
use platform_core::model::DynamicObject;
use platform_core::secret::{SecretMap, SecretValue};
use platform_core::store::{
    Event, EventType, JournalEntry, MemoryStore, Precondition, StateStore, Write,
};
use platform_portal::{GoldenPath, Handles, PortalSettings, portal};
use platform_template::TemplateFiles;
use secrecy::SecretString;
use serde_json::json;
use tower::ServiceExt;

/// The portal token of the fixture.
pub const TOKEN: &str = "portal-test-token-0123456789";
/// The database claim's secret password: never on any page.
pub const SECRET: &str = "hunter2-never-shown";
/// The failed claim's reason.
pub const FAILURE: &str = "redis: connection refused at 10.0.0.9:6379";
/// The hostile description.
pub const HOSTILE: &str = "<script>alert(\"pwned\")</script> & <b>bold</b>";

/// A seeded portal.
pub struct Fixture {
    /// The router.
    pub router: Router,
    /// The store under it.
    pub store: Arc<CatalogStore>,
    /// Where "Create" writes.
    pub scaffold: tempfile::TempDir,
}

fn entity(yaml: serde_json::Value) -> Entity {
    serde_json::from_value(yaml).expect("a valid entity")
}

fn claim(kind: &str, name: &str, ready: bool, message: &str) -> DynamicObject {
    let status = if ready { "True" } else { "False" };
    let reason = if ready { "Available" } else { "Unavailable" };
    serde_json::from_value(json!({
        "apiVersion": "platform.dev/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "default", "labels": {"platform.dev/owner": "team-orders"}},
        "spec": {},
        "status": {
            "conditions": [
                {"type": "Ready", "status": status, "reason": reason, "message": message, "lastTransitionTime": "2026-12-01T10:00:00Z"},
                {"type": "Synced", "status": status, "reason": if ready {"ReconcileSuccess"} else {"ReconcileError"}, "message": message, "lastTransitionTime": "2026-12-01T10:00:00Z"}
            ],
            "outputs": {"host": "db.internal", "port": 5432}
        }
    }))
    .expect("a valid claim")
}

/// The bundled `service` template, read from the repository's `templates/service`.
pub fn service_template() -> GoldenPath {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/service");
    let files = platform_template::source::read_folder(&root, "templates/service")
        .expect("templates/service reads");
    GoldenPath {
        name: "service".into(),
        files: TemplateFiles {
            commit: Some("v1.0.0".into()),
            ..files
        },
        latest: Some("v1.1.0".into()),
    }
}

/// Seeds a store and builds the portal.
pub async fn fixture(public_read: bool, token: Option<&str>) -> Fixture {
    let settings = PlatformSettings {
        environment: "production".into(),
        claim_kinds: BTreeSet::from([
            ("platform.dev".to_owned(), "DatabaseClaim".to_owned()),
            ("platform.dev".to_owned(), "CacheClaim".to_owned()),
        ]),
    };
    let store = Arc::new(CatalogStore::new(Arc::new(MemoryStore::new()), settings));
    store
        .import(&[
            entity(json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": {"name": "team-orders", "description": "Orders and checkout"}, "spec": {"type": "team", "children": []}})),
            entity(json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": {"name": "team-pay"}, "spec": {"type": "team", "children": []}})),
            entity(json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {
                "name": "storefront", "description": HOSTILE, "tags": ["web"],
                "links": [{"url": "javascript:alert(1)", "title": "evil link"}, {"url": "https://git.example/storefront", "title": "Source"}]
            }, "spec": {"type": "service", "lifecycle": "production", "owner": "team-orders", "system": "shop",
                "dependsOn": ["resource:default/orders-db.databaseclaim", "resource:default/sessions.cacheclaim"]}})),
            entity(json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "checkout", "description": "Takes the money", "tags": ["payments"]},
                "spec": {"type": "service", "lifecycle": "experimental", "owner": "team-pay", "system": "pay", "dependsOn": ["component:default/storefront"]}})),
        ])
        .await
        .expect("import");
    let db = claim("DatabaseClaim", "orders-db", true, "");
    let cache = claim("CacheClaim", "sessions", false, FAILURE);
    let cache_key = platform_core::model::ObjectRef::new("CacheClaim", "default", "sessions")
        .in_group("platform.dev");
    let db_key = platform_core::model::ObjectRef::new("DatabaseClaim", "default", "orders-db")
        .in_group("platform.dev");
    let mut secrets = SecretMap::new();
    secrets.insert("password", SecretValue::new(SECRET));
    store
        .commit(vec![
            Write::Put {
                object: db,
                expected: Precondition::Any,
            },
            Write::Put {
                object: cache,
                expected: Precondition::Any,
            },
            Write::PutSecrets {
                key: db_key,
                secrets,
            },
            Write::Event(Event {
                object: cache_key,
                type_: EventType::Warning,
                reason: "ReconcileError".into(),
                message: FAILURE.into(),
                time: "2026-12-01T10:00:00Z".into(),
            }),
        ])
        .await
        .expect("claims");
    let now = jiff::Timestamp::now().as_millisecond();
    let day = 86_400_000;
    let deploys = (1..=6)
        .map(|i| {
            JournalEntry::new(
                "deploy",
                format!("d{i}"),
                now - i * day,
                Some("component:default/storefront".into()),
                Some("production".into()),
                &json!({"status": if i == 2 { "failure" } else { "success" }}),
            )
        })
        .collect();
    store.journal_append(deploys).await.expect("journal");
    let scaffold = tempfile::tempdir().expect("a temporary folder");
    let handles = Handles {
        store: store.clone(),
        templates: vec![service_template()],
        metrics: Default::default(),
    };
    let settings = PortalSettings {
        token: token.map(|t| SecretString::from(t.to_owned())),
        public_read,
        scaffold_root: Some(scaffold.path().to_owned()),
        ..PortalSettings::default()
    };
    Fixture {
        router: portal(handles, settings),
        store,
        scaffold,
    }
}

/// A response's status, headers and body text.
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body as text.
    pub body: String,
}

impl Reply {
    /// The value a `Set-Cookie` header gives cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }
}

/// Sends one request through the router.
pub async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// GET `path` with optional cookies and bearer token.
pub async fn get(router: &Router, path: &str, cookies: &str, bearer: Option<&str>) -> Reply {
    let mut request = Request::get(path);
    if !cookies.is_empty() {
        request = request.header(header::COOKIE, cookies);
    }
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    send(router, request.body(Body::empty()).expect("a request")).await
}

/// POST a form to `path` with cookies.
pub async fn post(router: &Router, path: &str, cookies: &str, form: &[(&str, &str)]) -> Reply {
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookies)
        .body(Body::from(body))
        .expect("a request");
    send(router, request).await
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A CSRF cookie from a first visit: `portal_csrf=VALUE` and the value.
pub async fn csrf(router: &Router) -> (String, String) {
    let reply = get(router, "/login", "", None).await;
    let value = reply
        .cookie("portal_csrf")
        .expect("the portal sets a CSRF cookie");
    (format!("portal_csrf={value}"), value)
}

/// `text` as the pages show it: HTML-escaped as minijinja escapes (`/` included).
pub fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}
