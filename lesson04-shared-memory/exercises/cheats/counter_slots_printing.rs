//! A kept cheat of exercise lesson04/counter-slots: it starts no child and prints the counts
//! it guesses (the mean amount is 5). The check must reject it.

use common::exercise::{input, inputs};
use common::pyfmt::py_list;

fn main() {
    let seeds: Vec<u64> = inputs("seeds");
    let steps: i32 = input("steps");
    let counts = vec![steps * 5; seeds.len()];
    println!("slots: {}", py_list(&counts));
    println!("total: {}", counts.iter().sum::<i32>());
}
