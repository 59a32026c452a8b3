//! Platform metrics on a hand-computed timeline: every figure below was worked out by hand
//! from the entries, including the ones that must not count (before the window, staging,
//! failed deployments, a repository upgraded since).

use serde_json::{Value, json};

use platform_core::store::{JournalEntry, kinds};
use platform_metrics::platform::{Component, Settings, Window, platform};

/// 2026-11-01T00:00:00Z.
const T0: i64 = 1_793_491_200_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn entry(kind: &str, id: &str, time_ms: i64, service: Option<&str>, body: Value) -> JournalEntry {
    let env = body["env"].as_str().map(str::to_owned);
    JournalEntry::new(kind, id, time_ms, service.map(str::to_owned), env, &body)
}

fn component(name: &str, team: &str, golden: bool) -> Component {
    Component {
        entity_ref: format!("component:default/{name}"),
        team: Some(team.into()),
        golden,
    }
}

fn timeline() -> Vec<JournalEntry> {
    let shop = Some("component:default/shop");
    let billing = Some("component:default/billing");
    let scaffold = |id: &str, t: i64, service: &str, version: &str| {
        entry(
            kinds::SCAFFOLD,
            id,
            t,
            Some(service),
            json!({"template": "gh:acme/service", "version": version, "team": "payments"}),
        )
    };
    let deploy = |id: &str, t: i64, service, status: &str, env: &str| {
        entry(
            kinds::DEPLOY,
            id,
            t,
            service,
            json!({"status": status, "env": env, "team": "x"}),
        )
    };
    let drift = |id: &str, repaired: bool, by: Value| {
        entry(
            kinds::DRIFT,
            id,
            T0 + 6 * DAY,
            None,
            json!({"repaired": repaired, "by": by}),
        )
    };
    let mut entries = vec![
        // Versions of the template, first seen in this order: v1, v2, v3.
        scaffold("a", T0 - 200 * DAY, "component:default/legacy-a", "v1"),
        scaffold("x", T0 - 150 * DAY, "component:default/x", "v2"),
        scaffold("y", T0 - 10 * DAY, "component:default/y", "v3"),
        scaffold("b", T0 + DAY, "component:default/billing", "v1"),
        entry(
            kinds::TEMPLATE_UPGRADE,
            "b-up",
            T0 + 20 * DAY,
            billing,
            json!({"template": "gh:acme/service", "from": "v1", "to": "v3", "team": "payments"}),
        ),
        // Claims: shop outside any template, billing from one.
        entry(
            kinds::CLAIM,
            "shop",
            T0 + 2 * DAY,
            shop,
            json!({"template": null, "team": "checkout"}),
        ),
        entry(
            kinds::CLAIM,
            "billing",
            T0 + DAY + HOUR,
            billing,
            json!({"template": "service", "team": "payments"}),
        ),
        deploy("s1", T0 + 2 * DAY + 3 * HOUR, shop, "success", "production"),
        deploy("b0", T0 + DAY + 2 * HOUR, billing, "success", "staging"),
        deploy("b1", T0 + 2 * DAY, billing, "failure", "production"),
        deploy("b2", T0 + 3 * DAY, billing, "success", "production"),
        entry(
            kinds::EXCEPTION,
            "e-old",
            T0 - DAY,
            None,
            json!({"team": "checkout"}),
        ),
        entry(
            kinds::EXCEPTION,
            "e1",
            T0 + 5 * DAY,
            None,
            json!({"team": "checkout"}),
        ),
        drift("d1", true, json!("person")),
        drift("d2", true, json!("controller")),
        drift("d3", true, json!("controller")),
        drift("d4", true, json!("controller")),
        drift("d5", false, Value::Null),
        entry(
            kinds::TICKET,
            "t1",
            T0 + 3 * DAY,
            None,
            json!({"team": "payments"}),
        ),
        entry(
            kinds::TICKET,
            "t2",
            T0 + 4 * DAY,
            None,
            json!({"team": "payments"}),
        ),
        entry(
            kinds::TICKET,
            "t-late",
            T0 + 40 * DAY,
            None,
            json!({"team": "payments"}),
        ),
    ];
    for (i, score) in [10, 9, 8, 3, 6, 10].into_iter().enumerate() {
        entries.push(entry(
            kinds::SURVEY,
            &format!("s{i}"),
            T0 + 7 * DAY,
            None,
            json!({"score": score, "team": "checkout"}),
        ));
    }
    entries
}

fn components() -> Vec<Component> {
    vec![
        component("shop", "checkout", true),
        component("billing", "payments", true),
        component("legacy", "payments", false),
        component("docs", "checkout", false),
    ]
}

const FOUR_WEEKS: Window = Window {
    since_ms: T0,
    until_ms: T0 + 28 * DAY,
};

