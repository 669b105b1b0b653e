//! Lesson 7: the notes' queue program over processes on several machines, on timely-dataflow
//! (and, with the `mpi` feature, on MPI).
//!
//! Notes: Queue进程输出, and 其他思考 1 (how many processes?) once one machine is not enough.
//! Different in Rust: no standard-library network queue; we use a real distributed engine,
//! and connect its processes ourselves so that a missing or dying peer is one line, not a hang.

pub mod cluster;
pub mod hostfile;
pub mod notes;

// The default run and its variations.
pub mod bench;
pub mod launcher;
pub mod sum_parts;
pub mod walkthrough;

/// The project's CPython counterparts of this lesson.
pub fn python_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python")
}
