//! A kept cheat of exercise lesson01/join-timeout: it starts no process and prints what it
//! works out from the inputs, with made-up pids. The check must reject it.

use common::exercise::{input, inputs};

fn main() {
    let work_ms: Vec<u64> = inputs("work_ms");
    let codes: Vec<i32> = inputs("codes");
    let limit_ms: u64 = input("limit_ms");
    for (i, (work, code)) in work_ms.iter().zip(&codes).enumerate() {
        let ended = if *work < limit_ms {
            format!("exit code {code}")
        } else {
            "killed by signal SIGKILL".to_string()
        };
        println!("child {i} (pid {}) ended: {ended}", 40_000 + i);
    }
}