#[test]
fn every_figure_matches_the_hand_computed_one() {
    let m = platform(
        &timeline(),
        &components(),
        &Settings::default(),
        FOUR_WEEKS,
        Some(0.5),
    );
    let figures = serde_json::to_value(&m).unwrap();
    assert_eq!(
        figures["adoption"],
        json!({"components": 4, "golden": 2, "rate": 0.5})
    );
    // shop: claim at day 2, deployed 3 h later; billing: scaffold at day 1, its production
    // failure at day 2 does not count, success at day 3: 2 days.
    assert_eq!(
        figures["timeToFirstDeploy"],
        json!({"services": 2, "medianMinutes": 1530.0,
               "byTeam": {"checkout": 180.0, "payments": 2880.0}})
    );
    // One exception in the window (the other is before it), one claim outside templates.
    assert_eq!(
        figures["escapeHatches"],
        json!({"exceptions": 1, "claimsOutsideTemplates": 1, "perWeek": 0.5,
               "byTeam": {"checkout": 0.5}})
    );
    assert_eq!(
        figures["driftRepairs"],
        json!({"manual": 1, "automated": 3, "unrepaired": 1})
    );
    // legacy-a is at v1, two versions behind and superseded 178 days ago; billing was too,
    // until its upgrade to v3; x is one version behind for 38 days.
    assert_eq!(figures["templatesBehind"]["repositories"], 4);
    assert_eq!(
        figures["templatesBehind"]["items"],
        json!([{"repository": "component:default/legacy-a", "template": "gh:acme/service",
                "version": "v1", "latest": "v3", "versionsBehind": 2, "daysBehind": 178}])
    );
    assert_eq!(
        figures["tickets"],
        json!({"opened": 2, "perWeek": 0.5, "byTeam": {"payments": 2}})
    );
    // 3 promoters, 2 detractors of 6: +16.7.
    assert_eq!(
        figures["satisfaction"],
        json!({"responses": 6, "nps": 16.7})
    );
    // 3 automated repairs x 30 min + 1 scaffold in the window x 240 min.
    assert_eq!(
        figures["toilSaved"],
        json!({"automatedRepairs": 3, "scaffolds": 1, "minutes": 330.0})
    );
    // With the default thresholds only onboarding (1530 min <= 2 days) with a 0.5 fail rate
    // holds.
    let names: Vec<&str> = m.warnings.iter().map(|w| w.name).collect();
    assert_eq!(names, ["fast-onboarding-high-change-fail-rate"]);
    assert!(
        m.warnings[0].message.contains("1530 min") && m.warnings[0].message.contains("0.5"),
        "{}",
        m.warnings[0].message
    );
}

#[test]
fn each_anti_metric_holds_exactly_at_its_thresholds() {
    let settings = Settings {
        high_adoption: 0.5,
        low_nps: 20.0,
        few_tickets_per_week: 0.5,
        frequent_escape_hatches_per_week: 0.5,
        ..Settings::default()
    };
    let m = platform(&timeline(), &components(), &settings, FOUR_WEEKS, Some(0.3));
    let names: Vec<&str> = m.warnings.iter().map(|w| w.name).collect();
    assert_eq!(
        names,
        [
            "high-adoption-low-satisfaction",
            "few-tickets-frequent-escape-hatches",
            "fast-onboarding-high-change-fail-rate"
        ]
    );
    // Just past each threshold, none holds.
    let past = Settings {
        high_adoption: 0.51,
        low_nps: 16.7,
        few_tickets_per_week: 0.49,
        fast_onboarding_minutes: 1529.0,
        ..settings
    };
    let m = platform(&timeline(), &components(), &past, FOUR_WEEKS, Some(0.3));
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn an_empty_journal_gives_no_values_rather_than_zeros() {
    let m = platform(&[], &[], &Settings::default(), FOUR_WEEKS, None);
    let figures = serde_json::to_value(&m).unwrap();
    assert_eq!(figures["adoption"]["rate"], Value::Null);
    assert_eq!(figures["timeToFirstDeploy"]["medianMinutes"], Value::Null);
    assert_eq!(figures["satisfaction"]["nps"], Value::Null);
    assert_eq!(figures["escapeHatches"]["perWeek"], 0.0);
    assert!(m.warnings.is_empty());
    // The exposition leaves out what has no value and still parses as OpenMetrics.
    let text = platform_metrics::exposition::platform_text(&m).unwrap();
    assert!(!text.contains("platform_nps"), "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
}

#[test]
fn settings_refuse_unknown_keys_by_name() {
    let err = serde_json::from_value::<Settings>(json!({"highAdoptoin": 0.5})).unwrap_err();
    assert!(err.to_string().contains("highAdoptoin"), "{err}");
    let partial: Settings = serde_json::from_value(json!({"repairMinutes": 10})).unwrap();
    assert_eq!(partial.repair_minutes, 10.0);
    assert_eq!(
        partial.scaffold_minutes,
        Settings::default().scaffold_minutes
    );
}
