//! MPI has no 128-bit integer type, and our parts are `u128`. Each part is cut into four 32-bit
//! limbs, each held in a `u64`; MPI's ordinary `SUM` over `u64` adds the limbs rank by rank
//! (up to 2³² ranks cannot overflow a limb's `u64`), and the root puts the carries back.

/// `part` as four 32-bit limbs, least significant first, each in a `u64`.
pub fn to_limbs(part: u128) -> [u64; 4] {
    std::array::from_fn(|k| ((part >> (32 * k)) & 0xffff_ffff) as u64)
}

/// The `u128` whose limbs, summed over every rank, are `sums`; `None` if it does not fit.
pub fn from_limb_sums(sums: [u64; 4]) -> Option<u128> {
    sums.iter().enumerate().try_fold(0u128, |total, (k, &sum)| {
        let shifted = u128::from(sum).checked_shl(32 * k as u32)?;
        // A limb sum above 2³² moves into the next limb: check that nothing falls off the top.
        if shifted >> (32 * k) != u128::from(sum) {
            return None;
        }
        total.checked_add(shifted)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limb_sum(parts: &[u128]) -> [u64; 4] {
        let mut sums = [0u64; 4];
        for part in parts {
            for (sum, limb) in sums.iter_mut().zip(to_limbs(*part)) {
                *sum += limb;
            }
        }
        sums
    }

    #[test]
    fn limbs_sum_to_the_u128_total() {
        let parts = [
            249_833_583_000u128,
            249_999_833_333_583_333_000_000,
            u128::from(u64::MAX) * 3,
            (1u128 << 100) + 12345,
        ];
        assert_eq!(from_limb_sums(limb_sum(&parts)), Some(parts.iter().sum()));
        assert_eq!(from_limb_sums(to_limbs(u128::MAX)), Some(u128::MAX));
    }

    #[test]
    fn a_total_past_u128_is_refused() {
        assert_eq!(from_limb_sums(limb_sum(&[u128::MAX, 1])), None);
    }
}
