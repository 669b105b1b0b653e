//! A task that panics: its handle's `get()` hands the panic back as an error, as Python's
//! `get()` re-raises the task's exception, and the pool carries on.

use crate::job;
use crate::pool::Pool;

pub fn show(pool: &Pool) -> anyhow::Result<()> {
    println!(
        "4. a task that panics: get() hands the panic back as an error, as Python's get() re-raises the task's exception"
    );
    let failing = pool.apply_async(|| -> u64 { panic!("job(5) panicked on purpose") });
    match failing.get() {
        Ok(value) => anyhow::bail!("the panicking task returned {value}"),
        Err(err) => println!("   get() -> error: {err}"),
    }
    let after = pool.apply_async(|| job(3)).get()?;
    println!(
        "   the pool is unharmed: pool.apply_async(job, (3,)).get() -> {after}; a panic is caught per task, but nothing catches a task that kills the whole process (see --isolation)"
    );
    Ok(())
}
