//! A kept cheat of exercise lesson06/add-command: ADD is right, but no device process answers:
//! the host reads the commands and works out every reply itself. The check must reject it.

use common::exercise::inputs;
use lesson06_serial::protocol::{Frame, reply};

fn answer(frame: &Frame) -> String {
    match frame {
        Frame::Line(line) if line.starts_with("ADD") => add(line),
        other => reply(other),
    }
}

fn add(line: &str) -> String {
    let numbers: Vec<&str> = line.split(' ').skip(1).collect();
    let [a, b] = numbers.as_slice() else {
        return "ERR ADD needs two numbers: ADD <a> <b>".to_string();
    };
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(a), Ok(b)) => match a.checked_add(b) {
            Some(sum) => sum.to_string(),
            None => format!("ERR {a} + {b} does not fit in a u64"),
        },
        _ => format!("ERR ADD needs whole numbers from 0 to {}", u64::MAX),
    }
}

fn main() -> anyhow::Result<()> {
    // What the host sends, one line each: the checker writes `+` for a space.
    let commands: Vec<String> = inputs::<String>("commands")
        .iter()
        .map(|command| command.replace('+', " "))
        .collect();
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    for command in commands {
        println!("> {command}");
        println!("< {}", answer(&Frame::Line(command.to_string())));
    }
    Ok(())
}
