//! The notes' pool program in Rust: a pool of worker threads squares numbers with `map`, with
//! one `apply_async`, then with a list of ten `apply_async` handles. Notes: 进程池pool

use common::pyfmt::py_list;

use crate::{AsyncResult, Pool};

pub fn job(x: u64) -> u64 {
    x * x
}

/// The notes' `multicore()`; their pool has 2 processes.
pub fn multicore(processes: usize) -> anyhow::Result<()> {
    let pool = Pool::new(processes)?;
    println!("{}", py_list(pool.map(job, 0..10)?));
    let handle = pool.apply_async(|| job(2));
    println!("{}", handle.get()?);
    let handles: Vec<AsyncResult<u64>> =
        (0..10).map(|x| pool.apply_async(move || job(x))).collect();
    let results: Result<Vec<u64>, _> = handles.into_iter().map(|handle| handle.get()).collect();
    println!("{}", py_list(results?));
    Ok(())
}
