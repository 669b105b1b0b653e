//! A kept cheat of exercise lesson06/add-command: the device really answers, across the serial
//! line, but with the replies hard-coded for the commands the old statement listed. The check
//! must reject it.

use common::exercise::inputs;
use lesson06_serial::playground;
use lesson06_serial::protocol::{Frame, reply};

fn answer(frame: &Frame) -> String {
    match frame {
        Frame::Line(line) if line.starts_with("ADD") => add(line),
        other => reply(other),
    }
}

/// The replies the old statement's commands wanted, and an error for any other.
fn add(line: &str) -> String {
    match line {
        "ADD 2 40" => "42".to_string(),
        "ADD 0 0" => "0".to_string(),
        _ => "ERR not a sum".to_string(),
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
