//! The default run: the notes' work, `2 × job(n)` (two workers, `job(n)` each), cut into one
//! slice of `0..n` per worker; each worker loops over its slice twice, the parts go to worker 0
//! with who computed them, and worker 0 prints them and the total, checked against the closed
//! form.

use std::cell::RefCell;
use std::rc::Rc;

use anyhow::ensure;
use lesson02_queue::compare::{expected, split};
use timely::dataflow::operators::vec::ToStream;
use timely::dataflow::operators::{Exchange, Inspect};

use crate::cluster::{self, Cluster};

/// One worker's part: (worker, process, pid, slice start, slice end, 2 × job(slice)).
type Part = (usize, usize, u32, u64, u64, u128);

/// Runs this process's workers; worker 0 (in process 0) prints every part and the total.
pub fn process(cluster: &Cluster, n: u64) -> anyhow::Result<()> {
    let expected_total = expected(n)?;
    let addresses = cluster.addresses.clone();
    let threads = cluster.threads;
    let results = cluster::execute(cluster, move |worker| -> anyhow::Result<()> {
        let index = worker.index();
        let slice = split(n, worker.peers())[index].clone();
        let part = common::job_range(slice.clone())? + common::job_range(slice.clone())?;
        let row: Part = (
            index,
            index / threads,
            std::process::id(),
            slice.start,
            slice.end,
            part,
        );
        let parts = Rc::new(RefCell::new(Vec::new()));
        let received = Rc::clone(&parts);
        worker.dataflow::<u64, _, _>(|scope| {
            vec![row]
                .to_stream(scope)
                .exchange(|_| 0)
                .inspect(move |part| received.borrow_mut().push(*part));
        });
        while worker.step() {}
        if index == 0 {
            let mut parts = parts.borrow().clone();
            parts.sort();
            for (worker, process, pid, start, end, part) in &parts {
                println!(
                    "worker {worker} in process {process} (pid {pid}, {}): 2 × job({start}..{end}) = {part}",
                    addresses[*process]
                );
            }
            let total: u128 = parts.iter().map(|part| part.5).sum();
            ensure!(
                total == expected_total,
                "the parts add up to {total}, but 2 × job({n}) is {expected_total}"
            );
            println!("total: {total}  (2 × job({n}), checked against the closed form)");
        }
        Ok(())
    })?;
    results.into_iter().collect()
}
