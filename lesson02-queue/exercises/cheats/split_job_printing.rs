//! A kept cheat of exercise lesson02/split-job: it starts no process and prints the lines it
//! works out from the inputs with the closed form, with made-up pids. The check must reject
//! it.

use common::exercise::input;
use common::job_closed_form;

fn main() -> anyhow::Result<()> {
    let n: u64 = input("n");
    let workers: u64 = input("workers");
    let job = |end| job_closed_form(end).ok_or_else(|| anyhow::anyhow!("too large"));
    for w in 0..workers {
        let (start, end) = (w * n / workers, (w + 1) * n / workers);
        let sum = job(end)? - job(start)?;
        println!(
            "worker {w}: pid {}, i in {start}..{end}, sum {sum}",
            40_000 + w
        );
    }
    println!("total: {}", job(n)?);
    Ok(())
}
