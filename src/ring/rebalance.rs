//! `redis-cli --cluster rebalance` (`redis-cli.c : clusterManagerCommandRebalance`,
//! `clusterManagerComputeReshardTable`), step for step, so that a change to a Redis Cluster
//! can be predicted slot for slot before it is made:
//!
//! 1. Every master takes part, in redis-cli's order (the node it connects to, then the others
//!    as that node's `CLUSTER NODES` lists them); masters without slots only with
//!    `--cluster-use-empty-masters`. Weights are `float`s, 1 unless `--cluster-weight` says.
//! 2. `expected = (int)(16384f / total_weight * weight)`, `balance = slots - expected`.
//! 3. Nothing happens unless some master is off by more than the threshold (2%):
//!    `|100 - 100·expected/slots| > threshold`, or no slots while `expected > 1`.
//! 4. The slots truncation leaves over go to the receivers: walking the masters in order,
//!    each with `balance <= 0` takes one more, until none are left.
//! 5. Masters sorted by balance (glibc's `qsort`, a merge sort: ties keep their order); the
//!    most negative receives from the most positive `min(|dst|, |src|)` slots — the source's
//!    lowest-numbered slots — until the two ends meet.

use super::slots::SLOT_COUNT;

/// `CLUSTER_MANAGER_REBALANCE_THRESHOLD`, percent.
pub const DEFAULT_THRESHOLD: f32 = 2.0;

/// A master as rebalance sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Master {
    /// The slots it owns, ascending.
    pub slots: Vec<u16>,
    pub weight: f32,
}

/// One `Moving N slots from SRC to DST` step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    /// Indexes into the masters given.
    pub from: usize,
    pub to: usize,
    /// The slots moved, ascending.
    pub slots: Vec<u16>,
}

/// What rebalance decides.
#[derive(Clone, Debug, PartialEq)]
pub struct Rebalance {
    /// Per master given: the slots its weight asks for (`None` for a master left out, empty
    /// without `use_empty`).
    pub expected: Vec<Option<i64>>,
    /// `false`: every master is within the threshold ("No rebalancing needed").
    pub needed: bool,
    pub moves: Vec<Move>,
}

/// Rebalances `masters`, given in redis-cli's order.
pub fn rebalance(masters: &[Master], use_empty: bool, threshold: f32) -> Rebalance {
    let involved: Vec<usize> = (0..masters.len())
        .filter(|&i| use_empty || !masters[i].slots.is_empty())
        .collect();
    let mut expected = vec![None; masters.len()];
    let total_weight: f32 = involved.iter().map(|&i| masters[i].weight).sum();
    let mut balance = vec![0i64; masters.len()];
    let mut total_balance = 0i64;
    let mut over_threshold = false;
    for &i in &involved {
        let owned = masters[i].slots.len() as i64;
        // float arithmetic, truncated, as the C cast does (a NaN or infinity from a total
        // weight of 0 saturates here where C is undefined; rebalance refuses it first).
        let wanted = ((SLOT_COUNT as f32 / total_weight) * masters[i].weight) as i64;
        expected[i] = Some(wanted);
        balance[i] = owned - wanted;
        total_balance += balance[i];
        if threshold > 0.0 {
            over_threshold |= if owned > 0 {
                (100.0 - 100.0 * wanted as f64 / owned as f64).abs() > f64::from(threshold)
            } else {
                wanted > 1
            };
        }
    }
    if !over_threshold {
        return Rebalance {
            expected,
            needed: false,
            moves: Vec::new(),
        };
    }
    while total_balance > 0 {
        for &i in &involved {
            if balance[i] <= 0 && total_balance > 0 {
                balance[i] -= 1;
                total_balance -= 1;
            }
        }
    }
    let mut sorted = involved.clone();
    sorted.sort_by_key(|&i| balance[i]);
    let mut owned: Vec<Vec<u16>> = masters.iter().map(|m| m.slots.clone()).collect();
    let mut moves = Vec::new();
    let (mut dst_at, mut src_at) = (0usize, sorted.len().saturating_sub(1));
    while dst_at < src_at {
        let (dst, src) = (sorted[dst_at], sorted[src_at]);
        let count = balance[dst].abs().min(balance[src].abs());
        if count > 0 {
            // The source's lowest-numbered slots it still owns.
            let taken: Vec<u16> = owned[src].drain(..count as usize).collect();
            owned[dst].extend(&taken);
            owned[dst].sort_unstable();
            moves.push(Move {
                from: src,
                to: dst,
                slots: taken,
            });
        }
        balance[dst] += count;
        balance[src] -= count;
        if balance[dst] == 0 {
            dst_at += 1;
        }
        if balance[src] == 0 {
            src_at -= 1;
        }
    }
    Rebalance {
        expected,
        needed: true,
        moves,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master(ranges: &[(u16, u16)], weight: f32) -> Master {
        Master {
            slots: ranges.iter().flat_map(|&(a, b)| a..=b).collect(),
            weight,
        }
    }

    /// The masters `redis-cli --cluster create` makes of three nodes.
    fn three() -> Vec<Master> {
        vec![
            master(&[(0, 5460)], 1.0),
            master(&[(5461, 10922)], 1.0),
            master(&[(10923, 16383)], 1.0),
        ]
    }

    #[test]
    fn an_empty_fourth_master_takes_the_lowest_slots_of_each() {
        let mut masters = three();
        masters.push(master(&[], 1.0));
        let plan = rebalance(&masters, true, DEFAULT_THRESHOLD);
        assert!(plan.needed);
        assert_eq!(plan.expected, vec![Some(4096); 4]);
        // 5461, 5462 and 5461 slots: balances 1365, 1366, 1365 and -4096. The highest gives
        // first; 0 and 2 tie and keep their order in the sort, so 2 gives before 0.
        let summary: Vec<(usize, usize, usize, u16, u16)> = plan
            .moves
            .iter()
            .map(|m| {
                (
                    m.from,
                    m.to,
                    m.slots.len(),
                    m.slots[0],
                    *m.slots.last().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (1, 3, 1366, 5461, 6826),
                (2, 3, 1365, 10923, 12287),
                (0, 3, 1365, 0, 1364)
            ]
        );
        let moved: usize = plan.moves.iter().map(|m| m.slots.len()).sum();
        assert_eq!(moved, 4096);
    }

    #[test]
    fn without_use_empty_an_empty_master_is_left_out() {
        let mut masters = three();
        masters.push(master(&[], 1.0));
        let plan = rebalance(&masters, false, DEFAULT_THRESHOLD);
        assert!(!plan.needed);
        assert_eq!(plan.expected[3], None);
    }

    #[test]
    fn within_the_threshold_nothing_moves() {
        let plan = rebalance(&three(), true, DEFAULT_THRESHOLD);
        assert!(!plan.needed && plan.moves.is_empty());
        // Expected 5461 each: one slot left over by the truncation.
        assert_eq!(plan.expected, vec![Some(5461); 3]);
    }

    #[test]
    fn weight_zero_empties_a_master() {
        let mut masters = three();
        masters[1].weight = 0.0;
        let plan = rebalance(&masters, false, DEFAULT_THRESHOLD);
        assert_eq!(plan.expected, vec![Some(8192), Some(0), Some(8192)]);
        let from_one: usize = plan
            .moves
            .iter()
            .filter(|m| m.from == 1)
            .map(|m| m.slots.len())
            .sum();
        assert_eq!(from_one, 5462);
        assert!(plan.moves.iter().all(|m| m.from == 1));
    }
}
