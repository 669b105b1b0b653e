//! The classroom exercises keep their promises: every starter fails its check as shipped (so
//! no exercise passes without work), every reference solution passes (so no solution rots),
//! and the README's table lists them all.

use course_tests::exercises::workflow::Progress;
use course_tests::exercises::{self, Which};
use course_tests::{Diagnostics, TIMEOUT, assert_usage_error, lesson_bin, workspace_root};
use std::path::Path;

use snapbox::cmd::Command;

#[test]
fn every_starter_fails_and_every_solution_passes() {
    let all = exercises::all();
    for lesson in [
        "lesson01-process",
        "lesson02-queue",
        "lesson03-pool",
        "lesson04-shared-memory",
        "lesson05-lock",
        "lesson06-serial",
    ] {
        let count = all
            .iter()
            .filter(|exercise| exercise.lesson == lesson)
            .count();
        assert!(
            count >= 2,
            "{lesson} has {count} exercises; every lesson has two or more"
        );
    }
    for exercise in all {
        let starter = exercise.check(Which::Starter, Diagnostics::Capture);
        let reason = starter.expect_err(&format!("{}: the starter passes as shipped", exercise.id));
        // It must fail for the reason the exercise is about, not by accident.
        let expected = why_the_starter_fails(exercise.id);
        assert!(
            reason.contains(expected),
            "{}: the starter should fail with {expected:?}, it failed with: {reason}",
            exercise.id
        );
        let solution = exercise.check(Which::Solution, Diagnostics::Capture);
        assert!(
            solution.is_ok(),
            "{}: the solution fails: {solution:?}",
            exercise.id
        );
    }
}

#[test]
fn every_kept_cheat_is_rejected_for_its_reason() {
    for exercise in exercises::all() {
        for cheat in exercise.cheats {
            let file = workspace_root().join(exercise.file(Which::Cheat(cheat.name)));
            assert!(file.exists(), "{}: no file {}", exercise.id, file.display());
            let verdict = exercise.check(Which::Cheat(cheat.name), Diagnostics::Capture);
            let reason = verdict.expect_err(&format!(
                "{}: the kept cheat {} passes the check",
                exercise.id, cheat.name
            ));
            assert!(
                reason.contains(cheat.rejected_with),
                "{}: the cheat {} should be rejected with {:?}, it was rejected with: {reason}",
                exercise.id,
                cheat.name,
                cheat.rejected_with
            );
        }
    }
}

/// What each starter's failure says as shipped: the missing work (`todo!()`), or the bug the
/// exercise is about.
fn why_the_starter_fails(id: &str) -> &'static str {
    match id {
        "lesson02/drain-first" => "did not finish within 5 s",
        "lesson04/global-not-shared" => "the parent sees 0",
        "lesson05/fix-the-race" | "lesson05/fetch-add" => "updates were lost",
        "lesson05/recover" => "Err(OwnerDied)",
        _ => "it reached a todo!()",
    }
}

#[test]
fn every_exercise_has_a_statement_todo_markers_and_progressive_hints() {
    for exercise in exercises::all() {
        let starter = std::fs::read_to_string(workspace_root().join(exercise.file(Which::Starter)))
            .unwrap_or_else(|err| panic!("{}: {err}", exercise.id));
        assert!(
            starter.starts_with(&format!("//! Exercise {} ", exercise.id)),
            "{}: a problem statement first",
            exercise.id
        );
        assert!(starter.contains("// TODO"), "{}: TODO markers", exercise.id);
        assert!(
            starter.contains(&format!("cargo exercise {}", exercise.id)),
            "{}: the command to check it",
            exercise.id
        );
        assert!(
            exercise.hints.len() >= 2,
            "{}: at least two hints",
            exercise.id
        );
        assert!(
            workspace_root()
                .join(exercise.file(Which::Solution))
                .exists(),
            "{}: a solution",
            exercise.id
        );
    }
}

