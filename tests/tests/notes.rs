//! Every lesson opens with the notes' program: `src/notes.rs` is it, in Rust; `--plain` prints
//! what the notes' Python prints; the README shows our CPython counterpart and `src/notes.rs`
//! side by side before anything else, and stays short enough to read in one sitting.

use std::fs;
use std::path::{Path, PathBuf};

use course_tests::{TIMEOUT, lesson_bin, python3, skip_unless_ci, stdout_of, workspace_root};
use snapbox::cmd::Command;

/// A lesson README is read in one sitting; depth goes on its second page.
const MAX_README_WORDS: usize = 1500;

/// What would mean the notes' port is doing something besides the notes' program.
const NOT_IN_THE_PORT: [&str; 7] = [
    "clap",
    "commentary",
    "Instant",
    "Stopwatch",
    "bench",
    "std::env",
    "sleep_ms",
];

/// The fenced blocks of a markdown page: (language, text), in order.
fn fenced_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in markdown.lines() {
        let fence = line.trim_start();
        match open.take() {
            None => {
                if let Some(language) = fence.strip_prefix("```") {
                    open = Some((language.trim().to_string(), String::new()));
                }
            }
            Some((language, text)) if fence == "```" => blocks.push((language, text)),
            Some((language, mut text)) => {
                text.push_str(line);
                text.push('\n');
                open = Some((language, text));
            }
        }
    }
    blocks
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// The README opens with our CPython counterpart and `src/notes.rs` side by side.
fn opens_with_the_notes(lesson: &str) {
    {
        let dir = workspace_root().join(lesson);
        let readme_path = dir.join("README.md");
        let readme = read(&readme_path);
        let words = readme.split_whitespace().count();
        assert!(
            words <= MAX_README_WORDS,
            "{lesson}/README.md has {words} words; at most {MAX_README_WORDS}"
        );

        let notes = read(&dir.join("src/notes.rs"));
        for word in NOT_IN_THE_PORT {
            assert!(
                !notes.contains(word),
                "{lesson}/src/notes.rs mentions `{word}`: the port holds only the notes' program"
            );
        }

        // The first code blocks: our CPython counterpart(s), then src/notes.rs, verbatim.
        let blocks = fenced_blocks(&readme);
        let rust = blocks
            .iter()
            .position(|(language, _)| language == "rust")
            .unwrap_or_else(|| panic!("{lesson}/README.md shows no ```rust block"));
        assert_eq!(
            blocks[rust].1, notes,
            "{lesson}/README.md's first ```rust block must be src/notes.rs as it is"
        );
        let before = &blocks[..rust];
        assert!(
            !before.is_empty() && before.iter().all(|(language, _)| language == "python"),
            "{lesson}/README.md: only the CPython counterpart comes before src/notes.rs"
        );
        for (_, python) in before {
            let counterpart = fs::read_dir(dir.join("python"))
                .expect("the lesson has a python/ folder")
                .map(|entry| read(&entry.expect("a directory entry").path()))
                .any(|script| &script == python);
            assert!(
                counterpart,
                "{lesson}/README.md shows Python that is no file in {lesson}/python/ as it is"
            );
        }

        let deeper = dir.join("DEEPER.md");
        if deeper.exists() {
            assert!(
                readme.contains("(DEEPER.md)"),
                "{lesson}/README.md links its second page"
            );
        }
    }
}

/// The notes' own snippets, where a copy of them sits beside the repository (in CI it must).
fn notes_snippet(name: &str) -> Option<PathBuf> {
    let path = workspace_root().join("../shared/notes/python").join(name);
    if !path.exists() {
        skip_unless_ci(&format!(
            "skipped the comparison with the notes' {name}: {} is not there",
            path.display()
        ));
        return None;
    }
    Some(path)
}

/// What the notes' snippet prints, run by CPython; `None` (said why) without python3 or the notes.
fn notes_output(name: &str) -> Option<String> {
    let python = python3(&format!("the comparison with the notes' {name}"))?;
    let snippet = notes_snippet(name)?;
    Some(stdout_of(
        Command::new(python)
            .arg(&snippet)
            .current_dir(snippet.parent().expect("a folder"))
            .timeout(TIMEOUT),
    ))
}

fn plain(bin: &str) -> String {
    stdout_of(
        Command::new(lesson_bin(bin))
            .arg("--plain")
            .timeout(TIMEOUT),
    )
}

fn plain_prints_what_the_notes_python_prints(bin: &str, snippet: &str) {
    if let Some(notes) = notes_output(snippet) {
        assert_eq!(
            plain(bin),
            notes,
            "{bin} --plain against the notes' {snippet}"
        );
    }
}

#[test]
fn lesson01_opens_with_the_notes() {
    opens_with_the_notes("lesson01-process");
    plain_prints_what_the_notes_python_prints("lesson01-process", "01_process.py");
}

#[test]
fn lesson02_opens_with_the_notes() {
    opens_with_the_notes("lesson02-queue");
    plain_prints_what_the_notes_python_prints("lesson02-queue", "02_queue.py");
}

#[test]
fn lesson03_opens_with_the_notes() {
    opens_with_the_notes("lesson03-pool");
    plain_prints_what_the_notes_python_prints("lesson03-pool", "03_pool.py");
}

#[test]
fn lesson04_opens_with_the_notes() {
    opens_with_the_notes("lesson04-shared-memory");
    plain_prints_what_the_notes_python_prints("lesson04-shared-memory", "04_shared_memory.py");
}

#[test]
fn lesson05_opens_with_the_notes() {
    opens_with_the_notes("lesson05-lock");
}

#[test]
fn lesson06_opens_with_the_notes() {
    opens_with_the_notes("lesson06-serial");
}

#[test]
fn lesson07_opens_with_the_notes() {
    opens_with_the_notes("lesson07-cluster");
    assert_eq!(plain("lesson07-cluster"), "499667166000\n");
    plain_prints_what_the_notes_python_prints("lesson07-cluster", "02_queue.py");
}

/// The lines of `output` with each `... time: <seconds>` value cut off.
fn times_aside(output: &str) -> Vec<String> {
    output
        .lines()
        .map(|line| match line.split_once(" time: ") {
            Some((label, seconds)) => {
                assert!(seconds.parse::<f64>().is_ok(), "a time in seconds: {line}");
                format!("{label} time:")
            }
            None => line.to_string(),
        })
        .collect()
}

#[test]
fn lesson02_compare_plain_prints_what_the_notes_python_prints_times_aside() {
    let Some(notes) = notes_output("02_compare.py") else {
        return;
    };
    assert_eq!(times_aside(&plain("compare")), times_aside(&notes));
}

/// The notes' lock program prints one running total a line; whichever process takes the lock
/// first, it adds its ten steps before the other adds any.
fn valid_lock_orders() -> [String; 2] {
    let order = |first: i32, second: i32| {
        let mut total = 0;
        let mut lines = String::new();
        for adds in [first; 10].into_iter().chain([second; 10]) {
            total += adds;
            lines.push_str(&format!("{total}\n"));
        }
        lines
    };
    [order(1, 3), order(3, 1)]
}

#[test]
fn lesson05_plain_prints_what_the_notes_python_prints_in_either_order() {
    let valid = valid_lock_orders();
    let ours = plain("lesson05-lock");
    assert!(valid.contains(&ours), "lesson05-lock --plain:\n{ours}");
    if let Some(notes) = notes_output("05_lock.py") {
        assert!(valid.contains(&notes), "the notes' 05_lock.py:\n{notes}");
    }
}
