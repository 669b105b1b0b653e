//! `cargo exercise`: checks a classroom exercise and says, in plain words, whether it passes
//! or what is still wrong.
//!
//!     cargo exercise list                          every exercise, with its command
//!     cargo exercise lesson01/children             build, run and check your file
//!     cargo exercise lesson01/children --hint 1    the first hint (then 2, then 3)
//!     cargo exercise lesson01/children --solution  check the reference solution instead

use std::process::ExitCode;

use clap::Parser;
use common::cli::parse_args;
use course_tests::Diagnostics;
use course_tests::exercises::{self, Which};

/// Check a classroom exercise: `cargo exercise list` shows them all.
#[derive(Debug, Parser)]
struct Args {
    /// An exercise id such as lesson01/children, or `list`
    exercise: String,

    /// Show hint number N instead of checking (1 nudges; the last nearly tells)
    #[arg(long, value_name = "N", conflicts_with = "solution",
          value_parser = clap::value_parser!(u8).range(1..=9))]
    hint: Option<u8>,

    /// Check the reference solution instead of your file (for teachers)
    #[arg(long)]
    solution: bool,
}

fn main() -> ExitCode {
    let args: Args = parse_args();
    if args.exercise == "list" {
        print!("{}", exercises::table());
        return ExitCode::SUCCESS;
    }
    let Some(exercise) = exercises::find(&args.exercise) else {
        eprintln!(
            "error: no exercise {:?}; `cargo exercise list` shows them all",
            args.exercise
        );
        return ExitCode::from(2);
    };
    if let Some(number) = args.hint {
        let count = exercise.hints.len();
        let Some(hint) = exercise.hints.get(usize::from(number) - 1) else {
            eprintln!("error: {} has {count} hints", exercise.id);
            return ExitCode::from(2);
        };
        println!("hint {number} of {count} for {}: {hint}", exercise.id);
        return ExitCode::SUCCESS;
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
    match exercise.check(which, Diagnostics::Show) {
        Ok(confirmed) => {
            println!("pass: {confirmed}");
            ExitCode::SUCCESS
        }
        Err(wrong) => {
            println!("not yet: {wrong}");
            println!("stuck? cargo exercise {} --hint 1", exercise.id);
            ExitCode::FAILURE
        }
    }
}
