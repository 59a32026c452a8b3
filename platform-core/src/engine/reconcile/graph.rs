//! Dependencies between the composed resources of one claim: placeholders such as
//! `${resources.db.outputs.host}` in a spec, and the `platform.dev/depends-on` annotation.

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

use crate::engine::DEPENDS_ON_ANNOTATION;
use crate::kinds::placeholders;
use crate::model::DynamicObject;

/// The names of composed resources an object's spec or annotation refers to.
pub(crate) fn dependencies(object: &DynamicObject) -> Result<BTreeSet<String>, String> {
    let mut found = BTreeSet::new();
    collect(&object.spec, &mut found)?;
    if let Some(list) = object.metadata.annotations.get(DEPENDS_ON_ANNOTATION) {
        found.extend(
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
    }
    Ok(found)
}

fn collect(value: &Value, found: &mut BTreeSet<String>) -> Result<(), String> {
    match value {
        Value::String(s) if s.contains("${") => {
            for p in placeholders(s)? {
                if p.section != "outputs" {
                    return Err(format!(
                        "${{resources.{}.{}.{}}}: secrets cannot be copied into a spec; only outputs can",
                        p.resource, p.section, p.key
                    ));
                }
                found.insert(p.resource);
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|v| collect(v, found)),
        Value::Object(map) => map.values().try_for_each(|v| collect(v, found)),
        _ => Ok(()),
    }
}

/// Orders resources into levels: each level depends only on earlier ones and runs in parallel.
/// A cycle is an error with its names, the first repeated at the end.
pub(crate) fn levels(
    names: &[String],
    deps: &[BTreeSet<String>],
) -> Result<Vec<Vec<usize>>, Result<Vec<String>, String>> {
    let index: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    // Each resource's dependencies as indexes, in the order of their names.
    let mut edges: Vec<Vec<usize>> = Vec::with_capacity(deps.len());
    for (i, d) in deps.iter().enumerate() {
        let mut to = Vec::with_capacity(d.len());
        for name in d {
            let Some(&j) = index.get(name.as_str()) else {
                return Err(Err(format!(
                    "composed resource {:?} depends on {name:?}, which the composition does not produce",
                    names[i]
                )));
            };
            to.push(j);
        }
        edges.push(to);
    }
    // An edge goes from a resource to each resource it depends on.
    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(names.len(), 0);
    let nodes: Vec<NodeIndex> = names.iter().map(|_| graph.add_node(())).collect();
    for (i, to) in edges.iter().enumerate() {
        for &j in to {
            graph.add_edge(nodes[i], nodes[j], ());
        }
    }
    let order = toposort(&graph, None)
        .map_err(|cycle| Ok(name_cycle(&graph, &edges, names, cycle.node_id())))?;
    // Dependencies come last in a topological order: walk it backwards, so each resource's
    // level is one past the highest level among its dependencies.
    let mut level = vec![0usize; names.len()];
    for node in order.iter().rev() {
        let i = node.index();
        level[i] = edges[i].iter().map(|&j| level[j] + 1).max().unwrap_or(0);
    }
    let mut out = vec![Vec::new(); level.iter().max().map_or(0, |m| m + 1)];
    for (i, &l) in level.iter().enumerate() {
        out[l].push(i);
    }
    Ok(out)
}

/// The names along one cycle of the strongly connected part that holds `member`: from its
/// first resource, following the first dependency (by name) within the part until a name
/// repeats.
fn name_cycle(
    graph: &DiGraph<(), ()>,
    edges: &[Vec<usize>],
    names: &[String],
    member: NodeIndex,
) -> Vec<String> {
    let part: BTreeSet<usize> = tarjan_scc(graph)
        .into_iter()
        .find(|scc| scc.contains(&member))
        .map_or_else(BTreeSet::new, |scc| scc.iter().map(|n| n.index()).collect());
    let start = part.first().copied().unwrap_or(member.index());
    let mut path = vec![start];
    loop {
        let current = path[path.len() - 1];
        let Some(&next) = edges[current].iter().find(|j| part.contains(j)) else {
            return vec![names[current].clone()];
        };
        if let Some(pos) = path.iter().position(|&p| p == next) {
            let mut cycle: Vec<String> = path[pos..].iter().map(|&i| names[i].clone()).collect();
            cycle.push(names[next].clone());
            return cycle;
        }
        path.push(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn independent_resources_share_a_level_and_dependents_follow() {
        let names: Vec<String> = ["role", "database", "grant"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let deps = vec![set(&[]), set(&["role"]), set(&["role", "database"])];
        assert_eq!(
            levels(&names, &deps).unwrap(),
            vec![vec![0], vec![1], vec![2]]
        );
        let deps = vec![set(&[]), set(&[]), set(&["role", "database"])];
        assert_eq!(levels(&names, &deps).unwrap(), vec![vec![0, 1], vec![2]]);
    }

    #[test]
    fn a_cycle_is_named() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| (*s).to_owned()).collect();
        let deps = vec![set(&["c"]), set(&["a"]), set(&["b"])];
        assert_eq!(
            levels(&names, &deps).unwrap_err().unwrap(),
            ["a", "c", "b", "a"]
        );
        let deps = vec![set(&["zzz"]), set(&[]), set(&[])];
        assert!(
            levels(&names, &deps)
                .unwrap_err()
                .unwrap_err()
                .contains("\"zzz\"")
        );
    }

    #[test]
    fn a_self_reference_and_a_cycle_behind_a_dependent_are_named() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| (*s).to_owned()).collect();
        let deps = vec![set(&["a"]), set(&[]), set(&[])];
        assert_eq!(levels(&names, &deps).unwrap_err().unwrap(), ["a", "a"]);
        // `a` only waits for the cycle of `b` and `c`; the cycle is what is named.
        let deps = vec![set(&["b"]), set(&["c"]), set(&["b"])];
        assert_eq!(levels(&names, &deps).unwrap_err().unwrap(), ["b", "c", "b"]);
    }

    #[test]
    fn a_level_is_one_past_its_deepest_dependency() {
        let names: Vec<String> = ["a", "b", "c", "d"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        // d needs a (level 0) and c (level 2): it goes after c, not beside b.
        let deps = vec![set(&[]), set(&["a"]), set(&["b"]), set(&["a", "c"])];
        assert_eq!(
            levels(&names, &deps).unwrap(),
            vec![vec![0], vec![1], vec![2], vec![3]]
        );
        assert_eq!(levels(&[], &[]).unwrap(), Vec::<Vec<usize>>::new());
    }

    #[test]
    fn placeholders_and_annotations_are_dependencies() {
        let object: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "x/v1", "kind": "Grant",
            "metadata": {"name": "g", "annotations": {"platform.dev/depends-on": "role, database"}},
            "spec": {"url": "postgres://${resources.db.outputs.host}:${resources.db.outputs.port}"}
        }))
        .unwrap();
        assert_eq!(
            dependencies(&object).unwrap(),
            set(&["database", "db", "role"])
        );
    }
}
