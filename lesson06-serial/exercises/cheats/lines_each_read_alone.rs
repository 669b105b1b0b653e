//! A kept cheat of exercise lesson06/lines: each read is cut into lines on its own, as if no
//! line could begin in one read and end in the next (what `split('\n')` on each read does).
//! The check must reject it.

use common::exercise::inputs;

/// Keeps only the end of the last read, never joining it to the next.
#[derive(Debug, Default)]
struct Lines {
    unfinished: Vec<u8>,
}

impl Lines {
    fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let mut pieces: Vec<&str> = text.split('\n').collect();
        let last = pieces.pop().unwrap_or_default();
        self.unfinished = last.as_bytes().to_vec();
        pieces
            .into_iter()
            .map(|line| line.trim_end_matches('\r').to_string())
            .collect()
    }
}

/// What each read returned, in order: the checker passes them as hexadecimal text.
fn reads() -> Vec<Vec<u8>> {
    let hex: Vec<String> = inputs("reads");
    hex.iter()
        .map(|read| {
            (0..read.len())
                .step_by(2)
                .filter_map(|at| u8::from_str_radix(read.get(at..at + 2)?, 16).ok())
                .collect()
        })
        .collect()
}

fn main() {
    let mut lines = Lines::default();
    for (i, read) in reads().iter().enumerate() {
        println!("read {i}: {:?}", String::from_utf8_lossy(read));
        for line in lines.push(read) {
            println!("line: {line}");
        }
    }
    println!("unfinished: {}", String::from_utf8_lossy(&lines.unfinished));
}
