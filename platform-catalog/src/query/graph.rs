//! The relation graph around an entity (or of the whole catalog), as DOT, Mermaid or JSON.

use std::collections::{BTreeSet, VecDeque};
use std::fmt::Write;

use serde_json::{Value, json};

use crate::entity::EntityRef;
use crate::relations::{Catalog, Relation, RelationType};

/// The relation types drawn: one of each pair, so an edge is drawn once.
const DRAWN: [RelationType; 7] = [
    RelationType::OwnedBy,
    RelationType::PartOf,
    RelationType::DependsOn,
    RelationType::ProvidesApi,
    RelationType::ConsumesApi,
    RelationType::ChildOf,
    RelationType::MemberOf,
];

/// Entities and the relations drawn between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subgraph {
    /// The entities, sorted.
    pub nodes: BTreeSet<EntityRef>,
    /// The relations between them, sorted.
    pub edges: BTreeSet<Relation>,
}

/// The entities within `depth` relations of `root` (in either direction), or the whole
/// catalog when `root` is `None`; unlimited depth when `depth` is `None`.
pub fn subgraph(catalog: &Catalog, root: Option<&EntityRef>, depth: Option<usize>) -> Subgraph {
    let mut graph = Subgraph::default();
    match root {
        None => graph.nodes = catalog.entities().map(|e| e.entity_ref()).collect(),
        Some(root) => {
            let mut queue = VecDeque::from([(root.clone(), 0usize)]);
            graph.nodes.insert(root.clone());
            while let Some((at, d)) = queue.pop_front() {
                if depth.is_some_and(|max| d >= max) {
                    continue;
                }
                for (_, next) in catalog.outgoing(&at) {
                    if graph.nodes.insert(next.clone()) {
                        queue.push_back((next.clone(), d + 1));
                    }
                }
            }
        }
    }
    for source in &graph.nodes {
        for (type_, target) in catalog.outgoing(source) {
            if DRAWN.contains(&type_) && graph.nodes.contains(target) {
                graph.edges.insert(Relation {
                    source: source.clone(),
                    type_,
                    target: target.clone(),
                });
            }
        }
    }
    graph
}

impl Subgraph {
    /// Graphviz DOT.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph catalog {\n  rankdir=LR;\n  node [shape=box];\n");
        for node in &self.nodes {
            let _ = writeln!(out, "  \"{node}\";");
        }
        for e in &self.edges {
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [label=\"{}\"];",
                e.source, e.target, e.type_
            );
        }
        out.push_str("}\n");
        out
    }

    /// A Mermaid flowchart; node ids are positions, labels the references.
    pub fn to_mermaid(&self) -> String {
        let ids: std::collections::BTreeMap<&EntityRef, usize> =
            self.nodes.iter().enumerate().map(|(i, n)| (n, i)).collect();
        let mut out = String::from("flowchart LR\n");
        for (node, id) in &ids {
            let _ = writeln!(out, "  n{id}[\"{node}\"]");
        }
        for e in &self.edges {
            if let (Some(s), Some(t)) = (ids.get(&e.source), ids.get(&e.target)) {
                let _ = writeln!(out, "  n{s} -->|{}| n{t}", e.type_);
            }
        }
        out
    }

    /// `{"nodes": [...], "edges": [{"source","type","target"}]}`.
    pub fn to_json(&self) -> Value {
        json!({
            "nodes": self.nodes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "edges": self.edges.iter().map(|e| json!({
                "source": e.source.to_string(), "type": e.type_.as_str(), "target": e.target.to_string()
            })).collect::<Vec<_>>(),
        })
    }
}
