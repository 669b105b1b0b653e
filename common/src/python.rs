//! Running the project's CPython counterparts for `--python`, so a class sees both figures
//! from one run on one machine.

use std::io::ErrorKind;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, ensure};

/// Runs before the counterpart script, in the same `python3`, and then runs the script as
/// `python3 SCRIPT ARGS...` would. It ties every process the script forks (multiprocessing's
/// fork start method) to its parent's life as the lesson ties python3 to its own (see
/// [`run_script`]): the kernel SIGKILLs a child whose parent died, even by SIGKILL. Linux only
/// (`prctl(PR_SET_PDEATHSIG)`); elsewhere it only runs the script.
///
/// A child started by spawn or forkserver is a fresh interpreter without this hook: it ends by
/// itself when it finds its parent's pipe closed.
///
/// It also notes the start method of every process the script starts, and prints them last
/// on a line of their own ([`START_METHODS`]), so the lesson can say which methods CPython
/// really used: the default changed from fork to forkserver in Python 3.14.
const PRELUDE: &str = r#"
import os, runpy, sys
import multiprocessing, multiprocessing.process
started_by = []
start_process = multiprocessing.process.BaseProcess.start
def start_and_note(process):
    method = process._start_method or multiprocessing.get_start_method()
    if method not in started_by:
        started_by.append(method)
    start_process(process)
multiprocessing.process.BaseProcess.start = start_and_note
main_pid = os.getpid()
try:
    import ctypes, signal
    prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
except (ImportError, OSError, AttributeError):
    prctl = None
if prctl is not None:
    parent = [os.getpid()]
    def remember_parent():
        parent[0] = os.getpid()
    def die_with_parent():
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent[0]:  # the parent died before that line
            os._exit(1)
    os.register_at_fork(before=remember_parent, after_in_child=die_with_parent)
script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(script))
try:
    runpy.run_path(script, run_name="__main__")
finally:
    if os.getpid() == main_pid:
        print("__start_methods__:", ",".join(started_by), flush=True)
"#;

/// The label of the line [`PRELUDE`] prints last: the start methods the script used.
const START_METHODS: &str = "__start_methods__";

/// What a counterpart script printed, and which Python ran it how.
#[derive(Debug, Clone)]
pub struct PythonOutput {
    /// Which Python, as `python3 --version` says it, and the start methods of the processes
    /// the script started, in the order it first used them: `Python 3.11.7 (start method
    /// fork)`. Every lesson prints it beside CPython's figures.
    pub version: String,
    /// The start methods alone: `["fork"]`; empty if the script started no process.
    pub start_methods: Vec<String>,
    pub stdout: String,
}

/// Whether more of a figure is better (a rate) or less (a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// ops/s, bytes/s: the ratio printed is Rust/Python.
    Higher,
    /// ms, s: the ratio printed is Python/Rust.
    Lower,
}

/// Runs a lesson's CPython counterpart, `python3 SCRIPT ARGS...`, and returns what it printed.
/// `python3` and the processes it forks die with the lesson, even one killed by SIGKILL.
/// With no `python3` on the PATH it says so in one line and returns `Ok(None)`: the lesson
/// carries on without the comparison. The script's stderr goes straight to ours, so its
/// errors are seen.
pub fn counterpart(script: &Path, args: &[String]) -> anyhow::Result<Option<PythonOutput>> {
    let output = run_script(script, args)?;
    if output.is_none() {
        println!("python3 is not on the PATH: the CPython comparison is skipped");
    }
    Ok(output)
}

/// [`counterpart`] without the line about a missing `python3`.
pub fn run_script(script: &Path, args: &[String]) -> anyhow::Result<Option<PythonOutput>> {
    let version = match Command::new("python3").arg("--version").output() {
        Ok(output) => String::from_utf8_lossy(&output.stdout).trim().to_string(),
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).context("cannot run python3"),
    };
    let mut python = Command::new("python3");
    python
        .args(["-c", PRELUDE])
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    crate::process::die_with_this_process(&mut python);
    let output = python
        .output()
        .with_context(|| format!("cannot run python3 {}", script.display()))?;
    ensure!(
        output.status.success(),
        "python3 {} failed ({})",
        script.display(),
        output.status
    );
    let (stdout, start_methods) = split_start_methods(&String::from_utf8_lossy(&output.stdout));
    let version = match start_methods.as_slice() {
        [] => version,
        [method] => format!("{version} (start method {method})"),
        methods => format!("{version} (start methods {})", methods.join(", ")),
    };
    Ok(Some(PythonOutput {
        version,
        start_methods,
        stdout,
    }))
}

