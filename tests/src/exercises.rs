//! The classroom exercises: where each one lives, how it is checked, and its hints.
//!
//! Each exercise is a starter file in its lesson's `exercises/` folder, built as a cargo
//! example named `<lesson>-<name>`; its reference solution is `exercises/solutions/<name>.rs`,
//! built as `<lesson>-<name>-solution`. `cargo exercise <id>` (an alias in `.cargo/config.toml`)
//! builds the student's file, runs it with a timeout, and checks what it printed.
//! The checks assert results and invariants, never times, and accept every valid order.

mod lesson01;
mod lesson02;
mod lesson03;
mod lesson04;
mod lesson05;
mod lesson06;
pub mod workflow;

use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use crate::{Diagnostics, TargetKind, build, workspace_root};

/// What a check sees of one run of an exercise.
#[derive(Debug, Clone)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

/// A check's verdict: `Ok` with what was confirmed, or `Err` with what is still wrong.
pub type Verdict = Result<String, String>;

/// One exercise of the course.
#[derive(Debug, Clone, Copy)]
pub struct Exercise {
    /// `lesson01/children`: what a student types after `cargo exercise`.
    pub id: &'static str,
    /// The crate the exercise belongs to, e.g. `lesson01-process`.
    pub lesson: &'static str,
    pub title: &'static str,
    /// The section of the notes it practises.
    pub notes: &'static str,
    pub difficulty: &'static str,
    pub minutes: u32,
    pub timeout: Duration,
    /// The first nudges; the last nearly tells.
    pub hints: &'static [&'static str],
    pub check: fn(&Run) -> Verdict,
}

/// The student's file or the reference solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Starter,
    Solution,
}

/// Every exercise, in the order a class does them.
pub fn all() -> Vec<Exercise> {
    [
        lesson01::exercises(),
        lesson02::exercises(),
        lesson03::exercises(),
        lesson04::exercises(),
        lesson05::exercises(),
        lesson06::exercises(),
    ]
    .concat()
}

/// The exercise called `id`.
pub fn find(id: &str) -> Option<Exercise> {
    all().into_iter().find(|exercise| exercise.id == id)
}

impl Exercise {
    fn name(&self) -> &'static str {
        self.id.split_once('/').map_or(self.id, |(_, name)| name)
    }

    fn lesson_number(&self) -> &'static str {
        self.id
            .split_once('/')
            .map_or(self.id, |(lesson, _)| lesson)
    }

    /// The cargo example that builds `which` file.
    pub fn example(&self, which: Which) -> String {
        let base = format!("{}-{}", self.lesson_number(), self.name());
        match which {
            Which::Starter => base,
            Which::Solution => format!("{base}-solution"),
        }
    }

    /// The file a student edits, or the solution, relative to the workspace root.
    pub fn file(&self, which: Which) -> PathBuf {
        let exercises = PathBuf::from(self.lesson).join("exercises");
        let file = format!("{}.rs", self.name().replace('-', "_"));
        match which {
            Which::Starter => exercises.join(file),
            Which::Solution => exercises.join("solutions").join(file),
        }
    }

    /// Builds `which` file, runs it and checks it. `Err` holds what a student should read.
    pub fn check(&self, which: Which, diagnostics: Diagnostics) -> Verdict {
        let program =
            build(TargetKind::Example, &self.example(which), diagnostics).map_err(|err| {
                let shown = if diagnostics == Diagnostics::Show {
                    String::new()
                } else {
                    format!("\n{err}")
                };
                format!("it does not compile yet: see the compiler's messages above{shown}")
            })?;
        let run = run(program, self.timeout)?;
        judge(self, &run)
    }
}

/// Runs the exercise with a timeout. On time-out it is killed; then any shared-memory
/// segment it created (lessons 4 and 5 name theirs `lessonNN-PID-...`) is removed, so that a
/// stuck attempt leaves nothing behind in `/dev/shm`.
fn run(program: PathBuf, timeout: Duration) -> Result<Run, String> {
    use std::io::Read;
    use std::process::{Command, Stdio};

    let mut child = Command::new(&program)
        .current_dir(workspace_root())
        // A panic then shows its message, not a backtrace that would hide it.
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run {}: {err}", program.display()))?;
    let pid = child.id();
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("piped")));
    let stderr = read_all(Box::new(child.stderr.take().expect("piped")));
    let deadline = Instant::now() + timeout;
    let (status, timed_out) = loop {
        match child.try_wait().map_err(|err| err.to_string())? {
            Some(status) => break (status, false),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                break (child.wait().map_err(|err| err.to_string())?, true);
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    remove_segments_of(pid);
    Ok(Run {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        timed_out,
    })
}

/// Removes `/dev/shm/lessonNN-<pid>-...`: the segments of a run that was killed.
fn remove_segments_of(pid: u32) {
    let Ok(entries) = std::fs::read_dir("/dev/shm") else {
        return;
    };
    let mark = format!("-{pid}-");
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("lesson") && name.contains(&mark) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The checks every exercise shares, then the exercise's own.
fn judge(exercise: &Exercise, run: &Run) -> Verdict {
    if run.timed_out {
        return Err(format!(
            "it did not finish within {} s and was stopped (is something waiting for ever: a deadlock, or a child nobody ends?)",
            exercise.timeout.as_secs()
        ));
    }
    if let Some(todo) = run
        .stderr
        .lines()
        .find(|line| line.contains("not yet implemented"))
    {
        return Err(format!("it reached a todo!(): {}", todo.trim()));
    }
    (exercise.check)(run)
}

/// Fails unless the program ended with exit code 0, showing the end of what it printed.
pub fn succeeded(run: &Run) -> Result<(), String> {
    if run.status.success() {
        return Ok(());
    }
    let tail: Vec<&str> = run.stderr.lines().rev().take(3).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(format!(
        "it ended with {} (stderr: {:?})",
        run.status,
        tail.join(" | ")
    ))
}

/// The lines of stdout that start with `prefix`, with the prefix taken off.
pub fn lines_after<'a>(run: &'a Run, prefix: &str) -> Vec<&'a str> {
    run.stdout
        .lines()
        .filter_map(|line| line.strip_prefix(prefix))
        .collect()
}

/// The table of exercises for the top-level README.
pub fn table() -> String {
    rows(None)
}

/// The table with a first column that marks each exercise `solved`, or `next` for the first
/// that is not: what `cargo exercise list` prints.
pub fn table_with_progress(progress: &workflow::Progress) -> String {
    rows(Some(progress))
}

fn rows(progress: Option<&workflow::Progress>) -> String {
    let mut out = String::new();
    if progress.is_some() {
        out += "| Done ";
    }
    out += "| Lesson | Exercise | Notes section | Difficulty | Minutes | Check it with |\n";
    if progress.is_some() {
        out += "| --- ";
    }
    out += "| --- | --- | --- | --- | --- | --- |\n";
    let next = progress.and_then(|progress| progress.next().map(|exercise| exercise.id));
    for exercise in all() {
        if let Some(progress) = progress {
            let mark = if progress.is_solved(exercise.id) {
                "solved"
            } else if next == Some(exercise.id) {
                "next"
            } else {
                ""
            };
            out += &format!("| {mark} ");
        }
        out += &format!(
            "| {} | [{}]({}) | {} | {} | {} | `cargo exercise {}` |\n",
            exercise.lesson,
            exercise.title,
            exercise.file(Which::Starter).display(),
            exercise.notes,
            exercise.difficulty,
            exercise.minutes,
            exercise.id
        );
    }
    out
}
