//! Lesson 1: start a process, let it run `job`, join it; by fork, spawn or forkserver.
//!
//! Notes: 创建进程, with `cpu_count()`, `os.getpid()` and the `__main__` rule from 其他总结 and
//! 其他思考. Different in Rust: the three start methods are shown side by side (CPython picks one
//! per platform and version), the `__main__` guard is an explicit check at the top of `main`, and a child is
//! started from `main`'s single thread, because `fork` copies only the thread that calls it.
//!
//! - [`notes`]: the notes' program, step for step, and nothing else (`--plain`).
//! - [`walkthrough`]: the default run, the same program with a voice.
//! - [`without_guard`]: `--without-guard`; [`live_thread`]: `--live-thread`; [`bench`](mod@bench):
//!   `--bench` and `--python`.
//! - [`process`]: Python's `Process`; [`start`]: fork, spawn and the guard; [`forkserver`]:
//!   the third method; [`machine`]: cpu_count, cores, threads, children.

pub mod bench;
pub mod forkserver;
pub mod live_thread;
pub mod machine;
pub mod notes;
pub mod process;
pub mod start;
pub mod walkthrough;
pub mod without_guard;

pub use process::{Process, Target};
pub use start::StartMethod;
