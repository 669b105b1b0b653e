//! A kept cheat of exercise lesson05/recover: no worker, no lock; it prints the lines the check
//! wants, computed from the inputs, with a made-up pid. The check must reject it.

use common::exercise::input;

fn main() {
    let left: i32 = input("left");
    let adds: i32 = input("adds");
    println!("worker 41234: killed by signal SIGKILL");
    println!("the holder died; value {left}");
    println!("value after recovery: {}", left + adds);
    println!("locked again: no error");
}
