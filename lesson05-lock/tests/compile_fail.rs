//! The `compile_fail` example in `src/threads.rs` must fail for the reason the lesson gives: two
//! threads may not both borrow the unlocked `i32` mutably (E0499). rustdoc on stable Rust does
//! not check a `compile_fail` block's error code, so a typo would make that doc test pass for
//! the wrong reason; this test compiles the block with rustc and reads the error. It also
//! compiles the `Mutex` example next to it, which must be accepted.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Rust code of each ```` ```{marker} ```` block in the `//!` docs of `source`.
fn doc_blocks(source: &str, marker: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    // The info string of the block we are in (`compile_fail,E0499`, or `` for plain Rust), and
    // its code so far.
    let mut current: Option<(String, String)> = None;
    for line in source.lines() {
        let Some(doc) = line.strip_prefix("//!") else {
            continue;
        };
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        match current.as_mut() {
            None => {
                if let Some(info) = doc.strip_prefix("```") {
                    current = Some((info.to_string(), String::new()));
                }
            }
            Some(_) if doc == "```" => {
                if let Some((info, code)) = current.take()
                    && info == marker
                {
                    blocks.push(code);
                }
            }
            Some((_, code)) => {
                code.push_str(doc);
                code.push('\n');
            }
        }
    }
    blocks
}

/// Compiles `code` as the body of `main` (as rustdoc does) and returns rustc's messages, or
/// `None` if it compiled.
fn compile(code: &str, dir: &Path, name: &str) -> Option<String> {
    let file = dir.join(format!("{name}.rs"));
    std::fs::write(&file, format!("fn main() {{\n{code}}}\n")).expect("write the example");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .args([
            "--edition",
            "2024",
            "--error-format",
            "short",
            "--emit",
            "metadata",
        ])
        .arg("--out-dir")
        .arg(dir)
        .arg(&file)
        .output()
        .expect("rustc runs");
    (!output.status.success()).then(|| String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn the_unlocked_version_is_rejected_for_the_reason_the_lesson_gives() {
    let source =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/threads.rs"))
            .expect("src/threads.rs");
    let scratch = Scratch::new();
    let dir = &scratch.0;

    let rejected = doc_blocks(&source, "compile_fail,E0499");
    assert_eq!(rejected.len(), 1, "one compile_fail example");
    let errors =
        compile(&rejected[0], dir, "unlocked").expect("the unlocked version must not compile");
    assert!(
        errors.contains("error[E0499]: cannot borrow `total` as mutable more than once at a time"),
        "rejected for another reason:\n{errors}"
    );
    assert_eq!(errors.matches("error[").count(), 1, "{errors}");

    let accepted = doc_blocks(&source, "");
    assert_eq!(accepted.len(), 1, "one example that compiles");
    assert!(accepted[0].contains("Mutex::new(0)"));
    if let Some(errors) = compile(&accepted[0], dir, "locked") {
        panic!("the Mutex version must compile:\n{errors}");
    }
}

/// A scratch folder, removed when the test ends, whether it passes or fails.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("lesson05-compile-fail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
