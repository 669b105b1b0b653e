//! Reference solution of exercise lesson06/lines. Try the exercise first!

use common::exercise::inputs;

/// Collects bytes until they make whole lines.
#[derive(Debug, Default)]
struct Lines {
    unfinished: Vec<u8>,
}

impl Lines {
    fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut complete = Vec::new();
        for &byte in bytes {
            if byte == b'\n' {
                let mut line = std::mem::take(&mut self.unfinished);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                complete.push(String::from_utf8_lossy(&line).into_owned());
            } else {
                self.unfinished.push(byte);
            }
        }
        complete
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
