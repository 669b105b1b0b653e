//! The queue carries a user-defined struct from child processes to their parent, and it
//! arrives equal. No libtest harness: forking needs a single-threaded process.

use std::time::Duration;

use lesson01_process::start::fork_child;
use lesson02_queue::Queue;
use serde::{Deserialize, Serialize};

/// A struct of our own, with a `String` and a `Vec`: what a pickled object would be in Python.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    customer: String,
    items: Vec<u64>,
    paid: bool,
}

/// What worker `worker` sends: small orders, then one larger than `PIPE_BUF`, which is
/// written under the queue's write lock.
fn orders_of(worker: u64) -> Vec<Order> {
    let mut orders: Vec<Order> = (0..200)
        .map(|i| Order {
            customer: format!("customer {worker}-{i} «ünïcode»"),
            items: (0..i % 7)
                .map(|item| item * worker + u64::MAX / 3)
                .collect(),
            paid: i % 2 == 0,
        })
        .collect();
    orders.push(Order {
        customer: format!("big customer {worker}-{}", "x".repeat(10_000)),
        items: (0..5_000).collect(),
        paid: true,
    });
    orders
}

fn main() {
    let mut queue = Queue::<Order>::new().expect("a queue");
    let workers: Vec<_> = (1..=2)
        .map(|worker| {
            fork_child(|| {
                let sent = orders_of(worker)
                    .iter()
                    .try_for_each(|order| queue.put(order));
                i32::from(sent.is_err())
            })
            .expect("a worker process")
        })
        .collect();
    let mut got = Vec::new();
    for _ in 0..2 * orders_of(1).len() {
        let order = queue
            .get_timeout(Duration::from_secs(30))
            .expect("every frame decodes")
            .expect("the workers keep sending");
        got.push(order);
    }
    for mut worker in workers {
        let status = worker.wait().expect("wait");
        assert!(status.success(), "worker {}: {status}", worker.pid());
    }
    // The two workers' orders interleave; each worker's arrive equal and in its order.
    for worker in 1..=2 {
        let from_worker: Vec<Order> = got
            .iter()
            .filter(|order| {
                order.customer.starts_with(&format!("customer {worker}-"))
                    || order
                        .customer
                        .starts_with(&format!("big customer {worker}-"))
            })
            .cloned()
            .collect();
        assert_eq!(from_worker, orders_of(worker), "worker {worker}'s orders");
    }
    println!(
        "struct_between_processes: 2 × {} orders arrived equal",
        orders_of(1).len()
    );
}
