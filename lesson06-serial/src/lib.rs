//! Lesson 6: a host and a device process talk over a serial line, and full duplex is measured.
//!
//! Notes: 学习目标 3 (使用多进程编写serial通信代码) and 其他思考 2 (are Python threads really full
//! duplex?). Different in Rust: no hardware is needed (a pseudo-terminal is the serial line),
//! the port is shared between processes by inheriting its descriptor through `fork`, replies
//! travel back through lesson02's queue, and the full-duplex question is answered with
//! measured bytes per second, for Rust threads and processes and for CPython's threads.
//!
//! [`notes`] is the smallest program: one device process, three commands, their replies
//! (`--plain`). The default run ([`session`], [`host`], [`device`]) builds beside it, and
//! [`bench`] measures full duplex.

pub mod bench;
pub mod device;
pub mod faults;
pub mod host;
pub mod lines;
pub mod notes;
pub mod playground;
pub mod port;
pub mod protocol;
pub mod session;

/// The project's CPython counterparts of this lesson.
pub fn python_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python")
}

/// A forked child's exit code for what it did: 0, or 1 after its error in one line on stderr.
pub fn exit_code_in_child(role: &str, result: anyhow::Result<()>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("{role} {}: {err:#}", std::process::id());
            1
        }
    }
}
