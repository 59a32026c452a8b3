//! Relations one entity declares: for every reference field of its kind, the relation to the
//! target and its inverse back, as Backstage's `BuiltinKindsEntityProcessor` emits them.

use platform_core::load::{PathSegment, field_path};
use serde_json::Value;

use super::{Relation, RelationType};
use crate::entity::{Entity, EntityRef};

use RelationType::*;

/// A reference field: its spec field, the default kind of its references, the relation from
/// the entity to the target and the relation back.
type RefField = (
    &'static str,
    Option<&'static str>,
    RelationType,
    RelationType,
);

/// The reference fields of a kind, in Backstage's order.
fn fields(kind: &str) -> &'static [RefField] {
    match kind {
        "Component" => &[
            ("owner", Some("Group"), OwnedBy, OwnerOf),
            ("subcomponentOf", Some("Component"), PartOf, HasPart),
            ("providesApis", Some("API"), ProvidesApi, ApiProvidedBy),
            ("consumesApis", Some("API"), ConsumesApi, ApiConsumedBy),
            ("dependsOn", None, DependsOn, DependencyOf),
            ("dependencyOf", None, DependencyOf, DependsOn),
            ("system", Some("System"), PartOf, HasPart),
        ],
        "API" => &[
            ("owner", Some("Group"), OwnedBy, OwnerOf),
            ("system", Some("System"), PartOf, HasPart),
        ],
        "Resource" => &[
            ("owner", Some("Group"), OwnedBy, OwnerOf),
            ("dependsOn", None, DependsOn, DependencyOf),
            ("dependencyOf", None, DependencyOf, DependsOn),
            ("system", Some("System"), PartOf, HasPart),
        ],
        "User" => &[("memberOf", Some("Group"), MemberOf, HasMember)],
        "Group" => &[
            ("parent", Some("Group"), ChildOf, ParentOf),
            ("children", Some("Group"), ParentOf, ChildOf),
            ("members", Some("User"), HasMember, MemberOf),
        ],
        "System" => &[
            ("owner", Some("Group"), OwnedBy, OwnerOf),
            ("domain", Some("Domain"), PartOf, HasPart),
        ],
        "Domain" => &[
            ("owner", Some("Group"), OwnedBy, OwnerOf),
            ("subdomainOf", Some("Domain"), PartOf, HasPart),
        ],
        _ => &[],
    }
}

/// A reference that names no entity: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefProblem {
    /// The field path, such as `spec.dependsOn[1]`.
    pub field: String,
    /// The same path as segments, to locate the value in its document.
    pub path: Vec<PathSegment>,
    /// What was expected and found.
    pub message: String,
}

