//! A sorted ring of points searched the ketama way: the first point at or after the key's
//! hash, wrapping to the first point. Shared by every point-based algorithm.

use super::{NodeId, Point};

/// Points kept as two flat arrays (positions, owners) so the binary search touches only the
/// positions.
#[derive(Clone, Debug)]
pub struct Continuum<P> {
    positions: Vec<P>,
    owners: Vec<NodeId>,
}

impl<P: Copy + Ord + Into<u128>> Continuum<P> {
    /// Sorts points by position with a stable sort, so points at equal positions keep the
    /// order they were generated in: glibc's `qsort` (a merge sort) does the same for ketama.
    pub fn from_points(mut points: Vec<(P, NodeId)>) -> Self {
        points.sort_by_key(|&(position, _)| position);
        let (positions, owners) = points.into_iter().unzip();
        Continuum { positions, owners }
    }

    pub fn len(&self) -> usize {
        self.positions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Owner of the first point with position >= `hash`, wrapping to the first point.
    #[inline]
    pub fn locate(&self, hash: P) -> Option<NodeId> {
        let index = self.positions.partition_point(|&p| p < hash);
        let index = if index == self.positions.len() {
            0
        } else {
            index
        };
        self.owners.get(index).copied()
    }

    /// Who owns the hash values `0..range`, as runs: the values between a point and the one
    /// before it go to that point's owner; the values above the last point wrap to the
    /// first. At equal positions the first point takes the whole arc, as the search does.
    pub fn intervals(&self, range: u128) -> Vec<(u128, Option<NodeId>)> {
        let top = range - 1;
        let mut runs = Vec::with_capacity(self.len() + 1);
        for (&position, &owner) in self.positions.iter().zip(&self.owners) {
            let position: u128 = position.into();
            extend_runs(&mut runs, position.min(top), owner);
            if position >= top {
                break;
            }
        }
        match (
            runs.last().map(|r: &(u128, Option<NodeId>)| r.0),
            self.owners.first(),
        ) {
            (Some(last), Some(&first)) if last < top => extend_runs(&mut runs, top, first),
            (None, _) => runs.push((top, None)),
            _ => {}
        }
        runs
    }

    /// How many points each node holds.
    pub fn point_counts(&self, nodes: usize) -> Vec<Option<u64>> {
        let mut counts = vec![0u64; nodes];
        for &owner in &self.owners {
            counts[owner as usize] += 1;
        }
        counts.into_iter().map(Some).collect()
    }

    pub fn points(&self) -> Vec<Point> {
        self.positions
            .iter()
            .zip(&self.owners)
            .map(|(&position, &node)| Point {
                position: position.into() as u64,
                node,
            })
            .collect()
    }
}

/// Gives the values up to `last` to `owner`, unless an earlier point already took them.
fn extend_runs(runs: &mut Vec<(u128, Option<NodeId>)>, last: u128, owner: NodeId) {
    match runs.last_mut() {
        Some(run) if run.1 == Some(owner) => run.0 = last,
        Some(run) if run.0 >= last => {}
        _ => runs.push((last, Some(owner))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::owner_map::{HashInput, Layout, OwnerMap};

    fn shares<P: Copy + Ord + Into<u128>>(
        ring: &Continuum<P>,
        nodes: usize,
        range: u128,
    ) -> Vec<f64> {
        let input = HashInput {
            hash: "test",
            bits: 32,
            tag: None,
        };
        OwnerMap {
            input,
            range,
            layout: Layout::Intervals(ring.intervals(range)),
        }
        .shares(nodes)
    }

    #[test]
    fn lower_bound_with_wrap() {
        let ring = Continuum::from_points(vec![(100u32, 0), (200, 1), (300, 2)]);
        assert_eq!(ring.locate(0), Some(0));
        assert_eq!(ring.locate(100), Some(0));
        assert_eq!(ring.locate(101), Some(1));
        assert_eq!(ring.locate(300), Some(2));
        assert_eq!(ring.locate(301), Some(0));
        assert_eq!(ring.locate(u32::MAX), Some(0));
    }

    #[test]
    fn equal_positions_keep_generation_order() {
        let ring = Continuum::from_points(vec![(5u32, 2), (5, 0), (1, 1)]);
        assert_eq!(ring.locate(5), Some(2));
        assert_eq!(ring.locate(2), Some(2));
    }

    #[test]
    fn shares_count_every_value_once() {
        // range 0..1000: node 0 owns 0..=100 and 301..=999, node 1 101..=200, node 2 201..=300.
        let ring = Continuum::from_points(vec![(100u32, 0), (200, 1), (300, 2)]);
        let computed = shares(&ring, 3, 1000);
        assert_eq!(
            computed,
            vec![800.0 / 1000.0, 100.0 / 1000.0, 100.0 / 1000.0]
        );
        // All points above a 15-bit range: every value is at or below the first point.

        let ring = Continuum::from_points(vec![(40_000u32, 0), (50_000, 1)]);
        assert_eq!(shares(&ring, 2, 1 << 15), vec![1.0, 0.0]);
    }

    #[test]
    fn shares_brute_force_agree() {
        let ring = Continuum::from_points(vec![(7u32, 1), (7, 0), (20, 2), (63, 0), (64, 1)]);
        let range = 80u32;
        let mut counts = [0u32; 3];
        for h in 0..range {
            counts[ring.locate(h).unwrap() as usize] += 1;
        }
        let expected: Vec<f64> = counts
            .iter()
            .map(|&c| f64::from(c) / f64::from(range))
            .collect();
        assert_eq!(shares(&ring, 3, u128::from(range)), expected);
    }
}
