//! `--python`: the same measurement by `python/bench_duplex.py`, with pyserial, CPython threads
//! (the notes' question) and `multiprocessing` processes; and what its figures say about the
//! notes' claim.

use std::process::Command;

use anyhow::Context;
use common::python::{self, Better};

use super::measure::Rates;
use super::plan::Plan;
use super::verdict::judge;

/// The install hint printed when pyserial is missing.
pub const PYSERIAL_MISSING: &str = "pyserial is not installed, so the CPython comparison is skipped: python3 -m pip install pyserial";

/// Runs the CPython measurement and prints it against Rust's threads; says in one line why not
/// when python3 or pyserial is missing.
pub fn compare_with_python(plan: &Plan, rust: Rates) -> anyhow::Result<()> {
    match Command::new("python3")
        .args(["-c", "import serial"])
        .output()
    {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            println!("python3 is not on the PATH: the CPython comparison is skipped");
            return Ok(());
        }
        Err(err) => return Err(err).context("cannot run python3"),
        Ok(output) if !output.status.success() => {
            println!("{PYSERIAL_MISSING}");
            return Ok(());
        }
        Ok(_) => {}
    }
    let script = crate::python_dir().join("bench_duplex.py");
    let mut args = vec![
        "--bytes".to_string(),
        plan.bytes.to_string(),
        "--runs".into(),
        plan.runs.to_string(),
    ];
    if let Some(rate) = plan.bytes_per_s() {
        args.extend(["--pace".to_string(), rate.to_string()]);
    }
    let Some(output) = python::counterpart(&script, &args)? else {
        return Ok(());
    };
    let processes = Rates {
        one_way: output.figure("serial one-way, processes")?,
        both_each: output.figure("serial full-duplex, processes")?,
    };
    let pyserial = output
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("pyserial "))
        .unwrap_or("(version unknown)");
    println!(
        "{} with pyserial {pyserial}, the same measurement (lesson06-serial/python/bench_duplex.py):",
        output.version
    );
    let threads = Rates {
        one_way: output.compare(
            "serial one-way",
            "bytes/s",
            rust.one_way,
            Better::Higher,
            "threads",
        )?,
        both_each: output.compare(
            "serial full-duplex",
            "bytes/s each way",
            rust.both_each,
            Better::Higher,
            "threads",
        )?,
    };
    println!(
        "python serial one-way, processes: {:.0} bytes/s",
        processes.one_way
    );
    println!(
        "python serial full-duplex, processes: {:.0} bytes/s each way",
        processes.both_each
    );
    for (workers, rate) in [("threads", threads), ("processes", processes)] {
        println!(
            "verdict, python {workers}: {} (both at once carried {:.2}x one direction alone)",
            judge(rate.total_ratio()),
            rate.total_ratio()
        );
    }
    println!(
        "{}",
        about_the_notes(
            threads.total_ratio(),
            processes.total_ratio(),
            plan.paced_baud
        )
    );
    Ok(())
}

/// What the measured Python figures say about the notes' claim (其他思考 2).
fn about_the_notes(threads: f64, processes: f64, paced_baud: Option<u32>) -> String {
    let claim = "the notes (其他思考 2) say Python threads give only fake full duplex, one thread running at a time";
    if let Some(baud) = paced_baud {
        return if threads >= 1.8 {
            format!(
                "{claim}. Measured at a real line's speed ({baud} baud), CPython threads kept both directions at the line rate at once ({threads:.2}x one direction alone): full duplex. A thread waiting in read() or select() has released the GIL, so it never holds up the thread that writes"
            )
        } else {
            format!(
                "{claim}. Measured at {baud} baud, CPython threads carried {threads:.2}x one direction alone with both at once: they did not keep up with the line in both directions"
            )
        };
    }
    if threads >= 1.3 {
        format!(
            "{claim}. Measured, CPython threads carried {threads:.2}x one direction alone with both at once: not fake. CPython releases the GIL while a thread waits in read(), write() or select(), so both directions moved at once"
        )
    } else if processes >= threads + 0.2 {
        format!(
            "{claim}. Measured, CPython threads gained little from the second direction ({threads:.2}x) and processes, with the same code, gained more ({processes:.2}x): the threads took turns, but for the GIL, which the Python code between system calls holds (pyserial's loop, making and comparing bytes objects). The read() and write() calls themselves release it. A pty runs at CPU speed, so that Python code is the bottleneck here"
        )
    } else {
        format!(
            "{claim}. Measured, neither CPython threads ({threads:.2}x) nor processes ({processes:.2}x) gained much from the second direction. Processes share no GIL, so the GIL is not what held the threads back: at a pty's CPU speed, four busy Python workers share the CPUs. At a real line's speed there is CPU to spare: try --paced-baud 115200"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_said_about_the_notes_follows_the_figures() {
        assert!(about_the_notes(1.6, 1.2, None).contains("not fake"));
        assert!(about_the_notes(1.1, 1.4, None).contains("took turns, but for the GIL"));
        assert!(about_the_notes(1.1, 1.15, None).contains("the GIL is not what held"));
        assert!(about_the_notes(1.99, 1.99, Some(115_200)).contains("full duplex. A thread"));
        assert!(about_the_notes(1.2, 1.99, Some(115_200)).contains("did not keep up"));
    }
}
