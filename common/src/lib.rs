//! What several lessons share and none of them teaches: the notes' `job` kernel, timing helpers
//! that refuse to time a wrong answer, Python-style printing, and reaping child processes.
//!
//! Each lesson's own subject lives in its own crate; this one stays small on purpose.

pub mod cli;
pub mod exercise;
pub mod kernel;
pub mod process;
pub mod pyfmt;
pub mod python;
pub mod sweep;
pub mod timing;

pub use kernel::{MAX_N, TooLarge, job, job_closed_form, job_range};
