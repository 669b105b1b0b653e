//! The command-line habits every lesson shares: a bad argument gets one line on stderr and
//! exit code 2; a failure gets one line and exit code 1; never a panic backtrace.

use std::process::ExitCode;

use clap::error::ErrorKind;

/// Parses the arguments like `A::parse()`, but reports a bad argument on a single line
/// (clap's own report spans several) before exiting with code 2. `--help` and `--version`
/// print as usual.
///
/// It also makes a closed stdout (`lesson | head`) end the lesson quietly; see
/// [`quiet_broken_pipe`].
pub fn parse_args<A: clap::Parser>() -> A {
    quiet_broken_pipe();
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

/// When whoever reads our stdout goes away (`lesson | head -3`), the next `println!` panics
/// with "failed printing to stdout: Broken pipe"; when stdout cannot take more (`lesson >
/// /dev/full`), with "... No space left on device". This hook keeps the first silent and
/// reports any other as one line, `error: cannot write to stdout: <why>`, instead of a panic
/// report (see [`write_panic_line`]). Either way the panic still unwinds: destructors run, so
/// children are reaped and shared-memory segments removed, and the lesson ends with exit code
/// 101.
///
/// (Giving SIGPIPE back its default action would end the process on the spot instead, and
/// skip that clean-up.)
pub fn quiet_broken_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if stdout_failure(panic_message(info.payload())).is_some() {
            write_panic_line("", info);
        } else {
            default_hook(info);
        }
    }));
}

/// Writes a panic as one line, for a panic hook: `<who> panicked: <message>`, or
/// `error: cannot write to stdout: <why>` when that is what failed (nothing for a closed
/// stdout: whoever closed it does not want to hear more). It never panics itself if stderr is
/// closed too: a panic inside a panic hook aborts the process.
pub fn write_panic_line(who: &str, info: &std::panic::PanicHookInfo<'_>) {
    use std::io::Write;
    let message = panic_message(info.payload());
    let _ = match stdout_failure(message) {
        Some(_) if is_broken_pipe(message) => Ok(()),
        Some(why) => writeln!(std::io::stderr(), "error: cannot write to stdout: {why}"),
        None => writeln!(std::io::stderr(), "{who} panicked: {message}"),
    };
}

/// The text of a panic: `panic!("...")` carries a `&str` or a `String`.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// Why writing to stdout failed, if a panic's message is Rust's report of that: `println!`
/// panics when stdout is closed (`Broken pipe`) or full (`No space left on device`).
pub fn stdout_failure(panic_message: &str) -> Option<&str> {
    panic_message.strip_prefix("failed printing to stdout: ")
}

/// Whether a panic's message is Rust's report of writing to a closed stdout.
pub fn is_broken_pipe(panic_message: &str) -> bool {
    stdout_failure(panic_message).is_some_and(|why| why.contains("Broken pipe"))
}

/// Clap's first line, plus what it lists under it (the missing arguments), plus the list of
/// possible values when it gives one.
fn one_line(report: &str) -> String {
    let mut lines = report.lines();
    let mut first = lines.next().unwrap_or("error: bad arguments").to_string();
    if first.ends_with(':') {
        // "the following required arguments were not provided:" names them on the next lines.
        let listed: Vec<&str> = lines
            .map(str::trim)
            .take_while(|line| !line.is_empty())
            .collect();
        if !listed.is_empty() {
            first = format!("{first} {}", listed.join(", "));
        }
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
    fn a_failed_stdout_is_told_from_other_panics() {
        assert_eq!(
            stdout_failure("failed printing to stdout: No space left on device (os error 28)"),
            Some("No space left on device (os error 28)")
        );
        assert_eq!(stdout_failure("index out of bounds"), None);
    }

    #[test]
    fn only_the_broken_pipe_panic_is_silenced() {
        assert!(is_broken_pipe(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
        assert!(!is_broken_pipe(
            "failed printing to stdout: No space left on device"
        ));
        assert!(!is_broken_pipe("index out of bounds"));
    }

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

    #[test]
    fn a_missing_argument_is_named() {
        let command = clap::Command::new("lesson")
            .arg(clap::Arg::new("bench").long("bench").num_args(0))
            .arg(clap::Arg::new("runs").long("runs").requires("bench"));
        let err = command
            .try_get_matches_from(["lesson", "--runs", "5"])
            .expect_err("--runs needs --bench");
        assert_eq!(
            one_line(&err.render().to_string()),
            "error: the following required arguments were not provided: --bench (see --help)"
        );
    }
}
