//! Exercise lesson06/lines (Notes: 学习目标 3, serial communication). Easy, about 10 minutes.
//!
//! A serial line carries bytes, not messages: one `read()` may return half a command, or a
//! command and a half. Below are the chunks that five reads returned. Cut them into lines: a
//! line ends at `\n` (a `\r` just before it is not part of the line), and bytes after the last
//! `\n` are an unfinished line that must wait for the next read. The program then prints
//!
//!     line: PING
//!     line: ECHO hi
//!     line: JOB 3
//!     unfinished: PI
//!
//! Check your work:   cargo exercise lesson06/lines
//! Stuck? A hint:     cargo exercise lesson06/lines --hint 1   (then 2, then 3)

/// What five reads returned, in order.
const READS: [&[u8]; 5] = [b"PI", b"NG\nECH", b"O hi\r\n", b"JOB 3\nP", b"I"];

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

fn main() {
    let mut lines = Lines::default();
    for read in READS {
        for line in lines.push(read) {
            println!("line: {line}");
        }
    }
    println!("unfinished: {}", String::from_utf8_lossy(&lines.unfinished));
}
