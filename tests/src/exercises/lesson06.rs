//! Lesson 6's exercises: cutting a byte stream into lines, and a new command for the device.

use std::time::Duration;

use super::{Cheat, Exercise, Inputs, Plan, Random, Run, Verdict, Watch, lines_after, succeeded};

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
                "Look at one byte at a time. Most bytes just join `self.unfinished`; one byte ends the line, and the bytes of a line may have come in earlier reads.",
                "On `\\n`, take the unfinished bytes (`std::mem::take`), drop a trailing `\\r`, and turn them into a String. Whatever follows the last `\\n` stays in `self.unfinished` for the next push.",
                "`for &byte in bytes { if byte == b'\\n' { let mut line = std::mem::take(&mut self.unfinished); if line.last() == Some(&b'\\r') { line.pop(); } complete.push(String::from_utf8_lossy(&line).into_owned()); } else { self.unfinished.push(byte); } }`",
            ],
            plan: plan_lines,
            check: check_lines,
            cheats: &[
                Cheat {
                    name: "printing",
                    rejected_with: "the complete lines are",
                },
                Cheat {
                    name: "each-read-alone",
                    rejected_with: "the complete lines are",
                },
                Cheat {
                    name: "whole-stream",
                    rejected_with: "the complete lines are",
                },
            ],
        },
        Exercise {
            id: "lesson06/add-command",
            lesson: "lesson06-serial",
            title: "Teach the device a new command",
            notes: "学习目标 3 (serial communication)",
            difficulty: "medium",
            minutes: 20,
            timeout: Duration::from_secs(30),
            hints: &[
                "Split the line at spaces and skip the word ADD: you should be left with exactly two words, and anything else is an `ERR ...` reply.",
                "`str::parse::<u64>` refuses words, negative numbers and numbers over 2^64 - 1; `u64::checked_add` refuses a sum that does not fit. Each refusal is an `ERR ...` reply.",
                "`let numbers: Vec<&str> = line.split(' ').skip(1).collect(); let [a, b] = numbers.as_slice() else { return \"ERR ADD needs two numbers\".into() };` then match on `(a.parse::<u64>(), b.parse::<u64>())` and, when both are `Ok`, on `a.checked_add(b)`.",
            ],
            plan: plan_add,
            check: check_add,
            cheats: &[
                Cheat {
                    name: "hard-coded-replies",
                    rejected_with: "should get",
                },
                Cheat {
                    name: "printing",
                    rejected_with: "the checker's commands",
                },
                Cheat {
                    name: "host-answers",
                    rejected_with: "never saw a device process",
                },
                Cheat {
                    name: "idle-device",
                    rejected_with: "was worked out by the host",
                },
            ],
        },
    ]
}

/// Words for the lines the checker makes up.
const WORDS: [&str; 16] = [
    "baud", "parity", "uart", "modem", "frame", "quokka", "serial", "stop", "start", "byte",
    "duplex", "echo", "line", "port", "tty", "wire",
];

fn word(random: &mut Random) -> &'static str {
    WORDS[random.between(0, WORDS.len() as u64 - 1) as usize]
}

/// A line of the lesson's protocol, made up.
fn made_up_line(random: &mut Random) -> String {
    match random.between(0, 5) {
        0 => "PING".to_string(),
        1 => format!("ECHO {} {}", word(random), word(random)),
        2 => format!("JOB {}", random.between(0, 99_999)),
        3 => format!(
            "ADD {} {}",
            random.between(0, 9_999),
            random.between(0, 9_999)
        ),
        4 => String::new(),
        _ => format!("ECHO {}", word(random)),
    }
}