/// The script's own output, and the start methods from the line [`PRELUDE`] added at its end.
fn split_start_methods(stdout: &str) -> (String, Vec<String>) {
    let label = format!("{START_METHODS}:");
    let mut own = String::new();
    let mut methods = Vec::new();
    for line in stdout.split_inclusive('\n') {
        match line.strip_prefix(&label) {
            Some(listed) => {
                methods = listed
                    .split(',')
                    .map(str::trim)
                    .filter(|method| !method.is_empty())
                    .map(String::from)
                    .collect();
            }
            None => own.push_str(line),
        }
    }
    (own, methods)
}

impl PythonOutput {
    /// The number the script printed after `label:`; an error if it printed none.
    pub fn figure(&self, label: &str) -> anyhow::Result<f64> {
        figure(&self.stdout, label)
            .with_context(|| format!("the Python script printed no '{label}' line"))
    }

    /// Prints one row beside Rust's figure, and returns CPython's:
    /// `python LABEL: VALUE UNIT  -> Rust/Python 10.0x` (Python/Rust for a time), then
    /// `  (what)` when `what` says what CPython ran.
    pub fn compare(
        &self,
        label: &str,
        unit: &str,
        rust: f64,
        better: Better,
        what: &str,
    ) -> anyhow::Result<f64> {
        let python = self.figure(label)?;
        let (value, ratio) = match better {
            Better::Higher => (
                format!("{python:.0}"),
                format!("Rust/Python {:.1}x", rust / python),
            ),
            Better::Lower => (
                format!("{python:.3}"),
                format!("Python/Rust {:.1}x", python / rust),
            ),
        };
        let what = if what.is_empty() {
            String::new()
        } else {
            format!("  ({what})")
        };
        println!("python {label}: {value} {unit}  -> {ratio}{what}");
        Ok(python)
    }
}

/// The number after `label:` on the first line that starts with it, e.g.
/// `figure("start+join fork: 3.712 ms", "start+join fork") == Some(3.712)`.
pub fn figure(output: &str, label: &str) -> Option<f64> {
    output.lines().find_map(|line| {
        let rest = line.strip_prefix(label)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_reads_the_number_after_its_label() {
        let output = "start+join fork: 3.712 ms\nstart+join spawn: 117.5 ms\n";
        assert_eq!(figure(output, "start+join fork"), Some(3.712));
        assert_eq!(figure(output, "start+join spawn"), Some(117.5));
        assert_eq!(
            figure(output, "start+join"),
            None,
            "a label must end at the colon"
        );
        assert_eq!(figure("x: fast", "x"), None);
    }

    #[test]
    fn the_start_methods_line_is_taken_out_of_the_output() {
        let (own, methods) = split_start_methods("aaaa\n__start_methods__: fork,forkserver\n");
        assert_eq!(own, "aaaa\n");
        assert_eq!(methods, ["fork", "forkserver"]);
        let (own, methods) = split_start_methods("no processes\n__start_methods__: \n");
        assert_eq!(own, "no processes\n");
        assert!(methods.is_empty());
    }

    #[test]
    fn a_missing_figure_is_an_error_that_names_its_label() {
        let output = PythonOutput {
            version: "Python 3.11.7".into(),
            start_methods: Vec::new(),
            stdout: "queue throughput: 100 msgs/s\n".into(),
        };
        assert_eq!(output.figure("queue throughput").ok(), Some(100.0));
        let err = output.figure("lock increments").expect_err("no such line");
        assert!(err.to_string().contains("'lock increments'"), "{err}");
    }
}
