//! The notes' queue program as MPI ranks (build with `--features mpi`, run with
//! `mpirun -n 2 target/debug/lesson07-mpi`): every rank computes `job(1000)`, a `reduce` adds the
//! parts at rank 0, which prints the total. mpi4py's version is `python/mpi_queue.py`.
//!
//! MPI has no 128-bit integer: each part travels as four 32-bit limbs in `u64`s, summed by MPI's
//! own `SUM`, and rank 0 puts the carries back (`lesson07_cluster::sum_parts`).

use std::process::ExitCode;

use lesson07_cluster::sum_parts::{from_limb_sums, to_limbs};
use mpi::collective::SystemOperation;
use mpi::traits::*;

fn main() -> ExitCode {
    let Some(universe) = mpi::initialize() else {
        eprintln!("error: MPI was already initialised");
        return ExitCode::FAILURE;
    };
    let world = universe.world();
    let root = world.process_at_rank(0);
    let part = match common::job(1000) {
        Ok(part) => part,
        Err(err) => {
            eprintln!("error: rank {}: {err}", world.rank());
            world.abort(1)
        }
    };
    let limbs = to_limbs(part);
    if world.rank() == 0 {
        let mut sums = [0u64; 4];
        root.reduce_into_root(&limbs[..], &mut sums[..], SystemOperation::sum());
        match from_limb_sums(sums) {
            Some(total) => println!("{total}"),
            None => {
                eprintln!("error: the total does not fit in a u128");
                return ExitCode::FAILURE;
            }
        }
    } else {
        root.reduce_into(&limbs[..], SystemOperation::sum());
    }
    ExitCode::SUCCESS
}