/// A stream of 6 to 9 lines, each ended by LF or CR LF, and an unfinished line after them;
/// cut into reads so that every run has a line spread over three reads, a CR LF cut between
/// its CR and its LF, and a read that holds two whole line ends. Passed as `reads`, each in
/// hexadecimal.
fn plan_lines(random: &mut Random) -> Plan {
    let count = random.between(6, 9) as usize;
    // Lines `grouped` and `grouped + 1` end in the same read.
    let grouped = random.between(0, count as u64 - 2) as usize;
    let mut others: Vec<usize> = (0..count)
        .filter(|&line| line != grouped && line != grouped + 1)
        .collect();
    let spread = others.remove(random.between(0, others.len() as u64 - 1) as usize);
    let cut_crlf = others[random.between(0, others.len() as u64 - 1) as usize];

    let mut stream = Vec::new();
    let mut starts = Vec::new();
    let mut line_feeds = Vec::new();
    for line in 0..count {
        let text = if line == spread {
            format!("ECHO {} {} {}", word(random), word(random), word(random))
        } else {
            made_up_line(random)
        };
        starts.push(stream.len());
        stream.extend_from_slice(text.as_bytes());
        if line == cut_crlf || random.between(0, 1) == 1 {
            stream.push(b'\r');
        }
        line_feeds.push(stream.len());
        stream.push(b'\n');
    }
    let tail = format!("ECHO {}", word(random));
    let tail_len = random.between(1, tail.len() as u64 - 1) as usize;
    stream.extend_from_slice(&tail.as_bytes()[..tail_len]);

    // A cut at `p` ends one read before byte `p`.
    let mut cuts = std::collections::BTreeSet::new();
    let (first, last) = (starts[spread], line_feeds[spread]);
    let inner = random.between(first as u64 + 1, ((first + last) / 2) as u64) as usize;
    cuts.insert(inner);
    cuts.insert(random.between(inner as u64 + 1, last as u64 - 1) as usize);
    cuts.insert(line_feeds[cut_crlf]);
    let kept_whole = starts[grouped] + 1..=line_feeds[grouped + 1];
    for _ in 0..random.between(1, 4) {
        let cut = random.between(1, stream.len() as u64 - 1) as usize;
        if !kept_whole.contains(&cut) {
            cuts.insert(cut);
        }
    }
    let mut reads = Vec::new();
    let mut from = 0;
    for cut in cuts.into_iter().chain([stream.len()]) {
        let hex: String = stream[from..cut]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        reads.push(hex);
        from = cut;
    }
    Plan {
        inputs: Inputs::default().list("reads", &reads),
        watch: Watch::Nothing,
    }
}

/// The reads a plan chose, as bytes.
fn reads_of(run: &Run) -> Vec<Vec<u8>> {
    run.inputs
        .get("reads")
        .split(',')
        .map(|hex| {
            (0..hex.len())
                .step_by(2)
                .filter_map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok())
                .collect()
        })
        .collect()
}

/// What each read completes, and the unfinished bytes after the last one: the checker's own
/// cutting, to compare with the program's.
fn expected_lines(reads: &[Vec<u8>]) -> (Vec<Vec<String>>, String) {
    let mut unfinished = Vec::new();
    let mut after_each = Vec::new();
    for read in reads {
        let mut complete = Vec::new();
        for &byte in read {
            if byte == b'\n' {
                let mut line = std::mem::take(&mut unfinished);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                complete.push(String::from_utf8_lossy(&line).into_owned());
            } else {
                unfinished.push(byte);
            }
        }
        after_each.push(complete);
    }
    (
        after_each,
        String::from_utf8_lossy(&unfinished).into_owned(),
    )
}

