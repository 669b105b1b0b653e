//! The command-line habits every lesson shares: a bad argument gets one line on stderr and
//! exit code 2; a failure gets one line and exit code 1; never a panic backtrace.

use std::process::ExitCode;

use clap::error::ErrorKind;

/// Parses the arguments like `A::parse()`, but reports a bad argument on a single line
/// (clap's own report spans several) before exiting with code 2. `--help` and `--version`
/// print as usual.
///
/// It also gives SIGPIPE back its default action, so that `lesson | head` ends the lesson
/// quietly, as it ends any Unix tool, instead of a panic on the next `println!`.
pub fn parse_args<A: clap::Parser>() -> A {
    restore_sigpipe();
    A::try_parse().unwrap_or_else(|err| {
        if matches!(
            err.kind(),
            ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        ) {
            err.exit();
        }
        eprintln!("{}", one_line(&err.render().to_string()));
        std::process::exit(2)
    })
}

fn restore_sigpipe() {
    use nix::sys::signal::{SigHandler, Signal, signal};
    // Safety: installs the default action, not a handler; no other thread runs yet.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
}

/// Clap's first line, plus the list of possible values when it gives one.
fn one_line(report: &str) -> String {
    let mut first = report
        .lines()
        .next()
        .unwrap_or("error: bad arguments")
        .to_string();
    if first.ends_with(':') {
        // "...required arguments were not provided:" names them on the indented lines below.
        let listed: Vec<&str> = report
            .lines()
            .skip(1)
            .take_while(|line| line.starts_with("  "))
            .map(str::trim)
            .collect();
        first = format!("{first} {}", listed.join(", "));
    }
    let possible = report
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("[possible values"));
    match possible {
        Some(values) => format!("{first} {values} (see --help)"),
        None => format!("{first} (see --help)"),
    }
}

/// Turns a lesson's result into the process's exit code: an error is printed as one line
/// (`error: what failed: why`) and exits with 1.
pub fn exit_code(result: anyhow::Result<ExitCode>) -> ExitCode {
    result.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_reports_fold_into_one_line() {
        let report = "error: invalid value 'vfork' for '--start-method <METHOD>'\n  [possible values: fork, spawn]\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(report),
            "error: invalid value 'vfork' for '--start-method <METHOD>' [possible values: fork, spawn] (see --help)"
        );
        assert_eq!(
            one_line("error: unexpected argument '--x' found\n\nUsage: lesson\n"),
            "error: unexpected argument '--x' found (see --help)"
        );
        assert_eq!(
            one_line(
                "error: the following required arguments were not provided:\n  --bench\n\nUsage: lesson --bench --python\n\nFor more information, try '--help'.\n"
            ),
            "error: the following required arguments were not provided: --bench (see --help)"
        );
    }
}
