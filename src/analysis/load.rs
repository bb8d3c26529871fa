//! `--key-weight`: a node's load is the sum of its keys' weights (bytes, requests). Where
//! keys are counted, weights are summed in `u128`, which no run can overflow; a report
//! carries `u64` loads, checked once at the end, so a total too large is an error, never a
//! wrapped number.

use crate::error::{Error, Result};

/// The load total a report can carry, or the error that says it cannot.
pub fn checked_total(total: u128) -> Result<u64> {
    u64::try_from(total).map_err(|_| {
        Error::usage(format!(
            "--key-weight: the weights add up to {total}, more than a total can hold ({}); \
             give the weights in a larger unit (e.g. KiB instead of bytes)",
            u64::MAX
        ))
    })
}

/// Loads per node and of the keys no node serves, as a report carries them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loads {
    pub per_node: Vec<u64>,
    pub unassigned: u64,
}

impl Loads {
    /// From the sums of a run, checked to fit a report.
    pub fn checked(per_node: &[u128], unassigned: u128) -> Result<Loads> {
        checked_total(per_node.iter().sum::<u128>() + unassigned)?;
        // Each part is at most the total, which fits.
        Ok(Loads {
            per_node: per_node.iter().map(|&l| l as u64).collect(),
            unassigned: unassigned as u64,
        })
    }

    /// The whole load; it fits, as [`Loads::checked`] or `merge` made sure.
    pub fn total(&self) -> u64 {
        self.per_node.iter().sum::<u64>() + self.unassigned
    }
}

/// `part / total`, and 0 when there is nothing to share.
pub fn share(part: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        part as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_past_u64_is_an_error() {
        let max = u128::from(u64::MAX);
        let loads = Loads::checked(&[max - 1, 0], 1).unwrap();
        assert_eq!(loads.total(), u64::MAX);
        let error = Loads::checked(&[max, 0], 1).unwrap_err().to_string();
        assert_eq!(
            error,
            "--key-weight: the weights add up to 18446744073709551616, more than a total can \
             hold (18446744073709551615); give the weights in a larger unit (e.g. KiB instead \
             of bytes)"
        );
    }
}
