//! A kept cheat of exercise lesson06/lines: it prints the lines the old statement showed (PING,
//! ECHO hi, JOB 3, and PI unfinished) after the second, third and fourth reads, whatever the
//! reads hold. The check must reject it.

use common::exercise::inputs;

/// Counts the reads instead of looking at them.
#[derive(Debug, Default)]
struct Lines {
    unfinished: Vec<u8>,
    reads: usize,
}

impl Lines {
    fn push(&mut self, _bytes: &[u8]) -> Vec<String> {
        self.reads += 1;
        self.unfinished = b"PI".to_vec();
        match self.reads {
            2 => vec!["PING".to_string()],
            3 => vec!["ECHO hi".to_string()],
            4 => vec!["JOB 3".to_string()],
            _ => Vec::new(),
        }
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
