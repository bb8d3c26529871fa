//! Maglev's table fill (Eisenbud et al., NSDI 2016 §3.4) with Envoy's weighted turns
//! (`MaglevTable::constructMaglevTableInternal`, `source/extensions/load_balancing_policies/
//! maglev/maglev_lb.cc`): for iteration = 1, 2, … each node in order takes the next free entry
//! of its permutation unless `iteration · weight < target`, and then raises its target by the
//! largest weight, until every entry is owned.
//!
//! Run as written, every iteration visits every node, though with skewed weights most of
//! them skip most iterations: one heavy node among a million light ones makes the table's
//! 65,537 entries cost 65,537 passes over the million. Here each node waits in a queue keyed
//! by the iteration of its next turn, then its place in the order, so the takes come in the
//! same order at a cost of a queue operation each.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::NodeId;

/// A node's permutation of the table: entry `(offset + skip · j) mod size` for j = 0, 1, …
#[derive(Clone, Copy, Debug)]
pub(super) struct Permutation {
    pub owner: NodeId,
    pub offset: u64,
    pub skip: u64,
}

/// When each node takes its turns; the arithmetic is the system's own (integers for the
/// generic maglev, doubles for Envoy's).
pub(super) trait Turns {
    /// Node `slot` took an entry: its target grows by the largest weight.
    fn took(&mut self, slot: usize);
    /// The first iteration after `iteration` in which `slot` does not skip (`iteration ·
    /// weight >= target`), or `None` when it never takes again.
    fn next_turn(&self, slot: usize, iteration: u64) -> Option<u64>;
}

/// Fills a table of `size` entries, nodes taking turns in the order of `permutations`.
pub(super) fn fill(size: u64, permutations: &[Permutation], turns: &mut impl Turns) -> Vec<NodeId> {
    const FREE: NodeId = NodeId::MAX;
    let mut table = vec![FREE; size as usize];
    let mut next = vec![0u64; permutations.len()];
    // Every target starts at 0, so every node takes a turn in the first iteration.
    let mut queue: BinaryHeap<Reverse<(u64, usize)>> = (0..permutations.len())
        .map(|slot| Reverse((1, slot)))
        .collect();
    let mut filled = 0u64;
    while filled < size {
        let Some(Reverse((iteration, slot))) = queue.pop() else {
            break;
        };
        let permutation = permutations[slot];
        turns.took(slot);
        loop {
            let entry = permutation
                .offset
                .wrapping_add(permutation.skip.wrapping_mul(next[slot]))
                % size;
            next[slot] += 1;
            if table[entry as usize] == FREE {
                table[entry as usize] = permutation.owner;
                filled += 1;
                break;
            }
        }
        if let Some(turn) = turns.next_turn(slot, iteration) {
            queue.push(Reverse((turn, slot)));
        }
    }
    table
}

/// Integer weights: a node takes a turn when `iteration · weight >= target`.
pub(super) struct IntegerTurns {
    pub weights: Vec<u64>,
    pub targets: Vec<u64>,
    pub max_weight: u64,
}

impl Turns for IntegerTurns {
    fn took(&mut self, slot: usize) {
        self.targets[slot] += self.max_weight;
    }

    fn next_turn(&self, slot: usize, iteration: u64) -> Option<u64> {
        let weight = self.weights[slot];
        (weight > 0).then(|| self.targets[slot].div_ceil(weight).max(iteration + 1))
    }
}

/// Envoy's doubles: `iteration` converted to a double times the normalised weight, against a
/// target summed one largest weight at a time.
pub(super) struct DoubleTurns {
    pub weights: Vec<f64>,
    pub targets: Vec<f64>,
    pub max_weight: f64,
}

impl Turns for DoubleTurns {
    fn took(&mut self, slot: usize) {
        self.targets[slot] += self.max_weight;
    }

