//! Helpers for the black-box tests in `tests/tests/`: they build the real lesson binaries and
//! run them as a student would. Nothing here re-implements a lesson.
//!
//! `cargo test --workspace` builds a package's binaries only for that package's own
//! integration tests, and this crate is a different package; so the first test that asks for a
//! binary runs `cargo build --workspace --bin NAME` (the same profile as the tests) and takes the
//! path cargo reports. Later calls reuse it. Only that binary and what it depends on are built.

pub mod exercises;
pub mod limits;
pub mod procs;
pub mod pty;
pub mod readme;

use std::collections::BTreeMap;
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

/// The longest any single run of a lesson may take in a test before it is killed.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The workspace root (where `Cargo.toml` and the lessons are).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives inside the workspace")
        .to_path_buf()
}

/// The path of the real binary `name` (a lesson's default binary is named after its package),
/// built by cargo on first use.
pub fn lesson_bin(name: &str) -> PathBuf {
    static BUILT: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());
    static DEFAULT_SIGNALS: std::sync::Once = std::sync::Once::new();
    DEFAULT_SIGNALS.call_once(|| {
        // A shell starts a background job with SIGINT and SIGQUIT ignored, and an ignored
        // signal stays ignored across fork and exec: a lesson run from such a test run would
        // shrug off the Ctrl-C a fault test sends it. Give every lesson the defaults back.
        use nix::sys::signal::{SigHandler, Signal, signal};
        for ignored in [Signal::SIGINT, Signal::SIGQUIT] {
            // Safety: SigDfl installs no handler; setting a signal's disposition is sound.
            let _ = unsafe { signal(ignored, SigHandler::SigDfl) };
        }
    });
    // Held while building, so two tests asking at once do not build twice.
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    let path =
        build(TargetKind::Bin, name, Diagnostics::Capture).unwrap_or_else(|err| panic!("{err}"));
    let path = pinned(&path);
    built.insert(name.to_string(), path.clone());
    path
}

/// A hard link to the binary cargo built, in a folder of this test process's own. Cargo may
/// replace `target/debug/NAME` while a test runs it: a README check's `cargo run -p NAME`
/// builds with that package's features only, a different build from `--workspace`'s, and a
/// lesson that re-runs itself (spawn) would then find its program deleted. The link keeps this
/// process's binary whatever cargo does; if it cannot be made, cargo's path is used.
fn pinned(built: &Path) -> PathBuf {
    let (Some(folder), Some(name)) = (built.parent(), built.file_name()) else {
        return built.to_path_buf();
    };
    let own = folder
        .join("course-tests-bins")
        .join(std::process::id().to_string());
    let link = own.join(name);
    let _ = std::fs::remove_file(&link);
    match std::fs::create_dir_all(&own).and_then(|()| std::fs::hard_link(built, &link)) {
        Ok(()) => link,
        Err(_) => built.to_path_buf(),
    }
}

/// What kind of cargo target to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Bin,
    Example,
}

/// Where the compiler's messages go when a build fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diagnostics {
    /// Into the returned error, for a test to show.
    Capture,
    /// Straight to our stderr, for a student to read as cargo prints them.
    Show,
}

/// Builds one binary or example of the workspace with cargo (the same profile as this crate)
/// and returns the path of the executable cargo reports.
pub fn build(kind: TargetKind, name: &str, diagnostics: Diagnostics) -> Result<PathBuf, String> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let flag = match kind {
        TargetKind::Bin => "--bin",
        TargetKind::Example => "--example",
    };
    let mut build = Command::new(cargo);
    build
        .args(["build", "--quiet", "--workspace", flag, name])
        .arg("--message-format=json-render-diagnostics")
        .current_dir(workspace_root());
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    if diagnostics == Diagnostics::Show {
        build.stderr(std::process::Stdio::inherit());
    }
    let output = build
        .output()
        .map_err(|err| format!("cannot run cargo build: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo build {flag} {name} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(json_string_field("executable"))
        .map(PathBuf::from)
        .find(|path| path.file_name().is_some_and(|file| file == name))
        .ok_or_else(|| format!("cargo built no executable named {name}"))
}

/// Reads a string field from one line of cargo's JSON messages. Cargo writes each message on
/// one line with no spaces around `:`; the paths here hold no escaped characters but `\\`.
fn json_string_field(key: &str) -> impl Fn(&str) -> Option<String> + '_ {
    move |line| {
        let start = line.find(&format!("\"{key}\":\""))? + key.len() + 4;
        let rest = &line[start..];
        let end = rest.find('"')?;
        Some(rest[..end].replace("\\\\", "\\"))
    }
}

/// Runs `command`, asserts that it succeeded, and returns its stdout.
pub fn stdout_of(command: snapbox::cmd::Command) -> String {
    let output = command.output().expect("the command starts");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

/// Asserts that a bad command line is refused the way every lesson refuses one: exit code 2,
/// nothing on stdout, and exactly one line on stderr that starts with `error: `.
pub fn assert_usage_error(command: snapbox::cmd::Command, args: &[&str]) {
    let output = command.args(args).output().expect("the command starts");
    assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
    assert!(output.stdout.is_empty(), "{args:?}: {output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
}

/// Asserts the two stderr lines a lesson prints when its child panics: the child's one-line
/// panic message, containing `message`, then the parent's one-line error. No backtrace.
pub fn assert_child_panic_reported(stderr: &str, message: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("child ")
            && lines[0].contains("panicked: ")
            && lines[0].contains(message),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("error: child ")
            && lines[1].ends_with("failed: exit code 101 (it panicked)"),
        "{stderr}"
    );
}

/// `python3` if it is on the PATH; otherwise `None`, after printing why a comparison is skipped
/// (visible with `cargo test -- --nocapture`, and in the output of a failing test). In CI
/// (`CI=true`) a missing `python3` fails the test instead: CI must run every comparison.
pub fn python3(for_what: &str) -> Option<&'static str> {
    let found = Command::new("python3").arg("--version").output().is_ok();
    if !found {
        skip_unless_ci(&format!("skipped {for_what}: python3 is not on the PATH"));
    }
    found.then_some("python3")
}

/// Says why a test skips a part, straight to stderr (libtest captures `eprintln!`, and a skip
/// should be seen); in CI (`CI=true`) it fails the test with that reason instead.
pub fn skip_unless_ci(reason: &str) {
    assert!(
        env::var("CI").as_deref() != Ok("true"),
        "{reason}, and CI must not skip it"
    );
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{reason}");
}

/// The marker a translation carries of the English text it translates: a hash (FNV-1a, 32
/// bits in hex) that changes whenever the English does, so a test can say which translation
/// is behind.
pub fn marker(english: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in english.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", hash >> 32)
}

/// A lesson's CPython counterpart script.
pub fn python_script(lesson: &str, script: &str) -> PathBuf {
    workspace_root().join(lesson).join("python").join(script)
}

/// The tests of one test binary take turns with this guard, so that each sees only its own
/// lesson's processes and segments. (Each test binary is its own process, with its own lock.)
pub fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executable_paths_are_read_from_cargo_messages() {
        let line = r#"{"reason":"compiler-artifact","executable":"/w/target/debug/lesson01-process","fresh":true}"#;
        assert_eq!(
            json_string_field("executable")(line).as_deref(),
            Some("/w/target/debug/lesson01-process")
        );
        assert_eq!(
            json_string_field("executable")(r#"{"executable":null}"#),
            None
        );
    }
}
