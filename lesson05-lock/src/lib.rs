//! Lesson 5: two processes add to one shared value under one lock; without the lock, updates
//! are lost; and a lock that survives the death of its holder.
//!
//! Notes: Lock. [`notes`] is the notes' program in Rust, and `--plain` runs it. Different in
//! Rust: the lock lives in the same shared-memory segment as the value (a process-shared pthread
//! mutex next to the `i32`, like CPython's `Value` with its built-in lock), and it is robust:
//! when its holder dies, the next process to lock it is told so (`EOWNERDEAD`) and carries on,
//! where CPython's `multiprocessing.Lock` waits for ever. The thread version needs no segment,
//! and the compiler refuses to let two threads change an unlocked `i32` (see [`threads`]).
//!
//! Each variation has its own module: [`walkthrough`] (the default run, said aloud),
//! [`no_lock`], [`kill_holder`], [`threads`], [`bench`](mod@bench) (with [`handover`]) and
//! [`cpython`]. All of the lesson's `unsafe` is in [`robust`], but for the call that opens the
//! lock by name in a spawned or forkserver child ([`children`]). [`race`] holds the totals on which
//! the lost update happens every time, for `--no-lock` and the classroom exercises. Linux only:
//! macOS has no robust mutexes.

#[cfg(target_os = "linux")]
pub mod bench;
#[cfg(target_os = "linux")]
pub mod children;
#[cfg(target_os = "linux")]
pub mod cpython;
#[cfg(target_os = "linux")]
pub mod handover;
#[cfg(target_os = "linux")]
pub mod kill_holder;
#[cfg(target_os = "linux")]
pub mod no_lock;
#[cfg(target_os = "linux")]
pub mod notes;
#[cfg(target_os = "linux")]
pub mod race;
#[cfg(target_os = "linux")]
pub mod robust;
#[cfg(target_os = "linux")]
pub mod threads;
#[cfg(target_os = "linux")]
pub mod walkthrough;

use std::path::PathBuf;

#[cfg(target_os = "linux")]
pub use robust::{Guard, LockedValue, OwnerDied};

/// The prefix of this lesson's segment names: `/dev/shm/lesson05-PID-RANDOM`.
pub const PREFIX: &str = "lesson05";

/// How many steps each worker makes: the notes' `for _ in range(10)`.
pub const STEPS: i32 = 10;

/// What a run shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The notes' program: each worker takes the lock for all of its ten steps.
    Lock,
    /// The same steps with no lock: updates are lost.
    NoLock,
    /// The first holder dies while it holds the lock; the other recovers it.
    KillHolder,
}

/// One of the notes' two processes: its name and what it adds at each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Worker {
    pub name: &'static str,
    pub adds: i32,
}

/// The notes' `Process(target=job, args=(v, 1, l))` and `Process(target=job, args=(v, 3, l))`.
pub const WORKERS: [Worker; 2] = [
    Worker {
        name: "p1",
        adds: 1,
    },
    Worker {
        name: "p2",
        adds: 3,
    },
];

/// What both workers add in all: 40.
pub fn expected_total() -> i32 {
    WORKERS.iter().map(|worker| worker.adds * STEPS).sum()
}

/// The other of the two workers.
pub fn other(worker: Worker) -> Worker {
    if worker == WORKERS[0] {
        WORKERS[1]
    } else {
        WORKERS[0]
    }
}

/// The project's CPython counterparts of this lesson.
pub fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python")
}