    fn next_turn(&self, slot: usize, iteration: u64) -> Option<u64> {
        let (weight, target) = (self.weights[slot], self.targets[slot]);
        if weight <= 0.0 {
            return None;
        }
        // `t · weight` rounds monotonically in `t`: start from the quotient and step to the
        // smallest `t` that passes the comparison Envoy makes.
        let takes = |t: u64| t as f64 * weight >= target;
        let first = iteration + 1;
        let mut turn = ((target / weight).ceil() as u64).max(first);
        while turn > first && takes(turn - 1) {
            turn -= 1;
        }
        while !takes(turn) {
            turn += 1;
        }
        Some(turn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fill as Envoy writes it: every node visited in every iteration.
    fn iterated(
        size: u64,
        permutations: &[Permutation],
        skips: impl Fn(usize, u64) -> bool,
        mut took: impl FnMut(usize),
    ) -> Vec<NodeId> {
        let mut table = vec![NodeId::MAX; size as usize];
        let mut next = vec![0u64; permutations.len()];
        let (mut filled, mut iteration) = (0u64, 1u64);
        while filled < size {
            for (slot, p) in permutations.iter().enumerate() {
                if filled == size {
                    break;
                }
                if skips(slot, iteration) {
                    continue;
                }
                took(slot);
                loop {
                    let c = p.offset.wrapping_add(p.skip.wrapping_mul(next[slot])) % size;
                    next[slot] += 1;
                    if table[c as usize] == NodeId::MAX {
                        table[c as usize] = p.owner;
                        filled += 1;
                        break;
                    }
                }
            }
            iteration += 1;
        }
        table
    }

    fn permutations(count: usize, size: u64, seed: &mut u64) -> Vec<Permutation> {
        (0..count)
            .map(|i| Permutation {
                owner: (count - 1 - i) as NodeId,
                offset: next(seed) % size,
                skip: next(seed) % (size - 1) + 1,
            })
            .collect()
    }

    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn the_queue_takes_turns_as_the_iterations_do() {
        let mut seed = 0x2545f4914f6cdd1du64;
        for (count, size) in [(1, 7), (3, 251), (10, 1009), (40, 4099), (200, 4099)] {
            for spread in [1, 2, 3, 100, 10_000] {
                let weights: Vec<u64> = (0..count)
                    .map(|i| {
                        if i == 0 {
                            0
                        } else {
                            next(&mut seed) % spread + 1
                        }
                    })
                    .map(|w| if count == 1 { w.max(1) } else { w })
                    .collect();
                let max = *weights.iter().max().unwrap();
                let perms = permutations(count, size, &mut seed);

                let mut targets = vec![0u64; count];
                let expected = {
                    let targets = std::cell::RefCell::new(&mut targets);
                    iterated(
                        size,
                        &perms,
                        |s, t| t * weights[s] < targets.borrow()[s],
                        |s| targets.borrow_mut()[s] += max,
                    )
                };
                let mut turns = IntegerTurns {
                    weights: weights.clone(),
                    targets: vec![0; count],
                    max_weight: max,
                };
                assert_eq!(fill(size, &perms, &mut turns), expected, "{weights:?}");

                let sum: u64 = weights.iter().sum();
                let shares: Vec<f64> = weights.iter().map(|&w| w as f64 / sum as f64).collect();
                let top = shares.iter().copied().fold(0.0, f64::max);
                let mut targets = vec![0.0f64; count];
                let expected = {
                    let targets = std::cell::RefCell::new(&mut targets);
                    iterated(
                        size,
                        &perms,
                        |s, t| t as f64 * shares[s] < targets.borrow()[s],
                        |s| targets.borrow_mut()[s] += top,
                    )
                };
                let mut turns = DoubleTurns {
                    weights: shares.clone(),
                    targets: vec![0.0; count],
                    max_weight: top,
                };
                assert_eq!(fill(size, &perms, &mut turns), expected, "{shares:?}");
            }
        }
    }
}
