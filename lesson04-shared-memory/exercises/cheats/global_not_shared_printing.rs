//! A kept cheat of exercise lesson04/global-not-shared: it starts no child and prints the
//! count it guesses (the mean amount is 5). The check must reject it.

use common::exercise::input;

fn main() {
    let steps: u64 = input("steps");
    println!("parent sees {}", steps * 5);
}
