//! A kept cheat of exercise lesson05/fetch-add: it starts no thread and prints the total the
//! check expects, computed from the inputs. The check must reject it.

use common::exercise::{input, inputs};

fn main() {
    let steps: i32 = input("steps");
    let adds: Vec<i32> = inputs("adds");
    let expected: i32 = adds.iter().map(|amount| amount * steps).sum();
    println!("total: {expected} (expected {expected})");
}
