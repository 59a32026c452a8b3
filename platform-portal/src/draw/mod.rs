//! Pictures drawn on the server as SVG: the dependency map and the metrics' charts.

pub mod chart;
pub mod graph;
mod svg;

/// `text` escaped for HTML and SVG, text and double-quoted attributes alike.
pub fn escape_html(text: &str) -> String {
    svg::escape(text)
}
