//! Running the project's CPython counterparts for `--python`, so a class sees both figures
//! from one run on one machine.

use std::io::ErrorKind;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, ensure};

/// What a counterpart script printed, and which Python ran it.
#[derive(Debug, Clone)]
pub struct PythonOutput {
    /// As `python3 --version` says it: `Python 3.11.7`.
    pub version: String,
    pub stdout: String,
}

/// Runs `python3 SCRIPT ARGS...` and returns what it printed; `Ok(None)` when there is no
/// `python3` on the PATH (the caller says so in one line and carries on without it).
/// The script's stderr goes straight to ours, so its errors are seen.
pub fn run_script(script: &Path, args: &[String]) -> anyhow::Result<Option<PythonOutput>> {
    let version = match Command::new("python3").arg("--version").output() {
        Ok(output) => String::from_utf8_lossy(&output.stdout).trim().to_string(),
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).context("cannot run python3"),
    };
    let output = Command::new("python3")
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run python3 {}", script.display()))?;
    ensure!(
        output.status.success(),
        "python3 {} failed ({})",
        script.display(),
        output.status
    );
    Ok(Some(PythonOutput {
        version,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
    }))
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
}
