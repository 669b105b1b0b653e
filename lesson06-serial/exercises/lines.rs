//! Exercise lesson06/lines (Notes: 学习目标 3, serial communication). Easy, about 10 minutes.
//!
//! A serial line carries bytes, not messages: one `read()` may return half a command, or a
//! command and a half, or three commands at once. `Lines::push` gets the bytes of one read at
//! a time and returns every line they complete, without its line end: a line ends at `\n`, and
//! a `\r` just before that `\n` is not part of the line (it may come at the end of one read,
//! its `\n` at the start of the next). Bytes after the last `\n` are an unfinished line that
//! must wait in `unfinished` for the next read. For reads `"PI"`, `"NG\nECH"`, `"O hi\r\n"`,
//! `"JOB 3\nP"` and `"I"` the program prints
//!
//!     read 0: "PI"
//!     read 1: "NG\nECH"
//!     line: PING
//!     read 2: "O hi\r\n"
//!     line: ECHO hi
//!     read 3: "JOB 3\nP"
//!     line: JOB 3
//!     read 4: "I"
//!     unfinished: PI
//!
//! `cargo exercise` chooses the byte stream and where the reads cut it afresh for every
//! check; they reach your program through `common::exercise::inputs` (the code in `main`
//! already reads them). A line is complete as soon as the read that brings its `\n` is pushed,
//! and it must be printed right after that read.
//!
//! Check your work:   cargo exercise lesson06/lines
//! Stuck? A hint:     cargo exercise lesson06/lines --hint 1   (then 2, then 3)

use common::exercise::inputs;

/// Collects bytes until they make whole lines.
#[derive(Debug, Default)]
struct Lines {
    unfinished: Vec<u8>,
}

impl Lines {
    // TODO: add `bytes` and return every line they complete, without its line end.
    fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        todo!("cut {bytes:?} into lines (so far: {:?})", self.unfinished)
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
