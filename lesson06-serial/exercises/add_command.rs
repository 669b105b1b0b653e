//! Exercise lesson06/add-command (Notes: 学习目标 3, serial communication). Medium, about 20
//! minutes.
//!
//! The device below answers the lesson's protocol (PING, ECHO, JOB) through
//! `lesson06_serial::protocol::reply`. Teach it a new command:
//!
//!     ADD <a> <b>   ->  a + b in decimal, for whole numbers a and b from 0 to 2^64 - 1
//!
//! Anything else that starts with `ADD` (a missing number, one too many, a word or a negative
//! number instead of a number, a number over 2^64 - 1, a sum that does not fit in a u64) gets
//! a reply that starts with `ERR `, so the session goes on, as the lesson's device does for
//! JOB. The device runs in a child process on one end of a virtual serial pair; this process
//! is the host, sends each command and prints it and the device's reply:
//!
//!     > ADD 2 40
//!     < 42
//!
//! `cargo exercise` chooses the commands afresh for every check (other numbers every time,
//! a PING, an ECHO and a JOB among them); they reach your program through
//! `common::exercise::inputs` (the code in `main` already reads them). The checker watches
//! the device process from outside: the replies must come from it, across the serial line.
//!
//! Check your work:   cargo exercise lesson06/add-command
//! Stuck? A hint:     cargo exercise lesson06/add-command --hint 1   (then 2, then 3)

use common::exercise::inputs;
use lesson06_serial::playground;
use lesson06_serial::protocol::{Frame, reply};

// TODO: answer `ADD <a> <b>` here; every other line keeps the lesson's answer.
fn answer(frame: &Frame) -> String {
    match frame {
        Frame::Line(line) if line.starts_with("ADD") => todo!("answer {line:?}"),
        other => reply(other),
    }
}

fn main() -> anyhow::Result<()> {
    // What the host sends, one line each: the checker writes `+` for a space.
    let commands: Vec<String> = inputs::<String>("commands")
        .iter()
        .map(|command| command.replace('+', " "))
        .collect();
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    // A device process that answers with `answer`, and this process as the host.
    playground::converse(answer, &commands)
}