fn shown(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

/// Each `read <i>: ...` line is followed by the lines that read completes, exactly those the
/// checker's own cutting finds (a CR kept in a line is seen: stdout is split at LF only), then
/// `unfinished: ` with the bytes after the last line end.
fn check_lines(run: &Run) -> Verdict {
    succeeded(run)?;
    let reads = reads_of(run);
    let (expected, tail) = expected_lines(&reads);
    let mut printed: Vec<Vec<String>> = Vec::new();
    let mut unfinished = None;
    for line in run.stdout.split('\n') {
        if let Some(rest) = line.strip_prefix("read ") {
            let number = rest.split_once(':').map(|(number, _)| number);
            if number != Some(&printed.len().to_string()) {
                return Err(format!(
                    "expected `read {}: ...`, got `{line}`: keep the code in `main` that prints each read",
                    printed.len()
                ));
            }
            printed.push(Vec::new());
        } else if let Some(text) = line.strip_prefix("line: ") {
            let Some(current) = printed.last_mut() else {
                return Err(format!(
                    "`{line}` came before `read 0: ...`: print each line after the read that completes it"
                ));
            };
            current.push(text.to_string());
        } else if let Some(text) = line.strip_prefix("unfinished: ") {
            unfinished = Some(text.to_string());
        }
    }
    if printed.len() != reads.len() {
        return Err(format!(
            "there were {} reads, but the program printed {} `read <i>: ...` lines",
            reads.len(),
            printed.len()
        ));
    }
    for (i, (got, want)) in printed.iter().zip(&expected).enumerate() {
        if got != want {
            let why = if got.is_empty() {
                " (a line is complete as soon as the read that brings its `\\n` is pushed)"
            } else if got.iter().any(|line| line.ends_with('\r')) {
                " (the `\\r` before a `\\n` is not part of the line)"
            } else {
                " (a line can begin in one read and end in a later one: keep the bytes after the last `\\n` for the next push)"
            };
            return Err(format!(
                "after read {i} ({}), the complete lines are {want:?}, but your program printed {got:?}{why}",
                shown(&reads[i])
            ));
        }
    }
    match unfinished {
        Some(text) if text == tail => Ok(format!(
            "{} reads cut into {} lines wherever they fell, and the half line kept for the next read",
            reads.len(),
            expected.iter().map(Vec::len).sum::<usize>()
        )),
        Some(text) => Err(format!(
            "the bytes after the last line end are {:?}, but `unfinished:` shows {text:?}: keep them in `self.unfinished`",
            tail
        )),
        None => Err("the program never printed `unfinished: ...`".into()),
    }
}

/// `JOB n` for this n costs about 0.1 s of CPU on the course's machines (the exercise is built
/// in debug when the checker is, and a release build loops about ten times faster): enough for
/// the checker to see which process worked it out, and within the host's 5 s wait for a reply
/// even on a machine busy with other work (0.25 s of CPU could take longer there).
fn job_n(random: &mut Random) -> u64 {
    let scale = if cfg!(debug_assertions) { 1 } else { 10 };
    random.between(3_000_000, 5_000_000) * scale
}

/// The commands, shuffled: two or three sums that fit (sometimes exactly 2^64 - 1), one that
/// does not, three other kinds of ADD that are not sums, and PING, ECHO and a JOB heavy enough
/// that the checker sees which process computes it. Passed as `commands`, `+` for a space.
fn plan_add(random: &mut Random) -> Plan {
    let mut commands = Vec::new();
    let number = |random: &mut Random| {
        let digits = random.between(1, 19) as u32;
        random.between(0, 10u64.pow(digits) - 1)
    };
    for _ in 0..random.between(2, 3) {
        let a = number(random);
        let b = number(random).min(u64::MAX - a);
        commands.push(format!("ADD {a} {b}"));
    }
    let high = random.between(1 << 63, u64::MAX - 1);
    if random.between(0, 1) == 1 {
        commands.push(format!("ADD {high} {}", u64::MAX - high));
    }
    commands.push(format!(
        "ADD {} {high}",
        u64::MAX - high + random.between(1, 1000)
    ));
    let (a, b) = (number(random), number(random));
    let not_sums = [
        format!("ADD {a}"),
        format!("ADD {a} {}", word(random)),
        format!("ADD {} {b}", word(random)),
        format!("ADD -{a} {b}"),
        format!("ADD {} {b}", u128::from(u64::MAX) + u128::from(a) + 1),
        format!("ADD {a} {b} {}", number(random)),
        format!("ADD {a}.5 {b}"),
        "ADD".to_string(),
    ];
    for kind in random.distinct(3, 0, not_sums.len() as u64 - 1) {
        commands.push(not_sums[kind as usize].clone());
    }
    commands.push("PING".to_string());
    commands.push(format!("ECHO {}", word(random)));
    commands.push(format!("JOB {}", job_n(random)));
    for i in (1..commands.len()).rev() {
        commands.swap(i, random.between(0, i as u64) as usize);
    }
    let encoded: Vec<String> = commands.iter().map(|c| c.replace(' ', "+")).collect();
    Plan {
        inputs: Inputs::default().list("commands", &encoded),
        watch: Watch::Children,
    }
}

/// The reply the device owes `command`: `Some(text)` exactly, or `None` for any `ERR ...`.
fn expected_reply(command: &str) -> Option<String> {
    let words: Vec<&str> = command.split(' ').collect();
    match words.as_slice() {
        ["PING"] => Some("PONG".into()),
        ["ECHO", text] => Some((*text).to_string()),
        ["JOB", n] => n
            .parse()
            .ok()
            .and_then(common::job_closed_form)
            .map(|total| total.to_string()),
        ["ADD", a, b] => match (a.parse::<u64>(), b.parse::<u64>()) {
            (Ok(a), Ok(b)) => a.checked_add(b).map(|sum| sum.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// The host sent the checker's commands in order and printed one reply each; a device child
/// process did the JOB's work (its CPU time, seen from outside, is more than the host's);
/// every reply is right: sums exact, every other ADD an `ERR ...`, and PING, ECHO and JOB as
/// the lesson answers them.
fn check_add(run: &Run) -> Verdict {
    succeeded(run)?;
    let commands: Vec<String> = run
        .inputs
        .get("commands")
        .split(',')
        .map(|command| command.replace('+', " "))
        .collect();
    let sent = lines_after(run, "> ");
    if sent != commands {
        return Err(format!(
            "the host should send the checker's commands, in order ({commands:?}), but it printed {sent:?}: keep the code in `main` that reads them"
        ));
    }
    let replies = lines_after(run, "< ");
    if replies.len() != commands.len() {
        return Err(format!(
            "expected one `< reply` line for each of the {} commands, got {}",
            commands.len(),
            replies.len()
        ));
    }
    let Some(device_cpu) = run.child_cpu.iter().max().copied() else {
        return Err(
            "the checker never saw a device process: the replies must come from a child process that answers across the serial line (`playground::converse` starts one)".into(),
        );
    };
    let job = commands
        .iter()
        .find(|command| command.starts_with("JOB "))
        .map_or("JOB", String::as_str);
    if device_cpu <= run.program_cpu || device_cpu < Duration::from_millis(20) {
        return Err(format!(
            "`{job}` was worked out by the host ({} ms of CPU), not by the device process ({} ms): the replies must come from the device, across the serial line",
            run.program_cpu.as_millis(),
            device_cpu.as_millis()
        ));
    }
    for (command, reply) in commands.iter().zip(&replies) {
        match expected_reply(command) {
            Some(want) if *reply != want => {
                return Err(format!(
                    "`{command}` should get `{want}`, the device answered `{reply}`"
                ));
            }
            None if !reply.starts_with("ERR ") => {
                return Err(format!(
                    "`{command}` should get an `ERR ...` reply, the device answered `{reply}`"
                ));
            }
            _ => {}
        }
    }
    Ok(format!(
        "the device answered {} commands across the serial line: sums, refusals, and the lesson's own ({job} took it {} ms of CPU)",
        commands.len(),
        device_cpu.as_millis()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads_of_plan(plan: &Plan) -> Vec<Vec<u8>> {
        plan.inputs
            .get("reads")
            .split(',')
            .map(|hex| {
                (0..hex.len())
                    .step_by(2)
                    .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).expect("hex"))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_cutting_of_the_lines_has_the_hard_cases() {
        let mut random = Random::new();
        for _ in 0..2000 {
            let reads = reads_of_plan(&plan_lines(&mut random));
            assert!(reads.iter().all(|read| !read.is_empty()), "{reads:?}");
            let (after_each, tail) = expected_lines(&reads);
            assert!(!tail.is_empty() && !tail.ends_with('\r'), "{reads:?}");
            assert!(
                after_each.iter().any(|lines| lines.len() >= 2),
                "two lines end in one read: {reads:?}"
            );
            assert!(
                reads
                    .windows(2)
                    .any(|pair| pair[0].ends_with(b"\r") && pair[1].starts_with(b"\n")),
                "a CR LF cut in two: {reads:?}"
            );
            // The read in which each line begins, and the one that brings its LF.
            let mut spans = Vec::new();
            let mut begun = None;
            for (i, read) in reads.iter().enumerate() {
                for &byte in read {
                    let first = *begun.get_or_insert(i);
                    if byte == b'\n' {
                        spans.push(i - first);
                        begun = None;
                    }
                }
            }
            assert!(
                spans.iter().any(|&span| span >= 2),
                "a line over three reads: {reads:?}"
            );
        }
    }

    #[test]
    fn every_set_of_commands_has_sums_refusals_and_one_heavy_job() {
        let mut random = Random::new();
        for _ in 0..2000 {
            let plan = plan_add(&mut random);
            let encoded = plan.inputs.get("commands");
            let commands: Vec<String> = encoded.split(',').map(|c| c.replace('+', " ")).collect();
            let adds = |sum: bool| {
                commands
                    .iter()
                    .filter(|c| c.starts_with("ADD") && expected_reply(c).is_some() == sum)
                    .count()
            };
            assert!(adds(true) >= 2, "{commands:?}");
            assert!(adds(false) >= 4, "{commands:?}");
            let jobs: Vec<u64> = commands
                .iter()
                .filter_map(|c| c.strip_prefix("JOB ")?.parse().ok())
                .collect();
            assert!(
                jobs.len() == 1 && jobs[0] >= 3_000_000 && jobs[0] <= 100_000_000,
                "{commands:?}"
            );
            assert!(commands.contains(&"PING".to_string()), "{commands:?}");
        }
    }
}
