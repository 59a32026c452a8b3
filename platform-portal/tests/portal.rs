//! Every handler of the portal through `tower::ServiceExt::oneshot`: what a visitor sees, the
//! escaping of hostile catalog fields, secrets kept off the pages, and the token, session and
//! CSRF checks.

mod support;

use axum::http::{StatusCode, header};
use support::{FAILURE, HOSTILE, SECRET, TOKEN, csrf, fixture, get, html, post};

#[tokio::test]
async fn the_catalog_lists_every_entity_and_filters_by_query_kind_owner_system_lifecycle_and_tag() {
    let f = fixture(true, Some(TOKEN)).await;
    let all = get(&f.router, "/catalog", "", None).await;
    assert_eq!(all.status, StatusCode::OK);
    for name in [
        "storefront",
        "checkout",
        "team-orders",
        "orders-db.databaseclaim",
    ] {
        assert!(
            all.body.contains(name),
            "{name} missing from the catalog page"
        );
    }
    let cases = [
        ("/catalog?q=money", "checkout", "storefront"),
        ("/catalog?kind=group", "team-pay", "checkout"),
        ("/catalog?owner=team-pay", "checkout", "storefront"),
        (
            "/catalog?owner=group:default/team-pay",
            "checkout",
            "storefront",
        ),
        ("/catalog?system=shop", "storefront", "checkout"),
        ("/catalog?lifecycle=experimental", "checkout", "storefront"),
        ("/catalog?tag=web", "storefront", "checkout"),
    ];
    for (path, kept, dropped) in cases {
        let page = get(&f.router, path, "", None).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            page.body.contains(&format!(">{kept}<")),
            "{path} should keep {kept}"
        );
        assert!(
            !page.body.contains(&format!(">{dropped}<")),
            "{path} should drop {dropped}"
        );
    }
    let partial = get(&f.router, "/catalog?q=money&partial=true", "", None).await;
    assert!(partial.body.contains("1 entities match"));
    assert!(
        !partial.body.contains("<html"),
        "the partial answer is the results alone"
    );
}

#[tokio::test]
async fn a_hostile_description_renders_as_text_everywhere() {
    let f = fixture(true, Some(TOKEN)).await;
    for path in [
        "/catalog",
        "/catalog/component/default/storefront",
        "/catalog?q=pwned",
    ] {
        let page = get(&f.router, path, "", None).await;
        assert!(
            !page.body.contains("<script>alert"),
            "{path} runs the description's script"
        );
        assert!(
            !page.body.contains("<b>bold</b>"),
            "{path} renders the description's markup"
        );
        assert!(
            page.body.contains(&html(HOSTILE)),
            "{path} should show the description as text"
        );
    }
    let json = get(
        &f.router,
        "/api/catalog/component/default/storefront",
        "",
        None,
    )
    .await;
    let value: serde_json::Value = serde_json::from_str(&json.body).expect("JSON");
    assert_eq!(value["entity"]["metadata"]["description"], HOSTILE);
    let entity = get(&f.router, "/catalog/component/default/storefront", "", None).await;
    assert!(
        !entity.body.contains("javascript:"),
        "a javascript: link must not become a link"
    );
    assert!(
        entity
            .body
            .contains(&html("https://git.example/storefront"))
    );
}

#[tokio::test]
async fn no_page_carries_inline_script_and_every_response_sets_the_security_headers() {
    let f = fixture(true, Some(TOKEN)).await;
    for path in [
        "/",
        "/catalog",
        "/catalog/component/default/storefront",
        "/claims",
        "/claims/CacheClaim/default/sessions",
        "/templates",
        "/templates/service",
        "/metrics-dashboard",
        "/login",
        "/no-such-page",
    ] {
        let page = get(&f.router, path, "", None).await;
        let csp = page
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .expect("a CSP header");
        let csp = csp.to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(
            page.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
            "nosniff"
        );
        for script in page.body.split("<script").skip(1) {
            assert!(
                script.trim_start().starts_with("src="),
                "{path} has an inline script"
            );
        }
    }
}

