//! A small device and host to experiment with the protocol (the exercises use it): a device
//! process that answers each line with a function of yours, on one end of a virtual serial
//! pair, and this process as the host, printing each command and its reply.

use std::time::Duration;

use anyhow::{bail, ensure};
use lesson01_process::start::fork_child;

use crate::port::{Io, Port};
use crate::protocol::{Frame, Framer, REPLY_END};

/// How long the host waits for a reply, and the device for room to write one.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Starts a device process that answers with `answer`, sends each of `commands` to it, and
/// prints `> command` and `< reply` for each. Ends the device by hanging up.
pub fn converse(answer: fn(&Frame) -> String, commands: &[&str]) -> anyhow::Result<()> {
    let (device_end, host_end) = Port::pair()?;
    let mut device = fork_child(|| {
        if let Err(err) = host_end.close_in_child() {
            eprintln!(
                "device {}: cannot let go of the host's end: {err}",
                std::process::id()
            );
            return 1;
        }
        i32::from(serve(&device_end, answer).is_err())
    })?;
    drop(device_end);
    let mut framer = Framer::new();
    for command in commands {
        println!("> {command}");
        println!("< {}", ask(&host_end, &mut framer, command)?);
    }
    drop(host_end); // the device sees the hang-up and ends
    let status = device.wait()?;
    ensure!(status.success(), "the device failed: {status}");
    Ok(())
}

/// The device: answers every line on `port` until the host hangs up.
fn serve(port: &Port, answer: fn(&Frame) -> String) -> anyhow::Result<()> {
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
            Io::HungUp => bail!("the device hung up (did it panic?)"),
            Io::TimedOut => bail!("no reply to {command:?} within {TIMEOUT:?}"),
        };
        if let Some(frame) = framer.push(&buf[..read]).into_iter().next() {
            return Ok(match frame {
                Frame::Line(reply) => reply,
                other => format!("{other:?}"),
            });
        }
    }
}
