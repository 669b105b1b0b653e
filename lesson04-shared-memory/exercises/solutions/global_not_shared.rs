//! Reference solution of exercise lesson04/global-not-shared. Try the exercise first!

use lesson01_process::start::fork_child;
use lesson04_shared_memory::Value;

fn main() -> anyhow::Result<()> {
    // Created before the fork: the child's copy of `counter` maps the same segment.
    let counter = Value::<i32>::new(0)?;
    let mut child = fork_child(|| {
        for _ in 0..5 {
            counter.set(counter.get() + 1);
        }
        0
    })?;
    child.wait()?;
    println!("parent sees {}", counter.get());
    Ok(())
}
