//! `cargo exercise`: checks a classroom exercise and says, in plain words, whether it passes
//! or what is still wrong.
//!
//!     cargo exercise                               check the next exercise you have not solved
//!     cargo exercise list                          every exercise, the solved ones marked
//!     cargo exercise watch                         check again on every save; move on when it passes
//!     cargo exercise lesson01/children             build, run and check your file
//!     cargo exercise lesson01/children --hint 1    the first hint (then 2, then 3)
//!     cargo exercise lesson01/children --solution  check the reference solution instead
//!     cargo exercise reset lesson01/children       put the starter back as shipped
//!     cargo exercise lesson01/children --statement the problem statement (`--lang zh`: 中文)

use std::process::ExitCode;

use clap::Parser;
use common::cli::parse_args;
use course_tests::exercises::workflow::{self, Progress};
use course_tests::exercises::{self, Exercise, Which, zh};
use course_tests::{Diagnostics, workspace_root};

/// Check a classroom exercise: `cargo exercise list` shows them all.
#[derive(Debug, Parser)]
struct Args {
    /// An exercise id such as lesson01/children; or `list`, `watch`, `reset ID`; nothing
    /// checks the next exercise you have not solved
    #[arg(num_args = 0..=2, value_name = "EXERCISE")]
    words: Vec<String>,

    /// Show hint number N instead of checking (1 nudges; the last nearly tells)
    #[arg(long, value_name = "N", conflicts_with = "solution",
          value_parser = clap::value_parser!(u8).range(1..=9))]
    hint: Option<u8>,

    /// Check the reference solution instead of your file (for teachers)
    #[arg(long)]
    solution: bool,

    /// Show the exercise's problem statement instead of checking
    #[arg(long, conflicts_with_all = ["hint", "solution"])]
    statement: bool,

    /// The language of statements and hints: en, or zh (简体中文); by default zh when the
    /// locale (LC_ALL, LC_MESSAGES, LANG) is Chinese
    #[arg(long, value_name = "LANG", value_parser = ["en", "zh"])]
    lang: Option<String>,
}

impl Args {
    /// Whether to show statements and hints in Chinese.
    fn chinese(&self) -> bool {
        match self.lang.as_deref() {
            Some(lang) => lang == "zh",
            None => ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
                .is_some_and(|locale| locale.starts_with("zh")),
        }
    }
}

fn main() -> ExitCode {
    let args: Args = parse_args();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<ExitCode, String> {
    let words: Vec<&str> = args.words.iter().map(String::as_str).collect();
    let mut progress = Progress::load(&workflow::progress_file())?;
    match words[..] {
        [] => match progress.next() {
            Some(exercise) => check(&exercise, args, &mut progress),
            None => {
                println!("every exercise is solved; `cargo exercise list` shows them all");
                Ok(ExitCode::SUCCESS)
            }
        },
        ["list"] => {
            print!("{}", exercises::table_with_progress(&progress));
            Ok(ExitCode::SUCCESS)
        }
        ["watch"] => watch(args, &mut progress),
        ["reset", id] => {
            let exercise = find(id)?;
            let file = exercise.file(Which::Starter);
            if workflow::reset(&workspace_root(), &file)? {
                progress.set(exercise.id, false)?;
                println!("{} is back as shipped", file.display());
            } else {
                println!("{} is already as shipped", file.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        [id] => check(&find(id)?, args, &mut progress),
        _ => Err(format!(
            "unexpected {:?}; try `cargo exercise list`",
            args.words.join(" ")
        )),
    }
}

fn find(id: &str) -> Result<Exercise, String> {
    exercises::find(id)
        .ok_or_else(|| format!("no exercise {id:?}; `cargo exercise list` shows them all"))
}

/// Checks `exercise` (or shows a hint) and records the outcome.
fn check(exercise: &Exercise, args: &Args, progress: &mut Progress) -> Result<ExitCode, String> {
    let chinese = args.chinese().then(|| zh::of(exercise.id)).flatten();
    if args.statement {
        match chinese {
            Some(zh) => println!("{}", zh.statement),
            None => println!("{}", exercise.statement()),
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(number) = args.hint {
        let hints = chinese.map_or(exercise.hints, |zh| zh.hints);
        let count = hints.len();
        let hint = hints
            .get(usize::from(number) - 1)
            .ok_or_else(|| format!("{} has {count} hints", exercise.id))?;
        match chinese {
            Some(_) => println!("{} 的提示 {number}/{count}：{hint}", exercise.id),
            None => println!("hint {number} of {count} for {}: {hint}", exercise.id),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let which = if args.solution {
        Which::Solution
    } else {
        Which::Starter
    };
    println!(
        "{}: {}  (Notes: {}; {}, about {} minutes)",
        exercise.id, exercise.title, exercise.notes, exercise.difficulty, exercise.minutes
    );
    println!("checking {} ...", exercise.file(which).display());
    let verdict = exercise.check(which, Diagnostics::Show);
    if which == Which::Starter {
        progress.set(exercise.id, verdict.is_ok())?;
    }
    Ok(match verdict {
        Ok(confirmed) => {
            println!("pass: {confirmed}");
            ExitCode::SUCCESS
        }
        Err(wrong) => {
            println!("not yet: {wrong}");
            println!("stuck? cargo exercise {} --hint 1", exercise.id);
            ExitCode::FAILURE
        }
    })
}

/// Checks the next unsolved exercise, then again each time its file is saved; when it passes,
/// moves on to the next one. Ends when every exercise is solved, or with Ctrl-C.
fn watch(args: &Args, progress: &mut Progress) -> Result<ExitCode, String> {
    if args.hint.is_some() || args.solution || args.statement {
        return Err("watch takes none of --hint, --solution, --statement".into());
    }
    while let Some(exercise) = progress.next() {
        let file = workspace_root().join(exercise.file(Which::Starter));
        let mut passed = check(&exercise, args, progress)? == ExitCode::SUCCESS;
        if !passed {
            println!(
                "watching {}: save it to check again (Ctrl-C to stop)",
                file.display()
            );
            workflow::watch(&file, || {
                println!();
                passed = matches!(check(&exercise, args, progress), Ok(code) if code == ExitCode::SUCCESS);
                !passed
            })?;
        }
        println!();
    }
    println!("every exercise is solved");
    Ok(ExitCode::SUCCESS)
}
