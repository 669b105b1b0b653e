//! The computation the notes time: `job(n)` = the sum over `i < n` of `i + i² + i³`.
//!
//! Python's integers never overflow, and the notes' totals do not fit in a `u64`
//! (`2 × job(10⁶)` is about 5 × 10²³), so the result is a `u128`. An `n` whose total would not
//! fit even there is refused with [`TooLarge`] before any work is done: never wrapped, never a
//! panic.
//!
//! # Why the loop hides `i` from the optimiser
//!
//! Written plainly, `for i in 0..n { total += i + i * i + i * i * i }` is a polynomial sum, and in
//! a release build LLVM replaces the whole loop with its closed form: it then takes well under a
//! microsecond for any `n`, and a student who times it "measures" a speedup of a million that
//! has nothing to do with processes or threads. [`job_range`] passes each `i` through
//! [`std::hint::black_box`], which tells the compiler it cannot know the value, so it has to do
//! the arithmetic for every `i`, as CPython does, and the time grows with `n`. The cost of
//! `black_box` itself is a register spill per iteration: small next to the `u128` multiplies.

use std::fmt;
use std::hint::black_box;
use std::ops::Range;

/// The largest `n` for which `job(n)` fits in a `u128` (found with the closed form; the test
/// suite checks that `MAX_N + 1` does not fit).
pub const MAX_N: u64 = 6_074_001_000;

/// `job(n)` for an `n` whose result does not fit in a `u128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge {
    /// The `n` (or range end) that was asked for.
    pub n: u64,
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "job({}) does not fit in a u128 (Python's int would grow; ours would overflow): n must be at most {MAX_N}",
            self.n
        )
    }
}

impl std::error::Error for TooLarge {}

/// The notes' kernel: the sum over `i` in `0..n` of `i + i² + i³`, computed one `i` at a time.
///
/// `job(1000)` is `249833583000`, as in CPython.
pub fn job(n: u64) -> Result<u128, TooLarge> {
    job_range(0..n)
}

/// The same sum over `i` in `range` only, so the work can be split among workers:
/// `job(n) == job_range(0..k) + job_range(k..n)` for any `k <= n`.
pub fn job_range(range: Range<u64>) -> Result<u128, TooLarge> {
    if range.end > MAX_N {
        return Err(TooLarge { n: range.end });
    }
    // Every partial sum is at most job(MAX_N), so nothing below can overflow.
    let mut total: u128 = 0;
    for i in range {
        // Without black_box a release build computes the closed form instead (see module docs).
        let i = u128::from(black_box(i));
        total += i + i * i + i * i * i;
    }
    Ok(total)
}

/// `job(n)` from the formulas for the sums of `i`, `i²` and `i³`; `None` if it overflows a
/// `u128`. Used to check the loop, never to time it.
pub fn job_closed_form(n: u64) -> Option<u128> {
    let n = u128::from(n);
    if n == 0 {
        return Some(0);
    }
    let sum_i = n.checked_mul(n - 1)? / 2;
    let sum_i2 = (n - 1).checked_mul(n)?.checked_mul(2 * n - 1)? / 6;
    let sum_i3 = sum_i.checked_mul(sum_i)?;
    sum_i.checked_add(sum_i2)?.checked_add(sum_i3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_cpython_for_the_notes_values() {
        assert_eq!(job(1000), Ok(249_833_583_000));
        assert_eq!(job(1_000_000), Ok(249_999_833_333_583_333_000_000));
        assert_eq!(
            2 * job(1_000_000).expect("fits"),
            499_999_666_667_166_666_000_000
        );
    }

    #[test]
    fn loop_equals_closed_form_for_many_n() {
        let small = 0..2_000;
        let scattered = (0..60).map(|k| k * 7_919 + 13);
        for n in small.chain(scattered) {
            assert_eq!(job(n).ok(), job_closed_form(n), "n = {n}");
        }
    }

    #[test]
    fn ranges_add_up_to_the_whole() {
        let n = 100_003;
        let whole = job(n).expect("fits");
        for k in [0, 1, 50_000, n - 1, n] {
            let parts = job_range(0..k).expect("fits") + job_range(k..n).expect("fits");
            assert_eq!(parts, whole, "split at {k}");
        }
        assert_eq!(job_range(5..5), Ok(0));
    }

    #[test]
    fn max_n_is_the_exact_limit() {
        assert!(job_closed_form(MAX_N).is_some());
        assert!(job_closed_form(MAX_N + 1).is_none());
        assert!(job_closed_form(u64::MAX).is_none());
    }

    #[test]
    fn too_large_is_refused_before_any_work() {
        assert_eq!(job(MAX_N + 1), Err(TooLarge { n: MAX_N + 1 }));
        assert_eq!(job(u64::MAX), Err(TooLarge { n: u64::MAX }));
        assert_eq!(
            job_range(MAX_N..u64::MAX),
            Err(TooLarge { n: u64::MAX }),
            "a range is refused by its end"
        );
        let message = TooLarge { n: u64::MAX }.to_string();
        assert!(message.contains("at most 6074001000"), "{message}");
    }

    #[test]
    fn the_top_of_the_range_still_sums_exactly() {
        // The last few terms below MAX_N, checked against the closed form's difference.
        let range = MAX_N - 1_000..MAX_N;
        let expected =
            job_closed_form(MAX_N).expect("fits") - job_closed_form(MAX_N - 1_000).expect("fits");
        assert_eq!(job_range(range), Ok(expected));
    }
}
