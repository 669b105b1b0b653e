//! Timing helpers for every lesson that measures.
//!
//! The rule they enforce: a time is printed only after its result was checked. [`time`] and
//! [`time_runs`] hand back an [`Unchecked`] value whose time cannot be read; only
//! [`Unchecked::check`] (or [`Unchecked::expect`]) turns it into a [`Checked`] one that shows its
//! time, so a wrong answer never gets a speed. (rayon-demo's `measure()` asserts its prime count
//! before printing a speedup for the same reason.)
//!
//! A run that *failed* (a fork refused, a pipe that could not be made) gave no answer at all:
//! [`Unchecked::succeeded`] and [`Unchecked::all_succeeded`] hand back its own error, so that it
//! is reported as what it is, never as a wrong result.

use std::fmt;
use std::time::{Duration, Instant};

use crate::pyfmt::PyFloat;

/// `"release build"` or `"debug build"`: printed next to every time.
pub const BUILD: &str = if cfg!(debug_assertions) {
    "debug build"
} else {
    "release build"
};

/// A warning to print before any figure when this is a debug build, whose times mean little.
pub fn debug_build_warning() -> Option<&'static str> {
    cfg!(debug_assertions).then_some(
        "warning: this is a debug build: its times mean little (unoptimised code); add --release to cargo run",
    )
}

/// Measures wall-clock time from when it was started, like the notes' `st = time.time()`.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch(Instant);

impl Stopwatch {
    pub fn start() -> Self {
        Self(Instant::now())
    }

    pub fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }
}

/// Seconds as the notes print them: `time.time() - st` is a float, shown by `repr`
/// (`0.6419057846069336`).
pub fn secs(elapsed: Duration) -> PyFloat {
    PyFloat(elapsed.as_secs_f64())
}

/// Milliseconds with three decimals, for latencies (`0.153`).
pub fn ms(elapsed: Duration) -> String {
    format!("{:.3}", elapsed.as_secs_f64() * 1e3)
}

/// A duration in the unit that suits it, with three significant digits: `231 ns`, `3.57 ms`,
/// `1.20 s`. For tables whose times span many orders of magnitude.
pub fn human(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    let (value, unit) = match seconds {
        s if s < 1e-6 => (s * 1e9, "ns"),
        s if s < 1e-3 => (s * 1e6, "µs"),
        s if s < 1.0 => (s * 1e3, "ms"),
        s => (s, "s"),
    };
    let decimals = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.decimals$} {unit}")
}

/// Minimum, median and maximum of several timed runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub runs: usize,
    pub min: Duration,
    pub median: Duration,
    pub max: Duration,
}

impl Summary {
    /// Summarises the samples; `None` when there are none.
    pub fn of(mut samples: Vec<Duration>) -> Option<Self> {
        samples.sort_unstable();
        let runs = samples.len();
        let middle = runs.checked_sub(1)? / 2;
        // An even count takes the mean of the two middle samples, as Python's statistics.median.
        let median = if runs.is_multiple_of(2) {
            (samples[middle] + samples[middle + 1]) / 2
        } else {
            samples[middle]
        };
        Some(Self {
            runs,
            min: samples[0],
            median,
            max: samples[runs - 1],
        })
    }
}

/// A result and the time it took, before anyone checked the result. Its time is private on
/// purpose: call [`check`](Self::check) or [`expect`](Self::expect) to get a [`Checked`].
#[derive(Debug)]
#[must_use = "a timing is worth nothing until its result is checked"]
pub struct Unchecked<T, M = Duration> {
    value: T,
    time: M,
}

/// A result that was checked, with the time it took.
#[derive(Debug, Clone)]
pub struct Checked<T, M = Duration> {
    value: T,
    time: M,
}

/// A timed result that failed its check; its time is thrown away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongResult(pub String);

impl fmt::Display for WrongResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wrong result, so no time is printed: {}", self.0)
    }
}

impl std::error::Error for WrongResult {}

/// Runs `work` once and times it.
pub fn time<T>(work: impl FnOnce() -> T) -> Unchecked<T> {
    let stopwatch = Stopwatch::start();
    let value = work();
    let time = stopwatch.elapsed();
    Unchecked { value, time }
}

/// Runs `work` `runs` times, timing each run; the results are kept in order for the check.
///
/// # Panics
/// If `runs` is 0: there would be nothing to summarise. Callers validate user input first.
pub fn time_runs<T>(runs: usize, mut work: impl FnMut() -> T) -> Unchecked<Vec<T>, Summary> {
    assert!(runs > 0, "time_runs needs at least one run");
    let mut values = Vec::with_capacity(runs);
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let timed = time(&mut work);
        values.push(timed.value);
        samples.push(timed.time);
    }
    let time = Summary::of(samples).expect("runs > 0");
    Unchecked {
        value: values,
        time,
    }
}

