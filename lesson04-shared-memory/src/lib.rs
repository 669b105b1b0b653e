//! Lesson 4: processes share no memory unless they ask for it; `Value` and `Array` in named
//! shared memory, and nothing left behind in `/dev/shm`.
//!
//! Notes: 共享内存shared memory. [`notes`] is the notes' program; [`walkthrough`] is the
//! default run, in three parts beside it: [`isolation`], [`child_changes`] (with
//! [`faults`]), [`threads`]. Different in Rust: the notes' `Value('d', 1)` and
//! `Array('i', [1, 2, 3])` are typed (`Value::<f64>`, `Array::<i32>`) and live in named POSIX
//! shared-memory segments (the `shared_memory` crate) that this lesson creates, checks and
//! removes itself, even when the run is interrupted; and the thread version needs no segment at
//! all, because Rust threads already run in parallel.
//!
//! [`work`] is the costly work the classroom exercises (`exercises/`) give to child processes.
//! All of the lesson's `unsafe` is in [`shm`], but for one call in [`signals`] that puts a forked
//! child's signal handlers back to their defaults.

pub mod child_changes;
pub mod cleanup;
pub mod faults;
pub mod isolation;
pub mod notes;
pub mod shm;
pub mod signals;
pub mod threads;
pub mod value;
pub mod walkthrough;
pub mod work;

pub use shm::{Plain, Region, ShmError};
pub use value::{Array, SharedCell, Typecode, Value};
