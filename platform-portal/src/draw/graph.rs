//! The dependency map as SVG: `layout-rs` places the nodes and routes the edges (pure Rust,
//! so the portal needs no Graphviz on the server and draws the same picture everywhere);
//! this file draws what it placed, escaping every label and making each node a link.

use std::collections::HashMap;
use std::fmt::Write;

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;
use platform_catalog::query::Subgraph;

use super::svg::escape;
use crate::data::catalog::Health;

/// How one node is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeLook {
    /// The text in the box.
    pub label: String,
    /// Where a click goes.
    pub href: String,
    /// Its claim's health: the border's colour.
    pub health: Health,
    /// Its owner: the fill's colour, the same for every node of one owner.
    pub owner: String,
    /// The node the map is centred on.
    pub centre: bool,
}

/// Maps with at most this many nodes name the relation on each edge.
const LABELLED_EDGES_UP_TO: usize = 60;

/// Maps with at most this many nodes get `layout-rs`'s rank and edge-crossing optimisations;
/// on larger ones they take minutes (measured: over two minutes for 500 nodes), so those are
/// placed without them: more crossings, drawn at once.
const OPTIMISED_UP_TO: usize = 80;

/// Fill colours given to owners, light enough for black text.
const OWNER_FILLS: [&str; 8] = [
    "#e3f2fd", "#fce4ec", "#e8f5e9", "#fff3e0", "#ede7f6", "#e0f7fa", "#f9fbe7", "#efebe9",
];

fn owner_fill(owner: &str) -> &'static str {
    if owner.is_empty() {
        return "#ffffff";
    }
    // FNV-1a: a stable colour per owner across requests and processes.
    let hash = owner.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    OWNER_FILLS[(hash % OWNER_FILLS.len() as u64) as usize]
}

fn health_stroke(health: Health) -> &'static str {
    match health {
        Health::Ready => "#2e7d32",
        Health::NotReady => "#c62828",
        Health::Unknown => "#607d8b",
    }
}

/// Draws `graph` with each node's look (nodes without one are drawn plainly, unlinked).
pub fn draw(graph: &Subgraph, looks: &HashMap<String, NodeLook>) -> String {
    let mut visual = VisualGraph::new(Orientation::LeftToRight);
    let mut handles = HashMap::new();
    let mut placed = Vec::new();
    for node in &graph.nodes {
        let key = node.to_string();
        let look = looks.get(&key);
        let label = look.map_or(key.clone(), |l| l.label.clone());
        let width = 24.0 + 7.5 * label.chars().count() as f64;
        let style = StyleAttr::simple();
        let element = Element::create(
            ShapeKind::new_box(&label),
            style,
            Orientation::LeftToRight,
            Point::new(width, 40.0),
        );
        let handle = visual.add_node(element);
        handles.insert(key.clone(), handle);
        placed.push((handle, key, label));
    }
    for edge in &graph.edges {
        let (Some(&from), Some(&to)) = (
            handles.get(&edge.source.to_string()),
            handles.get(&edge.target.to_string()),
        ) else {
            continue;
        };
        // Labelled edges become nodes of their own in the layout: large maps go unlabelled.
        let label = if graph.nodes.len() <= LABELLED_EDGES_UP_TO {
            edge.type_.as_str()
        } else {
            ""
        };
        visual.add_edge(Arrow::simple(label), from, to);
    }
    let mut canvas = Canvas::default();
    if !placed.is_empty() {
        let unoptimised = placed.len() > OPTIMISED_UP_TO;
        visual.do_it(false, unoptimised, false, &mut canvas);
    }
    // Nodes are drawn again over the layout's boxes, coloured and linked.
    let mut nodes = String::new();
    for (handle, key, label) in &placed {
        let (top_left, bottom_right) = visual.pos(*handle).bbox(false);
        canvas.grow(top_left);
        canvas.grow(bottom_right);
        let (w, h) = (bottom_right.x - top_left.x, bottom_right.y - top_left.y);
        let look = looks.get(key);
        let fill = owner_fill(look.map_or("", |l| l.owner.as_str()));
        let stroke = health_stroke(look.map_or(Health::Unknown, |l| l.health));
        let width = if look.is_some_and(|l| l.centre) { 4 } else { 2 };
        let title = match look {
            Some(l) if !l.owner.is_empty() => format!("{key} (owner {})", l.owner),
            _ => key.clone(),
        };
        let shape = format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" dominant-baseline=\"middle\" font-family=\"sans-serif\" font-size=\"13\">{}</text>",
            top_left.x,
            top_left.y,
            top_left.x + w / 2.0,
            top_left.y + h / 2.0,
            escape(label)
        );
        let _ = match look {
            Some(l) => writeln!(
                nodes,
                "<a href=\"{}\" class=\"node\"><title>{}</title>{shape}</a>",
                escape(&l.href),
                escape(&title)
            ),
            None => writeln!(
                nodes,
                "<g class=\"node\"><title>{}</title>{shape}</g>",
                escape(&title)
            ),
        };
    }
    canvas.finish(&nodes)
}

