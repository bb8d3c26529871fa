//! Exact shares for placements that index a table by `hash mod len` (modula, maglev): over the
//! hash values `0..range`, residue `s` occurs `range / len` times, plus once more when
//! `s < range % len`.

/// How many values in `0..range` have a residue mod `len` within `first..end`.
pub fn values_with_residue_in(first: u128, end: u128, len: u128, range: u128) -> u128 {
    let (per_residue, extra) = (range / len, range % len);
    let with_extra = end.min(extra).saturating_sub(first.min(extra));
    (end - first) * per_residue + with_extra
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_counting() {
        for len in 1..12u128 {
            for range in 1..40u128 {
                for first in 0..len {
                    for end in first..=len {
                        let counted = (0..range)
                            .filter(|h| (first..end).contains(&(h % len)))
                            .count() as u128;
                        assert_eq!(
                            values_with_residue_in(first, end, len, range),
                            counted,
                            "{len} {range} {first} {end}"
                        );
                    }
                }
            }
        }
    }
}
