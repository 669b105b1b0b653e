//! A kept cheat of exercise lesson02/drain-first: it starts no process and prints the lines
//! it works out from the inputs, with made-up pids. The check must reject it.

use common::exercise::input;

fn main() {
    let workers: u8 = input("workers");
    let payload: usize = input("payload");
    for w in 0..workers {
        println!("got {payload} bytes from worker {w}");
    }
    for w in 0..workers {
        println!(
            "joined worker {w}: pid {}, exit code 0",
            40_000 + u32::from(w)
        );
    }
}
