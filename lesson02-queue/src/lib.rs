//! Lesson 2: a queue between processes, and the notes' comparison of normal, threads and
//! processes, measured.
//!
//! Notes: Queue进程输出 and 多线程多进程效率对比, with two claims of 学习总结. Different in Rust:
//! the queue is a plain pipe of framed messages we can read in one sitting, and with no GIL,
//! threads run `job` in parallel just as processes do, so the notes' ranking does not hold.

pub mod compare;
pub mod lesson;
pub mod plot;
pub mod queue;
pub mod report;

pub use queue::{Message, Queue};

/// The project's CPython counterparts of this lesson.
pub fn python_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python")
}