/// The relations an entity declares (each with its inverse) and the references that name no
/// entity.
pub fn derive(entity: &Entity) -> (Vec<Relation>, Vec<RefProblem>) {
    let this = entity.entity_ref();
    let namespace = entity.metadata.namespace.as_str();
    let mut relations = Vec::new();
    let mut problems = Vec::new();
    for (field, default_kind, outgoing, incoming) in fields(&entity.kind) {
        let at = vec![PathSegment::key("spec"), PathSegment::key(field)];
        let targets: Vec<(Vec<PathSegment>, &str)> = match entity.spec.get(*field) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) => vec![(at, s.as_str())],
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let mut item = at.clone();
                    item.push(PathSegment::Index(i));
                    v.as_str().map(|s| (item, s))
                })
                .collect(),
            Some(_) => continue,
        };
        for (at, text) in targets {
            match EntityRef::parse_strict(text, *default_kind, namespace) {
                Ok(target) => {
                    relations.push(Relation {
                        source: this.clone(),
                        type_: *outgoing,
                        target: target.clone(),
                    });
                    relations.push(Relation {
                        source: target,
                        type_: *incoming,
                        target: this.clone(),
                    });
                }
                Err(e) => problems.push(RefProblem {
                    field: field_path(&at),
                    path: at,
                    message: e.to_string(),
                }),
            }
        }
    }
    (relations, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(entity: &Entity) -> Vec<String> {
        let mut l: Vec<String> = derive(entity).0.iter().map(ToString::to_string).collect();
        l.sort();
        l
    }

    #[test]
    fn every_relation_type_with_cross_namespace_refs() {
        let mut c = Entity::new(
            "Component",
            "shop",
            "Web",
            json!({"type": "service", "lifecycle": "production", "owner": "infra/Team-A",
                   "subcomponentOf": "portal", "providesApis": ["api-x"], "consumesApis": ["api:pay/charge"],
                   "dependsOn": ["resource:db"], "dependencyOf": ["component:other/ui"], "system": "store"}),
        );
        c.metadata.namespace = "shop".into();
        assert_eq!(
            lines(&c),
            vec![
                "api:pay/charge apiConsumedBy component:shop/web",
                "api:shop/api-x apiProvidedBy component:shop/web",
                "component:other/ui dependsOn component:shop/web",
                "component:shop/portal hasPart component:shop/web",
                "component:shop/web consumesApi api:pay/charge",
                "component:shop/web dependencyOf component:other/ui",
                "component:shop/web dependsOn resource:shop/db",
                "component:shop/web ownedBy group:infra/team-a",
                "component:shop/web partOf component:shop/portal",
                "component:shop/web partOf system:shop/store",
                "component:shop/web providesApi api:shop/api-x",
                "group:infra/team-a ownerOf component:shop/web",
                "resource:shop/db dependencyOf component:shop/web",
                "system:shop/store hasPart component:shop/web",
            ]
        );
        let g = Entity::new(
            "Group",
            "org",
            "eng",
            json!({"type": "team", "parent": "root",
            "children": ["ops/sre"], "members": ["ann", "user:hr/bob"]}),
        );
        assert_eq!(
            lines(&g),
            vec![
                "group:ops/sre childOf group:org/eng",
                "group:org/eng childOf group:org/root",
                "group:org/eng hasMember user:hr/bob",
                "group:org/eng hasMember user:org/ann",
                "group:org/eng parentOf group:ops/sre",
                "group:org/root parentOf group:org/eng",
                "user:hr/bob memberOf group:org/eng",
                "user:org/ann memberOf group:org/eng",
            ]
        );
        let u = Entity::new("User", "hr", "bob", json!({"memberOf": ["org/eng"]}));
        assert_eq!(
            lines(&u),
            vec![
                "group:org/eng hasMember user:hr/bob",
                "user:hr/bob memberOf group:org/eng"
            ]
        );
        let s = Entity::new(
            "System",
            "a",
            "s",
            json!({"owner": "user:b/u", "domain": "c/d"}),
        );
        assert_eq!(
            lines(&s),
            vec![
                "domain:c/d hasPart system:a/s",
                "system:a/s ownedBy user:b/u",
                "system:a/s partOf domain:c/d",
                "user:b/u ownerOf system:a/s"
            ]
        );
        let d = Entity::new(
            "Domain",
            "a",
            "d",
            json!({"owner": "g", "subdomainOf": "x/top"}),
        );
        assert_eq!(
            lines(&d),
            vec![
                "domain:a/d ownedBy group:a/g",
                "domain:a/d partOf domain:x/top",
                "domain:x/top hasPart domain:a/d",
                "group:a/g ownerOf domain:a/d"
            ]
        );
        let r = Entity::new(
            "Resource",
            "a",
            "r",
            json!({"type": "db", "owner": "g", "dependsOn": ["resource:b/q"], "dependencyOf": ["component:x"], "system": "b/s"}),
        );
        assert_eq!(
            lines(&r),
            vec![
                "component:a/x dependsOn resource:a/r",
                "group:a/g ownerOf resource:a/r",
                "resource:a/r dependencyOf component:a/x",
                "resource:a/r dependsOn resource:b/q",
                "resource:a/r ownedBy group:a/g",
                "resource:a/r partOf system:b/s",
                "resource:b/q dependencyOf resource:a/r",
                "system:b/s hasPart resource:a/r"
            ]
        );
        let api = Entity::new(
            "API",
            "a",
            "p",
            json!({"type": "openapi", "lifecycle": "x", "owner": "g", "system": "s", "definition": "x"}),
        );
        assert_eq!(
            lines(&api),
            vec![
                "api:a/p ownedBy group:a/g",
                "api:a/p partOf system:a/s",
                "group:a/g ownerOf api:a/p",
                "system:a/s hasPart api:a/p"
            ]
        );
    }

    #[test]
    fn references_without_a_kind_or_with_a_bad_name_are_problems_not_relations() {
        let c = Entity::new(
            "Component",
            "default",
            "x",
            json!({"type": "s", "lifecycle": "l", "owner": "a:b:c:d",
            "dependsOn": ["db"]}),
        );
        let (relations, problems) = derive(&c);
        assert!(relations.is_empty());
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, vec!["spec.owner", "spec.dependsOn[0]"]);
    }
}
