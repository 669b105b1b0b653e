//! A kept cheat of exercise lesson06/lines: it keeps every byte until the last read and only
//! then cuts the whole stream into lines, so no line shows up when its read comes. The check
//! must reject it.

use common::exercise::inputs;

/// Keeps everything, and cuts it once the last read has come.
#[derive(Debug, Default)]
struct Lines {
    unfinished: Vec<u8>,
    reads: usize,
}

impl Lines {
    fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.unfinished.extend_from_slice(bytes);
        self.reads += 1;
        if self.reads < reads().len() {
            return Vec::new();
        }
        let text = String::from_utf8_lossy(&self.unfinished).into_owned();
        let mut pieces: Vec<&str> = text.split('\n').collect();
        let last = pieces.pop().unwrap_or_default();
        let lines = pieces
            .into_iter()
            .map(|line| line.trim_end_matches('\r').to_string())
            .collect();
        self.unfinished = last.as_bytes().to_vec();
        lines
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
