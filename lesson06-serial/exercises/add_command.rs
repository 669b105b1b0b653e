//! Exercise lesson06/add-command (Notes: 学习目标 3, serial communication). Medium, about 20
//! minutes.
//!
//! The device below answers the lesson's protocol (PING, ECHO, JOB) through
//! `lesson06_serial::protocol::reply`. Teach it a new command:
//!
//!     ADD <a> <b>   ->  a + b in decimal, for whole numbers a and b from 0 to 2^64 - 1
//!
//! Anything else that starts with `ADD` (a missing number, a word instead of a number, a sum
//! that does not fit in a u64) gets a reply that starts with `ERR `, so the session goes on,
//! as the lesson's device does for JOB. The device runs in a child process on one end of a
//! virtual serial pair; this process is the host and prints each command and its reply:
//!
//!     > ADD 2 40
//!     < 42
//!
//! Check your work:   cargo exercise lesson06/add-command
//! Stuck? A hint:     cargo exercise lesson06/add-command --hint 1   (then 2, then 3)

use lesson06_serial::playground;
use lesson06_serial::protocol::{Frame, reply};

/// What the host sends, one line each.
const COMMANDS: [&str; 7] = [
    "PING",
    "ADD 2 40",
    "ADD 18446744073709551615 1",
    "ADD 7",
    "ADD two 2",
    "ADD 0 0",
    "ECHO still here",
];

// TODO: answer `ADD <a> <b>` here; every other line keeps the lesson's answer.
fn answer(frame: &Frame) -> String {
    match frame {
        Frame::Line(line) if line.starts_with("ADD") => todo!("answer {line:?}"),
        other => reply(other),
    }
}

fn main() -> anyhow::Result<()> {
    // A device process that answers with `answer`, and this process as the host.
    playground::converse(answer, &COMMANDS)
}
