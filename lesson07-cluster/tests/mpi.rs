//! With `--features mpi`: `mpirun -n 2` runs the MPI version and rank 0 prints the notes' total.
//! Needs an MPI's `mpirun` on the PATH (`.ci/run` installs MPICH from PyPI).
#![cfg(feature = "mpi")]

use std::process::Command;

#[test]
fn two_ranks_reduce_the_notes_total() {
    let output = Command::new("mpirun")
        .args(["-n", "2", env!("CARGO_BIN_EXE_lesson07-mpi")])
        .output()
        .expect("mpirun is on the PATH (see the README: pip install mpich)");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "499667166000\n");
}

#[test]
fn four_ranks_add_four_parts() {
    let output = Command::new("mpirun")
        .args(["-n", "4", env!("CARGO_BIN_EXE_lesson07-mpi")])
        .output()
        .expect("mpirun is on the PATH");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "999334332000\n");
}
