//! The inputs of a classroom exercise. `cargo exercise` chooses them afresh for every check
//! and passes them in the environment variable `EXERCISE_INPUT`, as `key=value` pairs
//! separated by spaces (`children=4 codes=17,3,96,41`). A program can only pass by reading
//! them and doing the work: the expected output changes from one check to the next.

use std::str::FromStr;

/// The environment variable that carries the inputs.
pub const VAR: &str = "EXERCISE_INPUT";

/// The input called `key`, e.g. `let children: usize = input("children");`. Without it, or
/// if it does not parse, the program ends with one line that says how to run the exercise.
pub fn input<T: FromStr>(key: &str) -> T {
    let text = raw(key);
    text.parse().unwrap_or_else(|_| {
        fail(&format!(
            "input {key}={text} is not what this exercise expects"
        ))
    })
}

/// The input called `key` as a list, e.g. `let codes: Vec<i32> = inputs("codes");`.
pub fn inputs<T: FromStr>(key: &str) -> Vec<T> {
    let text = raw(key);
    text.split(',')
        .map(|item| {
            item.parse().unwrap_or_else(|_| {
                fail(&format!(
                    "input {key}={text}: `{item}` is not what this exercise expects"
                ))
            })
        })
        .collect()
}

fn raw(key: &str) -> String {
    let all = std::env::var(VAR).unwrap_or_default();
    all.split_whitespace()
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('=').map(str::to_string))
        .unwrap_or_else(|| {
            fail(&format!(
                "no input `{key}`: run this exercise with `cargo exercise`, which chooses its inputs"
            ))
        })
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}
