//! Reference solution of exercise lesson06/add-command. Try the exercise first!

use std::time::Duration;

use lesson01_process::start::fork_child;
use lesson06_serial::port::{Io, Port};
use lesson06_serial::protocol::{Frame, Framer, REPLY_END, reply};

const TIMEOUT: Duration = Duration::from_secs(5);

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

/// The device: answers every line on `port` until the host hangs up.
fn run_device(port: &Port) -> anyhow::Result<()> {
    let mut framer = Framer::new();
    let mut buf = [0u8; 1024];
    loop {
        let read = match port.read(&mut buf, None)? {
            Io::Done(read) => read,
            Io::HungUp => return Ok(()),
            Io::TimedOut => continue,
        };
        for frame in framer.push(&buf[..read]) {
            let line = [answer(&frame).as_bytes(), REPLY_END].concat();
            port.write_all(&line, TIMEOUT)?;
        }
    }
}

/// The host: sends `command` and waits for one reply line.
fn ask(port: &Port, framer: &mut Framer, command: &str) -> anyhow::Result<String> {
    port.write_all(format!("{command}\n").as_bytes(), TIMEOUT)?;
    let mut buf = [0u8; 1024];
    loop {
        let read = match port.read(&mut buf, Some(TIMEOUT))? {
            Io::Done(read) => read,
            Io::HungUp => anyhow::bail!("the device hung up (did it panic?)"),
            Io::TimedOut => anyhow::bail!("no reply to {command:?} within {TIMEOUT:?}"),
        };
        if let Some(frame) = framer.push(&buf[..read]).into_iter().next() {
            return Ok(match frame {
                Frame::Line(reply) => reply,
                other => format!("{other:?}"),
            });
        }
    }
}

fn main() -> anyhow::Result<()> {
    let (device_end, host_end) = Port::pair()?;
    let mut device = fork_child(|| {
        host_end.close_in_child();
        i32::from(run_device(&device_end).is_err())
    })?;
    drop(device_end);
    let mut framer = Framer::new();
    for command in COMMANDS {
        println!("> {command}");
        println!("< {}", ask(&host_end, &mut framer, command)?);
    }
    drop(host_end); // the device sees the hang-up and ends
    let status = device.wait()?;
    anyhow::ensure!(status.success(), "the device failed: {status}");
    Ok(())
}
