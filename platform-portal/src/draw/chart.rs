//! Charts of the metrics dashboard, drawn with `plotters` into SVG text.

use plotters::prelude::*;

use crate::data::metrics::Week;

/// Deployments per week, failed ones in red, as an SVG document.
pub fn deployments_per_week(weeks: &[Week]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 260)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let top = weeks
            .iter()
            .map(|w| w.deployments)
            .max()
            .unwrap_or(0)
            .max(1) as u32;
        let mut chart = ChartBuilder::on(&root)
            .caption("Deployments per week", ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(
                (0u32..weeks.len().max(1) as u32).into_segmented(),
                0u32..top + 1,
            )
            .map_err(|e| e.to_string())?;
        let label = |i: &SegmentValue<u32>| match i {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => weeks
                .get(*i as usize)
                .map(|w| w.start[5..].to_owned())
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(weeks.len().clamp(1, 7))
            .x_label_formatter(&label)
            .y_desc("deployments")
            .draw()
            .map_err(|e| e.to_string())?;
        let bars = |failed: bool| {
            weeks.iter().enumerate().map(move |(i, w)| {
                let value = if failed { w.failed } else { w.deployments } as u32;
                let colour = if failed { RED.mix(0.8) } else { BLUE.mix(0.5) };
                Rectangle::new(
                    [
                        (SegmentValue::Exact(i as u32), 0),
                        (SegmentValue::Exact(i as u32 + 1), value),
                    ],
                    colour.filled(),
                )
            })
        };
        chart.draw_series(bars(false)).map_err(|e| e.to_string())?;
        chart.draw_series(bars(true)).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}
