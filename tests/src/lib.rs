//! Helpers for the black-box tests in `tests/tests/`: they build the real lesson binaries and
//! run them as a student would. Nothing here re-implements a lesson.
//!
//! `cargo test --workspace` builds a package's binaries only for that package's own
//! integration tests, and this crate is a different package; so the first test that asks for a
//! binary runs `cargo build --workspace --bin NAME` (the same profile as the tests) and takes the
//! path cargo reports. Later calls reuse it. Only that binary and what it depends on are built.

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
    // Held while building, so two tests asking at once do not build twice.
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    let path = build_bin(name).unwrap_or_else(|err| panic!("{err}"));
    built.insert(name.to_string(), path.clone());
    path
}

fn build_bin(name: &str) -> Result<PathBuf, String> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "--workspace", "--bin", name])
        .arg("--message-format=json-render-diagnostics")
        .current_dir(workspace_root());
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    let output = build
        .output()
        .map_err(|err| format!("cannot run cargo build: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo build --bin {name} failed ({}):\n{}",
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

/// `python3` if it is on the PATH; otherwise `None`, after printing why a comparison is skipped
/// (visible with `cargo test -- --nocapture`, and in the output of a failing test).
pub fn python3(for_what: &str) -> Option<&'static str> {
    let found = Command::new("python3").arg("--version").output().is_ok();
    if !found {
        eprintln!("skipped {for_what}: python3 is not on the PATH");
    }
    found.then_some("python3")
}

/// A lesson's CPython counterpart script.
pub fn python_script(lesson: &str, script: &str) -> PathBuf {
    workspace_root().join(lesson).join("python").join(script)
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
