//! The notes' program with an answer of yours (the exercises use it): a device process that
//! answers each line with your function, on one end of a virtual serial pair, and this process
//! as the host, printing each command and its reply.

use anyhow::ensure;
use lesson01_process::start::fork_child;

use crate::exit_code_in_child;
use crate::lines::{Lines, send_line};
use crate::notes::device;
use crate::port::Port;
use crate::protocol::Frame;

/// Starts a device process that answers with `answer`, sends each of `commands` to it, and
/// prints `> command` and `< reply` for each. Ends the device by hanging up.
pub fn converse(answer: fn(&Frame) -> String, commands: &[&str]) -> anyhow::Result<()> {
    let (device_end, host_end) = Port::pair()?;
    let mut device_process =
        fork_child(|| exit_code_in_child("device", device(&device_end, &host_end, answer)))?;
    drop(device_end);
    let mut replies = Lines::new(&host_end);
    for command in commands {
        send_line(&host_end, command, b"\n")?;
        println!("> {command}");
        println!("< {}", replies.reply_to(command)?);
    }
    drop(host_end); // the device sees the hang-up and ends
    let status = device_process.wait()?;
    ensure!(status.success(), "the device failed: {status}");
    Ok(())
}
