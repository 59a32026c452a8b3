//! Dependencies between the composed resources of one claim: placeholders such as
//! `${resources.db.outputs.host}` in a spec, and the `platform.dev/depends-on` annotation.

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
    for (i, d) in deps.iter().enumerate() {
        if let Some(unknown) = d.iter().find(|n| !index.contains_key(n.as_str())) {
            return Err(Err(format!(
                "composed resource {:?} depends on {unknown:?}, which the composition does not produce",
                names[i]
            )));
        }
    }
    let mut remaining: Vec<usize> = deps.iter().map(BTreeSet::len).collect();
    let mut done = vec![false; names.len()];
    let mut out = Vec::new();
    loop {
        let level: Vec<usize> = (0..names.len())
            .filter(|&i| !done[i] && remaining[i] == 0)
            .collect();
        if level.is_empty() {
            break;
        }
        for &i in &level {
            done[i] = true;
        }
        for (j, d) in deps.iter().enumerate() {
            if !done[j] {
                remaining[j] = d.iter().filter(|n| !done[index[n.as_str()]]).count();
            }
        }
        out.push(level);
    }
    if done.iter().all(|d| *d) {
        return Ok(out);
    }
    // Walk dependencies from an unfinished node until a name repeats: that is a cycle.
    let start = done.iter().position(|d| !d).unwrap_or(0);
    let mut path = vec![start];
    let mut current = start;
    loop {
        let Some(next) = deps[current]
            .iter()
            .map(|n| index[n.as_str()])
            .find(|&j| !done[j])
        else {
            return Err(Ok(vec![names[current].clone()]));
        };
        if let Some(pos) = path.iter().position(|&p| p == next) {
            let mut cycle: Vec<String> = path[pos..].iter().map(|&i| names[i].clone()).collect();
            cycle.push(names[next].clone());
            return Err(Ok(cycle));
        }
        path.push(next);
        current = next;
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