/// An SVG canvas for `layout-rs`: it keeps the edges it is given (nodes are drawn by
/// [`draw`]) and the extent of everything.
#[derive(Debug, Default)]
struct Canvas {
    body: String,
    min: Option<(f64, f64)>,
    max: Option<(f64, f64)>,
}

impl Canvas {
    fn grow(&mut self, p: Point) {
        let (lx, ly) = self.min.unwrap_or((p.x, p.y));
        let (hx, hy) = self.max.unwrap_or((p.x, p.y));
        self.min = Some((lx.min(p.x), ly.min(p.y)));
        self.max = Some((hx.max(p.x), hy.max(p.y)));
    }

    fn finish(self, nodes: &str) -> String {
        let (lx, ly) = self.min.unwrap_or((0.0, 0.0));
        let (hx, hy) = self.max.unwrap_or((100.0, 40.0));
        let (x, y) = (lx - 10.0, ly - 10.0);
        let (w, h) = (hx - lx + 20.0, hy - ly + 20.0);
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{x:.1} {y:.1} {w:.1} {h:.1}\" width=\"{w:.0}\" height=\"{h:.0}\" role=\"img\" aria-label=\"Dependency map\">\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#455a64\"/></marker></defs>\n{}{nodes}</svg>\n",
            self.body
        )
    }
}

impl RenderBackend for Canvas {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        _properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        self.grow(xy);
        self.grow(Point::new(xy.x + size.x, xy.y + size.y));
    }

    fn draw_line(
        &mut self,
        start: Point,
        stop: Point,
        _look: &StyleAttr,
        _properties: Option<String>,
    ) {
        self.grow(start);
        self.grow(stop);
        let _ = writeln!(
            self.body,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#455a64\"/>",
            start.x, start.y, stop.x, stop.y
        );
    }

    fn draw_circle(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        _properties: Option<String>,
    ) {
        self.grow(xy);
        self.grow(Point::new(xy.x + size.x, xy.y + size.y));
    }

    fn draw_text(&mut self, xy: Point, text: &str, _look: &StyleAttr) {
        // Node labels are drawn by `draw`; only edge labels come here.
        self.grow(xy);
        let _ = writeln!(
            self.body,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#455a64\">{}</text>",
            xy.x,
            xy.y,
            escape(text)
        );
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        dashed: bool,
        head: (bool, bool),
        _look: &StyleAttr,
        _properties: Option<String>,
        text: &str,
    ) {
        if path.len() < 2 {
            return;
        }
        for (a, b) in path {
            self.grow(*a);
            self.grow(*b);
        }
        let mut d = format!(
            "M {:.1} {:.1} C {:.1} {:.1}, {:.1} {:.1}, {:.1} {:.1}",
            path[0].0.x,
            path[0].0.y,
            path[0].1.x,
            path[0].1.y,
            path[1].0.x,
            path[1].0.y,
            path[1].1.x,
            path[1].1.y
        );
        for (a, b) in path.iter().skip(2) {
            let _ = write!(d, " S {:.1} {:.1}, {:.1} {:.1}", a.x, a.y, b.x, b.y);
        }
        let dash = if dashed {
            " stroke-dasharray=\"5,5\""
        } else {
            ""
        };
        let start = if head.0 {
            " marker-start=\"url(#arrow)\""
        } else {
            ""
        };
        let end = if head.1 {
            " marker-end=\"url(#arrow)\""
        } else {
            ""
        };
        let _ = writeln!(
            self.body,
            "<path d=\"{d}\" fill=\"none\" stroke=\"#455a64\" stroke-width=\"1.5\"{dash}{start}{end}><title>{}</title></path>",
            escape(text)
        );
    }

    fn create_clip(&mut self, _xy: Point, _size: Point, _rounded_px: usize) -> ClipHandle {
        0
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use platform_catalog::{EntityRef, Relation, RelationType};

    use super::*;

    #[test]
    fn a_hostile_label_is_escaped_and_every_node_is_a_link() {
        let a = EntityRef::new("Component", "default", "a");
        let b = EntityRef::new("Resource", "default", "b");
        let graph = Subgraph {
            nodes: BTreeSet::from([a.clone(), b.clone()]),
            edges: BTreeSet::from([Relation {
                source: a.clone(),
                type_: RelationType::DependsOn,
                target: b.clone(),
            }]),
        };
        let looks = HashMap::from([
            (
                a.to_string(),
                NodeLook {
                    label: "<script>x</script>".into(),
                    href: "/catalog/component/default/a".into(),
                    health: Health::NotReady,
                    owner: "group:default/t".into(),
                    centre: true,
                },
            ),
            (
                b.to_string(),
                NodeLook {
                    label: "b".into(),
                    href: "/catalog/resource/default/b\"onload=\"x".into(),
                    health: Health::Ready,
                    owner: String::new(),
                    centre: false,
                },
            ),
        ]);
        let svg = draw(&graph, &looks);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(svg.contains("href=\"/catalog/component/default/a\""));
        assert!(svg.contains("b&quot;onload=&quot;x"));
        assert_eq!(svg.matches("<a href=").count(), 2);
        assert!(svg.contains("<path"), "the edge is drawn");
    }

    #[test]
    fn an_empty_map_is_still_an_svg() {
        let svg = draw(&Subgraph::default(), &HashMap::new());
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }
}
