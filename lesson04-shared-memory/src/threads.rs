//! Part 3, the same program with threads (`--threads` runs it alone). They share one address
//! space, so a global is shared as it is, and `Arc` shares the rest: no segment, no name,
//! nothing to remove.

use std::sync::atomic::AtomicI32;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use anyhow::Context;
use common::pyfmt::{PyFloat, py_list};

use crate::isolation::COUNTER;

pub fn run() -> anyhow::Result<()> {
    println!();
    println!("3. The same program with threads: one address space, no segment to name or remove");
    let value = Arc::new(Mutex::new(1.0_f64));
    let array: Arc<[AtomicI32]> = Arc::new([1, 2, 3].map(AtomicI32::new));
    println!(
        "main:   before the thread: {}  (Arc<Mutex<f64>>, Arc<[AtomicI32]>)",
        show(&value, &array)
    );
    // `Builder::spawn`, not `thread::spawn`: a thread the system cannot create (too many
    // processes, too little memory) is an error to report, not a panic.
    let worker = thread::Builder::new()
        .spawn({
            let (value, array) = (Arc::clone(&value), Arc::clone(&array));
            move || {
                COUNTER.store(100, SeqCst);
                *value.lock().unwrap_or_else(PoisonError::into_inner) += 1.5;
                for item in array.iter() {
                    let number = item.load(SeqCst);
                    item.store(number.wrapping_mul(number), SeqCst);
                }
            }
        })
        .context("cannot start the thread")?;
    worker
        .join()
        .map_err(|_| anyhow::anyhow!("the thread panicked"))?;
    println!("main:   after joining it:  {}", show(&value, &array));
    println!(
        "main:   COUNTER = {}: the thread changed the one and only global",
        COUNTER.load(SeqCst)
    );
    println!(
        "threads share everything, any type, with nothing to clean up; processes share only the plain numbers you put in a segment, and cannot corrupt each other's other memory"
    );
    Ok(())
}

/// The value and the array as Python's `print(value.value, array[:])` writes them.
fn show(value: &Mutex<f64>, array: &[AtomicI32]) -> String {
    let number = *value.lock().unwrap_or_else(PoisonError::into_inner);
    let items = array.iter().map(|item| item.load(SeqCst));
    format!("{} {}", PyFloat(number), py_list(items))
}
