//! A workers sweep: the same job timed with 1, 2, ... workers, to find the pool size that
//! pays off best (the notes' 其他思考 1: how many processes?). Lesson 2 sweeps its variants,
//! lesson 3 its pool sizes, with this one piece of code.

use std::time::Duration;

/// One way to run the job, timed for a given number of workers.
pub struct Column<'a> {
    pub name: String,
    /// Runs the job with that many workers, checks its result, and returns the median time.
    /// Build it from [`crate::timing::time_runs`] and `check`, so an unchecked run never
    /// reaches the table.
    #[allow(clippy::type_complexity)]
    pub measure: Box<dyn FnMut(usize) -> anyhow::Result<Duration> + 'a>,
}

impl std::fmt::Debug for Column<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Column").field("name", &self.name).finish()
    }
}

/// What a speedup is measured against.
#[derive(Debug, Clone, Copy)]
pub enum Baseline {
    /// A fixed time, e.g. the job run with no workers at all.
    Fixed(Duration),
    /// Each column's own time with the first worker count of the sweep.
    FirstRow,
}

/// The sweep's times: `times[column][row]` for `workers[row]` workers.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub workers: Vec<usize>,
    pub names: Vec<String>,
    pub times: Vec<Vec<Duration>>,
    pub baseline: Baseline,
}

/// Times every column for every worker count in `workers`; `progress` is called after each
/// measurement (for a progress bar).
pub fn workers_sweep(
    workers: impl IntoIterator<Item = usize>,
    mut columns: Vec<Column<'_>>,
    baseline: Baseline,
    mut progress: impl FnMut(),
) -> anyhow::Result<Sweep> {
    let workers: Vec<usize> = workers.into_iter().collect();
    let mut times = vec![Vec::with_capacity(workers.len()); columns.len()];
    for &count in &workers {
        for (column, column_times) in columns.iter_mut().zip(&mut times) {
            column_times.push((column.measure)(count)?);
            progress();
        }
    }
    Ok(Sweep {
        workers,
        names: columns.into_iter().map(|column| column.name).collect(),
        times,
        baseline,
    })
}

impl Sweep {
    /// Speedup of `column` at `row` over the baseline (above 1: faster).
    pub fn speedup(&self, column: usize, row: usize) -> f64 {
        let base = match self.baseline {
            Baseline::Fixed(time) => time,
            Baseline::FirstRow => self.times[column][0],
        };
        base.as_secs_f64() / self.times[column][row].as_secs_f64()
    }

    /// The worker count with the shortest time in `column`; the smaller count on a tie within
    /// 3 %, since a worker that does not help is a worker wasted.
    pub fn best(&self, column: usize) -> usize {
        let times = &self.times[column];
        let fastest = times.iter().min().copied().unwrap_or_default();
        let within = fastest.mul_f64(1.03);
        let row = times.iter().position(|time| *time <= within).unwrap_or(0);
        self.workers[row]
    }

    /// The table, one row per worker count: each column's time in seconds and its speedup.
    pub fn table(&self) -> String {
        let mut out = format!("{:>7}", "workers");
        for name in &self.names {
            out += &format!("  {name:>22}");
        }
        out.push('\n');
        for (row, count) in self.workers.iter().enumerate() {
            out += &format!("{count:>7}");
            for column in 0..self.names.len() {
                let cell = format!(
                    "{:>9} {:>5.2}x",
                    crate::timing::human(self.times[column][row]),
                    self.speedup(column, row)
                );
                out += &format!("  {cell:>22}");
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake(name: &str, millis: &'static [u64]) -> Column<'static> {
        Column {
            name: name.to_string(),
            measure: Box::new(move |workers| Ok(Duration::from_millis(millis[workers - 1]))),
        }
    }

    #[test]
    fn best_is_the_fewest_workers_within_three_percent_of_the_fastest() {
        let sweep = workers_sweep(
            1..=4,
            vec![
                fake("cpu", &[100, 52, 51, 60]),
                fake("io", &[100, 50, 25, 13]),
            ],
            Baseline::FirstRow,
            || {},
        )
        .expect("fake columns never fail");
        assert_eq!(sweep.best(0), 2, "51 ms is within 3 % of 52 ms");
        assert_eq!(sweep.best(1), 4);
        assert!((sweep.speedup(1, 3) - 100.0 / 13.0).abs() < 1e-9);
        let table = sweep.table();
        assert_eq!(table.lines().count(), 5, "{table}");
        assert!(
            table
                .lines()
                .nth(4)
                .expect("row 4")
                .contains("13.0 ms  7.69x"),
            "{table}"
        );
    }

    #[test]
    fn speedups_against_a_fixed_baseline() {
        let sweep = workers_sweep(
            1..=2,
            vec![fake("threads", &[100, 50])],
            Baseline::Fixed(Duration::from_millis(200)),
            || {},
        )
        .expect("fake columns never fail");
        assert!((sweep.speedup(0, 0) - 2.0).abs() < 1e-9);
        assert!((sweep.speedup(0, 1) - 4.0).abs() < 1e-9);
    }

    #[test]
    fn progress_is_reported_once_per_measurement() {
        let mut calls = 0;
        workers_sweep(
            1..=3,
            vec![fake("a", &[1, 2, 3]), fake("b", &[1, 2, 3])],
            Baseline::FirstRow,
            || calls += 1,
        )
        .expect("fake columns never fail");
        assert_eq!(calls, 6);
    }
}
