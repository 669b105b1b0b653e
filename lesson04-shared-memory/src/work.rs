//! The work the classroom exercises give to child processes (`exercises/`): a number per step
//! that only computing it can tell, and that costs real CPU time. `cargo exercise` chooses the
//! seeds and works out the same numbers itself; because the work is costly, it can also see
//! from outside which process did it (a child's CPU time grows, the parent's does not).

/// The amount to add at step `step` of the count chosen by `seed`: a number from 1 to 9.
/// Each call costs about a tenth of a microsecond: a million steps are a visible piece of work.
pub fn amount(seed: u64, step: u64) -> i32 {
    // A modulus known only at run time: every `%` is a real division, in debug and release
    // builds alike.
    let modulus = 1_000_003 + seed % 1_000;
    let mut x = step % modulus;
    for _ in 0..16 {
        x = (x * x + seed % modulus) % modulus;
    }
    (x % 9 + 1) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_one_to_nine_and_differ_with_the_seed() {
        let first: Vec<i32> = (0..1000).map(|step| amount(17, step)).collect();
        assert!(first.iter().all(|a| (1..=9).contains(a)));
        let other: Vec<i32> = (0..1000).map(|step| amount(18, step)).collect();
        assert_ne!(first, other);
    }
}
