//! One way and both ways at once, taking turns, each transfer checked before its time is kept.

use std::time::Duration;

use common::timing::{Summary, time};

use super::plan::Plan;
use super::stream::{Direction, Received, check};
use super::{processes, threads};
use crate::port::Port;

/// Threads or processes for the writers and readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workers {
    Threads,
    Processes,
}

impl Workers {
    pub fn name(self) -> &'static str {
        match self {
            Workers::Threads => "threads",
            Workers::Processes => "processes",
        }
    }
}

/// The two ends of a fresh pty.
#[derive(Debug)]
pub struct Ends {
    master: Port,
    slave: Port,
}

impl Ends {
    /// The writer's end and the reader's end for `direction`.
    pub fn of(&self, direction: Direction) -> (&Port, &Port) {
        match direction {
            Direction::MasterToSlave => (&self.master, &self.slave),
            Direction::SlaveToMaster => (&self.slave, &self.master),
        }
    }
}

/// One transfer through a fresh pair: a writer and a reader per direction, all at once.
pub fn transfer(
    workers: Workers,
    both_ways: bool,
    bytes: u64,
    block: &[u8],
    pace: Option<f64>,
) -> anyhow::Result<Vec<Received>> {
    let (master, slave) = Port::pair()?;
    let ends = Ends { master, slave };
    match workers {
        Workers::Threads => threads::transfer(&ends, both_ways, bytes, block, pace),
        Workers::Processes => processes::transfer(&ends, both_ways, bytes, block, pace),
    }
}

/// Bytes per second one way and each way with both at once.
#[derive(Debug, Clone, Copy)]
pub struct Rates {
    pub one_way: f64,
    pub both_each: f64,
}

impl Rates {
    /// What both directions at once carried, in units of one direction alone.
    pub fn total_ratio(&self) -> f64 {
        2.0 * self.both_each / self.one_way
    }
}

/// One way and both ways at once, `runs` times each, taking turns so that a change in the
/// machine's load between runs falls on both alike. Each transfer is checked before its time
/// is kept; the medians come back as bytes per second, each way.
pub fn measure(workers: Workers, plan: &Plan, block: &[u8]) -> anyhow::Result<Rates> {
    let (bytes, runs, pace) = (plan.bytes, plan.runs, plan.bytes_per_s());
    let mut one_way = Vec::with_capacity(runs);
    let mut both_ways = Vec::with_capacity(runs);
    for _ in 0..runs {
        for (both, samples) in [(false, &mut one_way), (true, &mut both_ways)] {
            let timed = time(|| transfer(workers, both, bytes, block, pace))
                .succeeded()?
                .check(|received| check(std::slice::from_ref(received), bytes, both))?;
            samples.push(*timed.time());
        }
    }
    let rate = |samples: Vec<Duration>| -> f64 {
        let summary = Summary::of(samples).expect("at least one run");
        bytes as f64 / summary.median.as_secs_f64()
    };
    Ok(Rates {
        one_way: rate(one_way),
        both_each: rate(both_ways),
    })
}

#[cfg(test)]
mod tests {
    use super::super::stream::{PERIOD, pattern_block};
    use super::*;

    #[test]
    fn threads_move_every_byte_both_ways_and_the_check_sees_a_wrong_one() {
        let block = pattern_block();
        let bytes = 3 * PERIOD as u64 + 17;
        let results = vec![transfer(Workers::Threads, true, bytes, &block, None).expect("runs")];
        assert_eq!(check(&results, bytes, true), Ok(()));
        let mut wrong = transfer(Workers::Threads, false, bytes, &block, None).expect("runs");
        wrong[0].first_wrong = Some(99);
        let err = check(&[wrong], bytes, false).expect_err("a wrong byte");
        assert!(err.contains("byte 99 differs"), "{err}");
    }
}
