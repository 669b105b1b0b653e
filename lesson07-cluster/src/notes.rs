//! The notes' queue program (Queue进程输出) over processes that may sit on several machines:
//! each worker computes `job`, the results go to worker 0 (the one place that adds them), which
//! prints the total. timely-dataflow's `exchange` is the queue; `cluster::execute` is the
//! processes' start and join.

use std::cell::RefCell;
use std::hint::black_box;
use std::rc::Rc;

use timely::dataflow::operators::vec::ToStream;
use timely::dataflow::operators::{Exchange, Inspect};

use crate::cluster::{self, Cluster};

fn job() -> u128 {
    let mut res = 0;
    for i in (0..1000u128).map(black_box) {
        res += i + i.pow(2) + i.pow(3);
    }
    res
}

pub fn main(cluster: &Cluster) -> anyhow::Result<()> {
    cluster::execute(cluster, |worker| {
        let queue = Rc::new(RefCell::new(Vec::new()));
        let put = Rc::clone(&queue);
        worker.dataflow::<u64, _, _>(|scope| {
            vec![job()]
                .to_stream(scope)
                .exchange(|_| 0)
                .inspect(move |res| put.borrow_mut().push(*res));
        });
        while worker.step() {}
        if worker.index() == 0 {
            let total: u128 = queue.borrow().iter().sum();
            println!("{total}");
        }
    })?;
    Ok(())
}
