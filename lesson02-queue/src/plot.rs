//! `compare --sweep --plot FILE.svg`: the sweep as a log-log chart, one line per variant.

use std::path::Path;

use anyhow::{Context, ensure};
use plotters::prelude::*;

use crate::compare::Variant;
use crate::sweep::SweepRow;

const COLOURS: [RGBColor; 4] = [BLACK, BLUE, RED, RGBColor(0, 150, 0)];

/// Draws time against n on log-log axes to an SVG file.
pub fn draw(path: &Path, rows: &[SweepRow], workers: usize) -> anyhow::Result<()> {
    ensure!(!rows.is_empty(), "nothing to plot");
    let seconds = rows
        .iter()
        .flat_map(|(_, medians)| medians.iter().map(|(_, time)| time.as_secs_f64()));
    let (low, high) = seconds.fold((f64::MAX, 0f64), |(low, high), s| (low.min(s), high.max(s)));
    let first_n = rows[0].0 as f64;
    let last_n = rows[rows.len() - 1].0 as f64;

    let root = SVGBackend::new(path, (900, 600)).into_drawing_area();
    root.fill(&WHITE).context("cannot draw")?;
    let caption = format!(
        "2 × job(n) with {workers} workers: time against n ({})",
        common::timing::BUILD
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 24))
        .margin(30)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(
            (first_n..last_n.max(first_n * 10.0)).log_scale(),
            (low / 2.0..high * 2.0).log_scale(),
        )
        .context("cannot lay out the chart")?;
    chart
        .configure_mesh()
        .x_desc("n (loop length)")
        .y_desc("time (seconds, median)")
        .x_label_formatter(&|n| format!("{n:.0e}"))
        .y_label_formatter(&|seconds| format!("{seconds:.0e}"))
        .draw()
        .context("cannot draw the axes")?;
    for (index, variant) in Variant::ALL.iter().enumerate() {
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter_map(|(n, medians)| {
                let (_, time) = medians.iter().find(|(v, _)| v == variant)?;
                Some((*n as f64, time.as_secs_f64()))
            })
            .collect();
        let colour = COLOURS[index % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
            .context("cannot draw a line")?
            .label(variant.name())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
        chart
            .draw_series(
                points
                    .into_iter()
                    .map(|point| Circle::new(point, 3, colour.filled())),
            )
            .context("cannot draw the points")?;
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .context("cannot draw the legend")?;
    root.present()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
