//! Property: over random sequences of adding, changing and removing entities, no relation ever
//! points at an absent entity unless that entity is reported missing, and the catalog kept up
//! step by step equals one built afresh from the entities present.

use std::collections::BTreeMap;

use platform_catalog::{Catalog, Entity, EntityRef};
use proptest::prelude::*;
use serde_json::json;

const NAMES: [&str; 5] = ["a", "b", "c", "d", "e"];
const NAMESPACES: [&str; 2] = ["default", "other"];

/// A reference into the small universe, written in one of the forms a file may use.
fn reference() -> impl Strategy<Value = String> {
    (0..3usize, 0..NAMES.len(), 0..NAMESPACES.len(), 0..4usize).prop_map(|(form, n, ns, kind)| {
        let kind = ["component", "group", "resource", "user"][kind];
        match form {
            0 => NAMES[n].to_owned(),
            1 => format!("{}/{}", NAMESPACES[ns], NAMES[n]),
            _ => format!("{kind}:{}/{}", NAMESPACES[ns], NAMES[n]),
        }
    })
}

fn kinded() -> impl Strategy<Value = String> {
    (0..NAMES.len(), 0..NAMESPACES.len(), 0..3usize).prop_map(|(n, ns, kind)| {
        format!(
            "{}:{}/{}",
            ["component", "resource", "api"][kind],
            NAMESPACES[ns],
            NAMES[n]
        )
    })
}

fn entity() -> impl Strategy<Value = Entity> {
    (
        0..4usize,
        0..NAMES.len(),
        0..NAMESPACES.len(),
        reference(),
        prop::collection::vec(kinded(), 0..3),
        prop::collection::vec(reference(), 0..3),
    )
        .prop_map(|(kind, n, ns, owner, deps, refs)| {
            let (kind, spec) = match kind {
                0 => ("Component", json!({"type": "service", "lifecycle": "x", "owner": owner, "dependsOn": deps, "consumesApis": refs})),
                1 => ("Resource", json!({"type": "db", "owner": owner, "dependsOn": deps})),
                2 => ("Group", json!({"type": "team", "parent": owner, "children": refs.clone(), "members": refs})),
                _ => ("User", json!({"memberOf": refs})),
            };
            Entity::new(kind, NAMESPACES[ns], NAMES[n], spec)
        })
}

#[derive(Debug, Clone)]
enum Op {
    Put(Box<Entity>),
    Remove(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => entity().prop_map(|e| Op::Put(Box::new(e))),
        2 => (0..40usize).prop_map(Op::Remove),
    ]
}

proptest! {
    // 512 cases of up to 60 operations each.
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_relation_points_at_an_absent_entity_unless_reported_missing(ops in prop::collection::vec(op(), 1..60)) {
        let mut catalog = Catalog::new();
        let mut present: BTreeMap<EntityRef, Entity> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Put(e) => {
                    present.insert(e.entity_ref(), (*e).clone());
                    catalog.insert(*e);
                }
                Op::Remove(i) => {
                    if let Some(key) = present.keys().nth(i % present.len().max(1)).cloned() {
                        present.remove(&key);
                        prop_assert!(catalog.remove(&key).is_some());
                    }
                }
            }
            let relations = catalog.relations();
            prop_assert_eq!(relations.len(), catalog.relation_count());
            for r in &relations {
                prop_assert!(present.contains_key(&r.source), "{r}: source absent");
                prop_assert!(present.contains_key(&r.target), "{r}: target absent");
            }
            // Every declared relation of a present entity is shown or reported missing.
            let missing = catalog.missing();
            for key in present.keys() {
                for (t, target) in catalog.declared(key) {
                    let shown = relations.iter().any(|r| &r.source == key && r.type_ == t && &r.target == target);
                    let reported = missing.iter().any(|m| &m.relation.source == key && m.relation.type_ == t && &m.absent == target);
                    prop_assert!(shown != reported, "{key} {t} {target}: shown {shown}, reported {reported}");
                    prop_assert_eq!(reported, !present.contains_key(target));
                }
            }
            for m in &missing {
                prop_assert!(!present.contains_key(&m.absent));
            }
            // Kept up step by step = built afresh.
            let fresh = Catalog::from_entities(present.values().cloned());
            prop_assert_eq!(&relations, &fresh.relations());
            prop_assert_eq!(&missing, &fresh.missing());
        }
    }
}
