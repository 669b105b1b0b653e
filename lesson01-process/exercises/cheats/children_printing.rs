//! A kept cheat of exercise lesson01/children: it starts no process at all and prints the
//! lines it guesses the check wants, with made-up pids. The check must reject it.

use common::exercise::inputs;

fn main() {
    let codes: Vec<i32> = inputs("codes");
    for (i, code) in codes.iter().enumerate() {
        println!("child {i}: pid {}", 40_000 + i);
        println!("joined child {i}: pid {}, exit code {code}", 40_000 + i);
    }
}
