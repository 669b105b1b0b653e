//! Lesson 6's exercises: cutting a byte stream into lines, and a new command for the device.

use std::time::Duration;

use super::{Exercise, Run, Verdict, lines_after, no_inputs, succeeded};

pub fn exercises() -> Vec<Exercise> {
    vec![
        Exercise {
            id: "lesson06/lines",
            lesson: "lesson06-serial",
            title: "Cut a byte stream into lines",
            notes: "学习目标 3 (serial communication)",
            difficulty: "easy",
            minutes: 10,
            timeout: Duration::from_secs(20),
            hints: &[
                "Look at one byte at a time. Most bytes just join the unfinished line; one byte ends it.",
                "On `\\n`, take the unfinished bytes (`std::mem::take`), drop a trailing `\\r`, and turn them into a String.",
                "`for &byte in bytes { if byte == b'\\n' { let mut line = std::mem::take(&mut self.unfinished); if line.last() == Some(&b'\\r') { line.pop(); } complete.push(String::from_utf8_lossy(&line).into_owned()); } else { self.unfinished.push(byte); } }`",
            ],
            plan: no_inputs,
            check: check_lines,
            cheats: &[],
        },
        Exercise {
            id: "lesson06/add-command",
            lesson: "lesson06-serial",
            title: "Teach the device a new command",
            notes: "学习目标 3 (serial communication)",
            difficulty: "medium",
            minutes: 20,
            timeout: Duration::from_secs(20),
            hints: &[
                "Split the line at spaces and skip the word ADD: you should be left with exactly two words.",
                "`str::parse::<u64>` refuses words and negative numbers; `u64::checked_add` refuses a sum that does not fit. Each refusal is an `ERR ...` reply.",
                "`let numbers: Vec<&str> = line.split(' ').skip(1).collect(); let [a, b] = numbers.as_slice() else { return \"ERR ADD needs two numbers\".into() };` then match on both parses and `checked_add`.",
            ],
            plan: no_inputs,
            check: check_add,
            cheats: &[],
        },
    ]
}

fn check_lines(run: &Run) -> Verdict {
    succeeded(run)?;
    let lines = lines_after(run, "line: ");
    if lines != ["PING", "ECHO hi", "JOB 3"] {
        return Err(format!(
            "expected the lines PING, ECHO hi and JOB 3, got {lines:?}"
        ));
    }
    match lines_after(run, "unfinished: ").as_slice() {
        ["PI"] => Ok("three whole lines, and the half line kept for the next read".into()),
        other => Err(format!(
            "the bytes after the last line end are `PI`, but `unfinished:` shows {other:?}"
        )),
    }
}

/// Each `> command` line is followed by `< reply`; the ADD replies must be right, the errors
/// must start with `ERR `, and the other commands must still work.
fn check_add(run: &Run) -> Verdict {
    succeeded(run)?;
    let sent = lines_after(run, "> ");
    let replies = lines_after(run, "< ");
    if sent.len() != 7 || replies.len() != 7 {
        return Err(format!(
            "expected 7 commands and 7 replies, got {} and {}",
            sent.len(),
            replies.len()
        ));
    }
    let expected_ok = [
        ("PING", "PONG"),
        ("ADD 2 40", "42"),
        ("ADD 0 0", "0"),
        ("ECHO still here", "still here"),
    ];
    for (command, reply) in sent.iter().zip(&replies) {
        match expected_ok.iter().find(|(c, _)| c == command) {
            Some((_, want)) if reply != want => {
                return Err(format!("`{command}` should get `{want}`, it got `{reply}`"));
            }
            Some(_) => {}
            None if !reply.starts_with("ERR ") => {
                return Err(format!(
                    "`{command}` should get an `ERR ...` reply, it got `{reply}`"
                ));
            }
            None => {}
        }
    }
    Ok("ADD answers sums, refuses what is not a sum, and the session goes on".into())
}
