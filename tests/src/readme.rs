//! Keeps each README's console blocks true: every ` ```console ` block is run and its output
//! compared with what the README shows.
//!
//! In a block, a line `$ cargo run -q -p PACKAGE [--bin BIN] [-- ARGS...]` is a command; the
//! lines after it, up to the next command, are its output (stdout and stderr as a terminal
//! shows them). The test runs that very command with cargo, from the workspace root, so a
//! command that cargo itself would refuse fails here too. It must succeed, unless the output
//! the README shows is an `error: ...` line.
//! snapbox's wildcards cover what changes from run to run: `[..]` inside a line (pids, times),
//! `...` on a line of its own (any number of lines). Blocks marked ` ```text ` are not run:
//! they quote measured figures, which no test can keep true.

use std::fs;
use std::path::Path;

use snapbox::cmd::Command;

use crate::{TIMEOUT, lesson_bin, workspace_root};

/// One command from a console block and the output the README shows for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// 1-based line of the command in the README.
    pub line: usize,
    pub package: String,
    /// The binary to run: `--bin`'s, or the package's default one.
    pub bin: String,
    /// Whether the README names the binary; if not, cargo must be able to choose it.
    pub bin_named: bool,
    pub args: Vec<String>,
    pub expected: String,
}

/// The examples of every console block in `markdown`.
pub fn examples(markdown: &str) -> Result<Vec<Example>, String> {
    let mut examples: Vec<Example> = Vec::new();
    let mut in_console = false;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_end();
        if !in_console {
            in_console = trimmed == "```console";
            continue;
        }
        if trimmed == "```" {
            in_console = false;
        } else if let Some(command) = trimmed.strip_prefix("$ ") {
            let (package, bin, args) =
                parse_cargo_run(command).map_err(|err| format!("line {}: {err}", index + 1))?;
            examples.push(Example {
                line: index + 1,
                bin_named: bin.is_some(),
                bin: bin.unwrap_or_else(|| package.clone()),
                package,
                args,
                expected: String::new(),
            });
        } else {
            let example = examples
                .last_mut()
                .ok_or_else(|| format!("line {}: output before any `$ ` command", index + 1))?;
            example.expected.push_str(line);
            example.expected.push('\n');
        }
    }
    if in_console {
        return Err("a ```console block is not closed".to_string());
    }
    Ok(examples)
}

/// `cargo run -q -p PACKAGE [--bin BIN] [-- ARGS...]` → (package, binary, arguments).
fn parse_cargo_run(command: &str) -> Result<(String, Option<String>, Vec<String>), String> {
    if command.contains(['"', '\'', '|', '>', '<', '&', ';', '$']) {
        return Err(format!(
            "only plain `cargo run` commands are run: {command:?}"
        ));
    }
    let words: Vec<&str> = command.split_whitespace().collect();
    let (cargo_words, args) = match words.iter().position(|word| *word == "--") {
        Some(split) => (&words[..split], &words[split + 1..]),
        None => (&words[..], &[][..]),
    };
    let (mut package, mut bin) = (None, None);
    let mut rest = cargo_words.iter();
    if rest.next() != Some(&"cargo") || rest.next() != Some(&"run") {
        return Err(format!("not a `cargo run` command: {command:?}"));
    }
    while let Some(word) = rest.next() {
        match *word {
            "-q" | "--quiet" => {}
            "-p" | "--package" => package = rest.next().copied(),
            "--bin" => bin = rest.next().copied(),
            other => {
                return Err(format!(
                    "`cargo run {other}` is not supported here: {command:?}"
                ));
            }
        }
    }
    let package = package.ok_or_else(|| format!("no -p PACKAGE in {command:?}"))?;
    Ok((
        package.to_string(),
        bin.map(str::to_string),
        args.iter().map(|arg| arg.to_string()).collect(),
    ))
}

/// Runs every console example of the README at `path` and panics, with a diff, at the first
/// whose output differs. Returns how many were checked, so a caller can insist on at least one.
pub fn check(path: &Path) -> usize {
    let markdown = fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let examples = examples(&markdown).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    for example in &examples {
        lesson_bin(&example.bin); // built once, with the test's own build lock
        let mut words = vec!["run", "-q", "--package", &example.package];
        if example.bin_named {
            words.extend(["--bin", &example.bin]);
        }
        let output = Command::new(&cargo)
            .args(words)
            .arg("--")
            .args(&example.args)
            .current_dir(workspace_root())
            .timeout(TIMEOUT)
            .stderr_to_stdout()
            .output()
            .unwrap_or_else(|err| panic!("cannot run cargo: {err}"));
        let actual = String::from_utf8_lossy(&output.stdout).into_owned();
        let shows_an_error = example
            .expected
            .lines()
            .any(|line| line.starts_with("error: "));
        assert!(
            output.status.success() || shows_an_error,
            "{}:{}: the command failed ({}):\n{actual}",
            path.display(),
            example.line,
            output.status
        );
        if let Err(diff) = snapbox::Assert::new().try_eq(
            Some(&format!("{}:{}", path.display(), example.line)),
            actual.into(),
            example.expected.clone().into(),
        ) {
            panic!("{diff}");
        }
    }
    examples.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_blocks_become_examples() {
        let markdown = "intro\n```console\n$ cargo run -q -p lesson01-process -- --plain\naaaa\n$ cargo run -q -p lesson02-queue --bin compare\nnormal: [..]\n...\n```\n```text\n$ cargo run -p x\nnot run\n```\n";
        let examples = examples(markdown).expect("valid");
        assert_eq!(examples.len(), 2);
        assert_eq!(examples[0].line, 3);
        assert_eq!(examples[0].bin, "lesson01-process");
        assert_eq!(examples[0].args, ["--plain"]);
        assert_eq!(examples[0].expected, "aaaa\n");
        assert_eq!(examples[1].bin, "compare");
        assert!(examples[1].args.is_empty());
        assert_eq!(examples[1].expected, "normal: [..]\n...\n");
    }

    #[test]
    fn commands_other_than_plain_cargo_run_are_refused() {
        for bad in [
            "```console\n$ ls\n```\n",
            "```console\n$ cargo run --release -p x\n```\n",
            "```console\n$ cargo run -q -p x | head\n```\n",
            "```console\n$ cargo run -q\n```\n",
            "```console\n$ cargo run -q -p x\n",
            "```console\noutput first\n```\n",
        ] {
            assert!(examples(bad).is_err(), "{bad:?}");
        }
    }
}