#[test]
fn the_readme_table_lists_every_exercise() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    assert!(
        readme.contains(&exercises::table()),
        "README.md's exercise table differs from:\n{}",
        exercises::table()
    );
}

#[test]
fn the_exercise_command_talks_plainly() {
    // A progress file of its own, so the test neither reads nor changes a student's.
    let progress = std::env::temp_dir().join(format!("exercise-plainly-{}", std::process::id()));
    let exercise = || {
        Command::new(lesson_bin("exercise"))
            .current_dir(workspace_root())
            .env("EXERCISE_PROGRESS", &progress)
            .timeout(TIMEOUT)
    };
    let output = exercise().arg("lesson01/children").output().expect("runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("not yet: it reached a todo!()"), "{stdout}");
    assert!(
        stdout.contains("cargo exercise lesson01/children --hint 1"),
        "{stdout}"
    );

    let hint = exercise()
        .args(["lesson01/children", "--hint", "1"])
        .output()
        .expect("runs");
    assert!(hint.status.success());
    assert!(
        String::from_utf8_lossy(&hint.stdout).starts_with("hint 1 of 3 for lesson01/children: ")
    );

    let list = exercise().arg("list").output().expect("runs");
    let none_solved = Progress::load(&progress).expect("no progress yet");
    assert_eq!(
        String::from_utf8_lossy(&list.stdout),
        exercises::table_with_progress(&none_solved)
    );

    assert_usage_error(exercise(), &["no-such/exercise"]);
    assert_usage_error(exercise(), &["lesson01/children", "--hint", "9"]);
    assert_usage_error(exercise(), &["lesson01/children", "--hint", "0"]);
}

/// Writes a progress file that marks every exercise solved but `unsolved`.
fn progress_without(unsolved: &[&str]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "exercise-progress-{}-{}",
        std::process::id(),
        unsolved.len()
    ));
    let _ = std::fs::remove_file(&path);
    let mut progress = Progress::load(&path).expect("no file yet");
    for exercise in exercises::all() {
        if !unsolved.contains(&exercise.id) {
            progress.set(exercise.id, true).expect("written");
        }
    }
    path
}

#[test]
fn with_no_argument_the_next_unsolved_exercise_is_checked_and_list_marks_progress() {
    let exercise = |progress: &std::path::Path| {
        Command::new(lesson_bin("exercise"))
            .current_dir(workspace_root())
            .env("EXERCISE_PROGRESS", progress)
            .timeout(TIMEOUT)
    };
    let progress = progress_without(&["lesson01/join-timeout", "lesson02/split-job"]);
    let output = exercise(&progress).output().expect("runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("lesson01/join-timeout: "), "{stdout}");
    assert!(stdout.contains("not yet: "), "{stdout}");

    let list = exercise(&progress).arg("list").output().expect("runs");
    let list = String::from_utf8_lossy(&list.stdout);
    let row = |id: &str| {
        list.lines()
            .find(|line| line.ends_with(&format!("`cargo exercise {id}` |")))
            .unwrap_or_else(|| panic!("no row for {id} in {list}"))
            .to_string()
    };
    assert!(row("lesson01/children").starts_with("| solved |"), "{list}");
    assert!(
        row("lesson01/join-timeout").starts_with("| next |"),
        "{list}"
    );
    assert!(row("lesson02/split-job").starts_with("|  |"), "{list}");

    let done = progress_without(&[]);
    let output = exercise(&done).output().expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "every exercise is solved; `cargo exercise list` shows them all\n"
    );
    for path in [progress, done] {
        std::fs::remove_file(path).expect("cleaned");
    }

    assert_usage_error(
        exercise(Path::new("/nonexistent/p")),
        &["reset", "no-such/exercise"],
    );
    assert_usage_error(exercise(Path::new("/nonexistent/p")), &["reset"]);
    assert_usage_error(
        exercise(Path::new("/nonexistent/p")),
        &["watch", "--solution"],
    );
}
