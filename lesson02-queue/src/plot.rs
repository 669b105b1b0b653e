//! `compare --sweep --plot FILE.svg`: the sweep as a log-log chart, one line per variant.
//!
//! The file is opened before the sweep ([`PlotFile::create`]), so that a path that cannot be
//! written is refused at once instead of after minutes of measuring, and the chart is written
//! into that same open file at the end.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, ensure};
use plotters::prelude::*;

use crate::compare::Variant;
use crate::sweep::SweepRow;

const COLOURS: [RGBColor; 4] = [BLACK, BLUE, RED, RGBColor(0, 150, 0)];

/// The chart's file, open for writing from before the sweep until the chart is written.
#[derive(Debug)]
pub struct PlotFile {
    file: File,
    path: PathBuf,
    /// Whether we created it: a file we created and never wrote is removed.
    created: bool,
    written: bool,
}

impl PlotFile {
    /// Opens `path` for the chart: a new file, or an existing regular file (replaced only when
    /// the chart is written). Never through a symbolic link: a link planted at that path could
    /// otherwise point the chart at any file we may write.
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        Self::open(path).with_context(|| format!("cannot write the plot to {}", path.display()))
    }

    fn open(path: &Path) -> io::Result<Self> {
        let nofollow = nix::libc::O_NOFOLLOW;
        // O_CREAT | O_EXCL: fails on anything already there, a symbolic link included.
        let created = OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(nofollow)
            .open(path);
        let (file, created) = match created {
            Ok(file) => (file, true),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                // O_NONBLOCK: a FIFO without a reader fails instead of blocking the lesson.
                let opened = OpenOptions::new()
                    .write(true)
                    .custom_flags(nofollow | nix::libc::O_NONBLOCK)
                    .open(path);
                let file = opened.map_err(|err| match err.raw_os_error() {
                    Some(nix::libc::ELOOP) => io::Error::new(
                        err.kind(),
                        "it is a symbolic link, which the plot is never written through",
                    ),
                    _ => err,
                })?;
                if !file.metadata()?.is_file() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "it is not a regular file",
                    ));
                }
                (file, false)
            }
            Err(err) => return Err(err),
        };
        Ok(Self {
            file,
            path: path.to_path_buf(),
            created,
            written: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the file's content with `svg`.
    fn write(&mut self, svg: &str) -> io::Result<()> {
        self.file.set_len(0)?;
        self.file.write_all(svg.as_bytes())?;
        self.file.flush()?;
        self.written = true;
        Ok(())
    }
}

impl Drop for PlotFile {
    fn drop(&mut self) {
        if self.created && !self.written {
            // Best effort: the sweep failed, and an empty file would only mislead.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Draws time against n on log-log axes into `file`, an SVG document.
pub fn draw(file: &mut PlotFile, rows: &[SweepRow], workers: usize) -> anyhow::Result<()> {
    let mut svg = String::new();
    render(&mut svg, rows, workers)?;
    file.write(&svg)
        .with_context(|| format!("cannot write {}", file.path().display()))
}

fn render(svg: &mut String, rows: &[SweepRow], workers: usize) -> anyhow::Result<()> {
    ensure!(!rows.is_empty(), "nothing to plot");
    let seconds = rows
        .iter()
        .flat_map(|(_, medians)| medians.iter().map(|(_, time)| time.as_secs_f64()));
    let (low, high) = seconds.fold((f64::MAX, 0f64), |(low, high), s| (low.min(s), high.max(s)));
    let first_n = rows[0].0 as f64;
    let last_n = rows[rows.len() - 1].0 as f64;

    let root = SVGBackend::with_string(svg, (900, 600)).into_drawing_area();
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
    root.present().context("cannot finish the chart")?;
    Ok(())
}
