//! A device process answers commands on a virtual serial line; the host sends each and prints
//! the reply. Notes: 学习目标 3 (使用多进程编写serial通信代码).

use anyhow::ensure;
use lesson01_process::start::fork_child;

use crate::exit_code_in_child;
use crate::lines::{Lines, send_line};
use crate::port::Port;
use crate::protocol::{Frame, REPLY_END, reply};

pub const COMMANDS: [&str; 3] = ["PING", "ECHO hello, serial", "JOB 1000"];

/// The device: answers each line with `answer` until the host hangs up.
pub fn device(port: &Port, host_end: &Port, answer: fn(&Frame) -> String) -> anyhow::Result<()> {
    host_end.close_in_child()?;
    let mut lines = Lines::new(port);
    while let Some(line) = lines.next_line()? {
        send_line(port, &answer(&line), REPLY_END)?;
    }
    Ok(())
}

pub fn main() -> anyhow::Result<()> {
    let (device_end, host_end) = Port::pair()?;
    let mut device_process =
        fork_child(|| exit_code_in_child("device", device(&device_end, &host_end, reply)))?;
    drop(device_end);
    let mut replies = Lines::new(&host_end);
    for command in COMMANDS {
        send_line(&host_end, command, b"\n")?;
        println!("{command} -> {}", replies.reply_to(command)?);
    }
    drop(host_end);
    let status = device_process.wait()?;
    ensure!(status.success(), "the device failed: {status}");
    Ok(())
}