#[tokio::test]
async fn an_entity_page_shows_fields_relations_provisioned_claims_and_source_links() {
    let f = fixture(true, Some(TOKEN)).await;
    let page = get(&f.router, "/catalog/component/default/storefront", "", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&html("group:default/team-orders")));
    assert!(page.body.contains("dependsOn"));
    assert!(
        page.body
            .contains("href=\"/catalog/resource/default/orders-db.databaseclaim\"")
    );
    assert!(
        page.body
            .contains("href=\"/claims/CacheClaim/default/sessions\"")
    );
    assert!(
        page.body.contains(FAILURE),
        "the failed claim's reason is on its component's page"
    );
    assert!(
        page.body
            .contains("/graph/component/default/storefront.svg")
    );
    let missing = get(&f.router, "/catalog/component/default/nothing", "", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing
            .body
            .contains("component:default/nothing is not in the catalog")
    );
}

#[tokio::test]
async fn the_dependency_map_is_svg_with_linked_nodes_coloured_by_status() {
    let f = fixture(true, Some(TOKEN)).await;
    let map = get(
        &f.router,
        "/graph/component/default/storefront.svg",
        "",
        None,
    )
    .await;
    assert_eq!(map.status, StatusCode::OK);
    assert!(
        map.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    assert!(map.body.starts_with("<svg"));
    assert!(
        map.body
            .contains("<a href=\"/catalog/component/default/checkout\"")
    );
    assert!(
        map.body
            .contains("<a href=\"/catalog/resource/default/sessions.cacheclaim\"")
    );
    // The failed claim's node has the red border; the Ready one the green.
    let failed = map
        .body
        .split("sessions.cacheclaim\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        failed
            .split("</a>")
            .next()
            .unwrap_or_default()
            .contains("#c62828")
    );
    let ready = map
        .body
        .split("orders-db.databaseclaim\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        ready
            .split("</a>")
            .next()
            .unwrap_or_default()
            .contains("#2e7d32")
    );
    let estate = get(&f.router, "/graph/all.svg", "", None).await;
    assert_eq!(estate.status, StatusCode::OK);
    assert!(
        estate.body.contains("group:default/team-pay"),
        "SVG labels escape only markup"
    );
    let deep = get(
        &f.router,
        "/graph/component/default/storefront.svg?depth=99",
        "",
        None,
    )
    .await;
    assert_eq!(deep.status, StatusCode::BAD_REQUEST);
    assert!(deep.body.contains("expected at most 6"));
    let png = get(
        &f.router,
        "/graph/component/default/storefront.png",
        "",
        None,
    )
    .await;
    assert_eq!(png.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn claims_show_ready_and_synced_with_reasons_and_a_page_of_everything_not_ready() {
    let f = fixture(true, Some(TOKEN)).await;
    let all = get(&f.router, "/claims", "", None).await;
    assert!(all.body.contains("DatabaseClaim default/orders-db"));
    assert!(all.body.contains("CacheClaim default/sessions"));
    assert!(all.body.contains(FAILURE));
    let not_ready = get(&f.router, "/claims?not_ready=true", "", None).await;
    assert!(not_ready.body.contains("CacheClaim default/sessions"));
    assert!(!not_ready.body.contains("DatabaseClaim default/orders-db"));
    let home = get(&f.router, "/", "", None).await;
    assert!(home.body.contains("Claims not Ready (1)"));
    assert!(home.body.contains(FAILURE));
    let detail = get(&f.router, "/claims/CacheClaim/default/sessions", "", None).await;
    assert!(detail.body.contains("Unavailable"));
    assert!(detail.body.contains("ReconcileError"));
    let missing = get(&f.router, "/claims/CacheClaim/default/nothing", "", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn secret_outputs_are_masked_and_their_values_never_reach_the_browser() {
    let f = fixture(true, Some(TOKEN)).await;
    let detail = get(
        &f.router,
        "/claims/DatabaseClaim/default/orders-db",
        "",
        None,
    )
    .await;
    assert!(
        detail.body.contains("db.internal"),
        "clear outputs are shown"
    );
    assert!(detail.body.contains("password"));
    assert!(detail.body.contains("********"));
    for path in [
        "/claims/DatabaseClaim/default/orders-db",
        "/claims",
        "/api/claims",
        "/api/catalog",
        "/api/catalog/resource/default/orders-db.databaseclaim",
        "/",
        "/metrics",
    ] {
        let reply = get(&f.router, path, "", None).await;
        assert!(!reply.body.contains(SECRET), "{path} shows the secret");
    }
}

#[tokio::test]
async fn the_json_api_serves_the_pages_data() {
    let f = fixture(true, Some(TOKEN)).await;
    let catalog: serde_json::Value = serde_json::from_str(
        &get(&f.router, "/api/catalog?kind=component", "", None)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(catalog["total"], 2);
    assert_eq!(catalog["items"][0]["ref"], "component:default/checkout");
    assert_eq!(catalog["items"][1]["ref"], "component:default/storefront");
    assert_eq!(
        catalog["items"][1]["health"], "notready",
        "a component is not Ready while a claim it depends on is not"
    );
    let entity: serde_json::Value = serde_json::from_str(
        &get(
            &f.router,
            "/api/catalog/component/default/checkout",
            "",
            None,
        )
        .await
        .body,
    )
    .unwrap();
    let relations = entity["relations"].as_array().unwrap();
    assert!(
        relations
            .iter()
            .any(|r| r["type"] == "dependsOn" && r["target"] == "component:default/storefront")
    );
    let claims: serde_json::Value =
        serde_json::from_str(&get(&f.router, "/api/claims", "", None).await.body).unwrap();
    let failed = claims["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "sessions")
        .unwrap();
    assert_eq!(failed["ready"]["status"], "False");
    assert_eq!(failed["ready"]["message"], FAILURE);
    let metrics: serde_json::Value =
        serde_json::from_str(&get(&f.router, "/api/metrics", "", None).await.body).unwrap();
    assert_eq!(metrics["dora"]["deployments"], 6);
    assert_eq!(
        metrics["services"]["component:default/storefront"]["deployments"],
        6
    );
    let missing = get(&f.router, "/api/catalog/api/default/nothing", "", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_come_as_a_dashboard_with_a_chart_and_as_prometheus_text() {
    let f = fixture(true, Some(TOKEN)).await;
    let dashboard = get(&f.router, "/metrics-dashboard", "", None).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(
        dashboard
            .body
            .contains(&html("component:default/storefront"))
    );
    assert!(
        dashboard
            .body
            .contains("/metrics-dashboard/deployments.svg")
    );
    let chart = get(&f.router, "/metrics-dashboard/deployments.svg", "", None).await;
    assert_eq!(chart.status, StatusCode::OK);
    assert!(chart.body.contains("<svg"));
    assert!(chart.body.contains("<rect"), "the chart has bars");
    let text = get(&f.router, "/metrics", "", None).await;
    assert!(
        text.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    assert!(
        text.body
            .contains("platform_dora_deployments{service=\"all\"} 6"),
        "{}",
        text.body
    );
    assert!(
        text.body
            .contains("platform_dora_deployments{service=\"component:default/storefront\"} 6")
    );
    assert!(text.body.trim_end().ends_with("# EOF"));
    assert_eq!(text.body.matches("# EOF").count(), 1);
}

#[tokio::test]
async fn the_golden_path_form_has_a_labelled_field_per_question_and_the_fleet_view() {
    let f = fixture(true, Some(TOKEN)).await;
    let list = get(&f.router, "/templates", "", None).await;
    assert!(list.body.contains("href=\"/templates/service\""));
    let form = get(&f.router, "/templates/service", "", None).await;
    for question in ["name", "owner", "description", "language", "database"] {
        assert!(
            form.body.contains(&format!("<label for=\"q-{question}\">")),
            "{question}"
        );
        assert!(
            form.body.contains(&format!("id=\"q-{question}\"")),
            "{question}"
        );
    }
    assert!(form.body.contains("name=\"csrf\""));
    assert!(
        form.body.contains("Rust (axum)"),
        "choices are offered with their labels"
    );
    let missing = get(&f.router, "/templates/nothing", "", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn create_scaffolds_registers_the_component_and_shows_it_in_the_catalog_and_fleet() {
    let f = fixture(true, Some(TOKEN)).await;
    let (cookies, token) = csrf(&f.router).await;
    let reply = post(
        &f.router,
        "/templates/service",
        &cookies,
        &[
            ("csrf", &token),
            ("token", TOKEN),
            ("name", "payments"),
            ("owner", "team-pay"),
            ("description", "Pays"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert!(reply.body.contains(&html("component:default/payments")));
    assert!(
        f.scaffold
            .path()
            .join("payments/catalog-info.yaml")
            .exists()
    );
    let catalog = get(&f.router, "/catalog?q=payments", "", None).await;
    assert!(
        catalog.body.contains(">payments<"),
        "the new component is in the catalog"
    );
    let fleet = get(&f.router, "/templates", "", None).await;
    assert!(fleet.body.contains(&html("component:default/payments")));
    assert!(
        fleet.body.contains("<strong>behind</strong>"),
        "v1.0.0 is behind v1.1.0"
    );
    let again = post(
        &f.router,
        "/templates/service",
        &cookies,
        &[("csrf", &token), ("token", TOKEN), ("name", "payments")],
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the folder exists now"
    );
}

#[tokio::test]
async fn create_rejects_answers_as_the_cli_does_and_shows_why() {
    let f = fixture(true, Some(TOKEN)).await;
    let (cookies, token) = csrf(&f.router).await;
    let reply = post(
        &f.router,
        "/templates/service",
        &cookies,
        &[
            ("csrf", &token),
            ("token", TOKEN),
            ("name", "payments"),
            ("owner", "Team Pay!"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("expected a group name"),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("value=\"Team Pay!\""),
        "the answers given are kept"
    );
    let bad_name = post(
        &f.router,
        "/templates/service",
        &cookies,
        &[("csrf", &token), ("token", TOKEN), ("name", "../escape")],
    )
    .await;
    assert_eq!(bad_name.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_name.body.contains("expected a DNS label"));
    assert_eq!(
        std::fs::read_dir(f.scaffold.path()).unwrap().count(),
        0,
        "nothing was written"
    );
}

#[tokio::test]
async fn create_without_the_token_or_the_csrf_token_is_refused_and_writes_nothing() {
    let f = fixture(true, Some(TOKEN)).await;
    let (cookies, token) = csrf(&f.router).await;
    let no_token = post(
        &f.router,
        "/templates/service",
        &cookies,
        &[("csrf", &token), ("name", "a1")],
    )
    .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert!(
        no_token
            .body
            .contains("the portal token is missing or wrong")
    );
    let wrong = post(
        &f.router,
        "/templates/service",
        &cookies,
        &[("csrf", &token), ("token", "guess"), ("name", "a2")],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let no_csrf = post(
        &f.router,
        "/templates/service",
        &cookies,
        &[("token", TOKEN), ("name", "a3")],
    )
    .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert!(no_csrf.body.contains("CSRF"));
    let other_csrf = post(
        &f.router,
        "/templates/service",
        "",
        &[("csrf", &token), ("token", TOKEN), ("name", "a4")],
    )
    .await;
    assert_eq!(
        other_csrf.status,
        StatusCode::FORBIDDEN,
        "a form without the cookie is forged"
    );
    let get_create = get(&f.router, "/templates/service?name=a5&token=x", "", None).await;
    assert_eq!(get_create.status, StatusCode::OK, "GET only shows the form");
    assert_eq!(std::fs::read_dir(f.scaffold.path()).unwrap().count(), 0);
    let unknown = get(&f.router, "/catalog?q=a1", "", None).await;
    assert!(unknown.body.contains("0 entities match"));
}

#[tokio::test]
async fn without_a_configured_token_every_write_is_refused() {
    let f = fixture(true, None).await;
    let (cookies, token) = csrf(&f.router).await;
    let reply = post(
        &f.router,
        "/templates/service",
        &cookies,
        &[("csrf", &token), ("token", ""), ("name", "a1")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains("PLATFORM_PORTAL_TOKEN"));
    let form = get(&f.router, "/templates/service", "", None).await;
    assert!(form.body.contains("Creating is off"));
}

#[tokio::test]
async fn private_reads_need_a_session_or_the_bearer_token() {
    let f = fixture(false, Some(TOKEN)).await;
    let page = get(&f.router, "/catalog", "", None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers[header::LOCATION], "/login");
    let api = get(&f.router, "/api/catalog", "", None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(!api.body.contains("storefront"));
    let metrics = get(&f.router, "/metrics", "", None).await;
    assert_eq!(metrics.status, StatusCode::UNAUTHORIZED);
    let wrong = get(&f.router, "/api/catalog", "", Some("guess")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let bearer = get(&f.router, "/api/catalog", "", Some(TOKEN)).await;
    assert_eq!(bearer.status, StatusCode::OK);
    assert!(bearer.body.contains("storefront"));
    let css = get(&f.router, "/static/portal.css", "", None).await;
    assert_eq!(
        css.status,
        StatusCode::OK,
        "the login page's stylesheet is open"
    );
    let (cookies, csrf_token) = csrf(&f.router).await;
    let refused = post(
        &f.router,
        "/login",
        &cookies,
        &[("csrf", &csrf_token), ("token", "guess")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("wrong token"));
    assert!(refused.cookie("portal_session").is_none());
    let forged = post(
        &f.router,
        "/login",
        "",
        &[("csrf", &csrf_token), ("token", TOKEN)],
    )
    .await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "a login without the CSRF cookie is refused"
    );
    let login = post(
        &f.router,
        "/login",
        &cookies,
        &[("csrf", &csrf_token), ("token", TOKEN)],
    )
    .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let session = login.cookie("portal_session").expect("a session cookie");
    let set = login.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let signed_in = get(
        &f.router,
        "/catalog",
        &format!("{cookies}; portal_session={session}"),
        None,
    )
    .await;
    assert_eq!(signed_in.status, StatusCode::OK);
    assert!(signed_in.body.contains("storefront"));
    let made_up = get(&f.router, "/catalog", "portal_session=made-up", None).await;
    assert_eq!(made_up.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_signed_in_visitor_creates_without_retyping_the_token_but_not_without_csrf() {
    let f = fixture(false, Some(TOKEN)).await;
    let (cookies, csrf_token) = csrf(&f.router).await;
    let login = post(
        &f.router,
        "/login",
        &cookies,
        &[("csrf", &csrf_token), ("token", TOKEN)],
    )
    .await;
    let session = login.cookie("portal_session").expect("a session");
    let both = format!("{cookies}; portal_session={session}");
    let form = get(&f.router, "/templates/service", &both, None).await;
    assert!(
        !form.body.contains("id=\"token\""),
        "no token field once signed in"
    );
    let forged = post(
        &f.router,
        "/templates/service",
        &format!("portal_session={session}"),
        &[("name", "forged")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let created = post(
        &f.router,
        "/templates/service",
        &both,
        &[("csrf", &csrf_token), ("name", "orders")],
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
}

#[tokio::test]
async fn query_strings_and_bodies_are_bounded() {
    let f = fixture(true, Some(TOKEN)).await;
    let long = format!("/catalog?q={}", "a".repeat(5000));
    let reply = get(&f.router, &long, "", None).await;
    assert_eq!(reply.status, StatusCode::URI_TOO_LONG);
    let (cookies, token) = csrf(&f.router).await;
    let big = "x".repeat(100 * 1024);
    let reply = post(
        &f.router,
        "/templates/service",
        &cookies,
        &[("csrf", &token), ("description", &big)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let bad_query = get(&f.router, "/claims?not_ready=maybe", "", None).await;
    assert_eq!(bad_query.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_stylesheet_and_script_are_served_by_the_portal() {
    let f = fixture(true, Some(TOKEN)).await;
    let js = get(&f.router, "/static/portal.js", "", None).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(
        js.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(js.body.contains("catalog-search"));
    let css = get(&f.router, "/static/portal.css", "", None).await;
    assert!(
        css.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

#[tokio::test]
async fn mounted_under_a_path_every_link_carries_it() {
    let f = fixture(true, Some(TOKEN)).await;
    let handles = platform_portal::Handles {
        store: f.store.clone(),
        templates: vec![support::service_template()],
        metrics: Default::default(),
    };
    let settings = platform_portal::PortalSettings {
        public_read: true,
        mount_path: "/portal".into(),
        ..Default::default()
    };
    let app = axum::Router::new().nest("/portal", platform_portal::portal(handles, settings));
    let page = get(&app, "/portal/catalog", "", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("href=\"/portal/static/portal.css\""));
    assert!(
        page.body
            .contains("href=\"/portal/catalog/component/default/storefront\"")
    );
    let map = get(
        &app,
        "/portal/graph/component/default/storefront.svg",
        "",
        None,
    )
    .await;
    assert!(
        map.body
            .contains("href=\"/portal/catalog/component/default/checkout\"")
    );
}