impl<T, M> Unchecked<T, M> {
    /// The result, to look at before deciding whether it is right.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// Keeps the time only if `verify` accepts the result.
    pub fn check(
        self,
        verify: impl FnOnce(&T) -> Result<(), String>,
    ) -> Result<Checked<T, M>, WrongResult> {
        verify(&self.value).map_err(WrongResult)?;
        Ok(Checked {
            value: self.value,
            time: self.time,
        })
    }

    /// Keeps the time only if the result equals `expected`.
    pub fn expect(self, expected: &T) -> Result<Checked<T, M>, WrongResult>
    where
        T: PartialEq + fmt::Debug,
    {
        self.check(|value| {
            if value == expected {
                Ok(())
            } else {
                Err(format!("expected {expected:?}, got {value:?}"))
            }
        })
    }
}

impl<T, E, M> Unchecked<Result<T, E>, M> {
    /// The run's result to check, or, if the run failed, its error as it is: a failure is not
    /// a wrong result.
    pub fn succeeded(self) -> Result<Unchecked<T, M>, E> {
        Ok(Unchecked {
            value: self.value?,
            time: self.time,
        })
    }
}

impl<T, E, M> Unchecked<Vec<Result<T, E>>, M> {
    /// Every run's result to check, or the first failed run's error as it is: a failure is not
    /// a wrong result.
    pub fn all_succeeded(self) -> Result<Unchecked<Vec<T>, M>, E> {
        Ok(Unchecked {
            value: self.value.into_iter().collect::<Result<_, _>>()?,
            time: self.time,
        })
    }
}

impl<T, M> Checked<T, M> {
    pub fn value(&self) -> &T {
        &self.value
    }

    pub fn time(&self) -> &M {
        &self.time
    }

    pub fn into_value(self) -> T {
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_result_loses_its_time() {
        let timed = time(|| 2 + 2);
        assert_eq!(timed.value(), &4);
        let wrong = timed.expect(&5).expect_err("4 is not 5");
        assert_eq!(
            wrong.to_string(),
            "wrong result, so no time is printed: expected 5, got 4"
        );
        let right = time(|| 2 + 2).expect(&4).expect("4 is 4");
        assert_eq!(right.value(), &4);
    }

    #[test]
    fn a_failed_run_is_its_own_error_not_a_wrong_result() {
        let failed = time(|| Err::<u32, _>("fork failed: EAGAIN"));
        assert_eq!(failed.succeeded().map(|_| ()), Err("fork failed: EAGAIN"));
        let ran = time(|| Ok::<_, &str>(4)).succeeded().expect("it ran");
        assert_eq!(ran.expect(&4).map(|checked| *checked.value()), Ok(4));
        let mut calls = 0;
        let runs = time_runs(3, || {
            calls += 1;
            if calls == 2 {
                Err(format!("run {calls} failed"))
            } else {
                Ok(calls)
            }
        });
        assert_eq!(
            runs.all_succeeded().map(|_| ()),
            Err("run 2 failed".to_string())
        );
        let all = time_runs(2, || Ok::<_, String>(1))
            .all_succeeded()
            .expect("all ran");
        assert_eq!(all.value(), &[1, 1]);
    }

    #[test]
    fn time_runs_keeps_every_result_and_summarises_every_run() {
        let mut calls = 0;
        let timed = time_runs(7, || {
            calls += 1;
            calls
        });
        let checked = timed
            .check(|values| {
                (values == &[1, 2, 3, 4, 5, 6, 7])
                    .then_some(())
                    .ok_or_else(|| format!("{values:?}"))
            })
            .expect("each run's result, in order");
        let summary = checked.time();
        assert_eq!(summary.runs, 7);
        assert!(summary.min <= summary.median && summary.median <= summary.max);
    }

    #[test]
    fn summary_median_is_the_middle_or_mean_of_the_two_middles() {
        let ms = Duration::from_millis;
        let odd = Summary::of(vec![ms(9), ms(1), ms(5)]).expect("samples");
        assert_eq!((odd.min, odd.median, odd.max), (ms(1), ms(5), ms(9)));
        let even = Summary::of(vec![ms(4), ms(1), ms(2), ms(10)]).expect("samples");
        assert_eq!(even.median, ms(3));
        assert_eq!(Summary::of(Vec::new()), None);
    }

    #[test]
    fn seconds_print_like_python_floats() {
        assert_eq!(secs(Duration::from_millis(1500)).to_string(), "1.5");
        assert_eq!(secs(Duration::from_secs(2)).to_string(), "2.0");
        assert_eq!(ms(Duration::from_micros(153)), "0.153");
        assert_eq!(human(Duration::from_nanos(231)), "231 ns");
        assert_eq!(human(Duration::from_nanos(3_571_000)), "3.57 ms");
        assert_eq!(human(Duration::from_micros(45_500)), "45.5 ms");
        assert_eq!(human(Duration::from_millis(1_200)), "1.20 s");
    }

    #[test]
    fn build_kind_matches_the_profile() {
        assert_eq!(BUILD == "debug build", cfg!(debug_assertions));
        assert_eq!(debug_build_warning().is_some(), cfg!(debug_assertions));
    }
}
