//! Lesson 2: a queue between processes, and the notes' comparison of normal, threads and
//! processes, measured.
//!
//! Notes: Queue进程输出 and 多线程多进程效率对比, with two claims of 学习总结. `notes` is the
//! notes' two programs in Rust; everything else builds beside them. Different in Rust: the
//! queue is a plain pipe of framed messages we can read in one sitting, and with no GIL,
//! threads run `job` in parallel just as processes do, so the notes' ranking does not hold.

pub mod like_python;
pub mod notes;
pub mod queue;

// lesson02-queue: the default run and its variations.
pub mod bad_frame;
pub mod bench;
pub mod deadlock;
pub mod threads;
pub mod walkthrough;

// compare: the measured comparison, its default run and its variations.
pub mod compare;
pub mod plot;
pub mod report;
pub mod sweep;
pub mod verdict;
pub mod with_python;
pub mod workers_sweep;

pub use queue::{Message, Queue};

/// The project's CPython counterparts of this lesson.
pub fn python_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python")
}
