//! A sorted ring of points searched the ketama way: the first point at or after the key's
//! hash, wrapping to the first point. Shared by every point-based algorithm.

use super::explain::{Entry, RingSearch};
use super::{NodeId, Point};

/// A point's position: an unsigned integer with a largest value.
pub trait Position: Copy + Ord + Into<u128> {
    const MAX: Self;
    /// The next position up (never called on `MAX`).
    fn successor(self) -> Self;
}

macro_rules! position {
    ($($t:ty),*) => {$(
        impl Position for $t {
            const MAX: Self = <$t>::MAX;
            #[inline]
            fn successor(self) -> Self {
                self + 1
            }
        }
    )*};
}

position!(u16, u32, u64);

/// Points kept as two flat arrays (positions, owners) so the search touches only the
/// positions, plus an index of where each range of top bits starts. The index has about
/// four entries per point, so most keys fall in a range holding no point or one, found with
/// one comparison and no loop. Both arrays carry one more entry past the last point (the
/// largest position, the first point's owner), so a search that runs off the end wraps to
/// the first point without a branch.
///
/// The top bits are those of the largest point, not of the type: a 32-bit hash on a 64-bit
/// ring (`vnode` with MD5) would otherwise put every point in the first range, one sort of
/// all of them and a binary search over all of them for every key.
#[derive(Clone, Debug)]
pub struct Continuum<P> {
    positions: Vec<P>,
    owners: Vec<NodeId>,
    /// `starts[b]`: the first point whose position shifted right by `shift` is at least `b`.
    starts: Vec<u32>,
    /// Positions shifted right by this give their range; the largest point's is the last.
    shift: u32,
    last: usize,
}

impl<P: Position> Continuum<P> {
    /// Sorts points by position with a stable sort, so points at equal positions keep the
    /// order they were generated in: glibc's `qsort` (a merge sort) does the same for ketama.
    /// The sort is the index's own: points are dealt into their buckets in order (a counting
    /// sort on the top bits), then each bucket, a few points, is sorted on its own. A large
    /// ring (10,000 servers, 1.6M points) sorts several times faster than with one big sort.
    pub fn from_points(points: Vec<(P, NodeId)>) -> Self {
        let len = points.len();
        // About four index entries per point, at most 2^16 entries (256 KB), over the bits
        // the points use.
        let width = points
            .iter()
            .map(|&(position, _)| position)
            .max()
            .map_or(1, |top| (u128::BITS - top.into().leading_zeros()).max(1));
        let index_bits = (usize::BITS - len.leading_zeros() + 2)
            .clamp(1, 16)
            .min(width);
        let shift = width - index_bits;
        let last = (1 << index_bits) - 1;
        let mut starts = vec![0u32; (1 << index_bits) + 1];
        for &(position, _) in &points {
            starts[Self::bucket_of(position, shift, last) + 1] += 1;
        }
        for bucket in 1..starts.len() {
            starts[bucket] += starts[bucket - 1];
        }
        // Deal the points into their buckets, then sort each bucket (stable) through a
        // small scratch buffer.
        let mut positions = Vec::with_capacity(len + 1);
        let mut owners = Vec::with_capacity(len + 1);
        positions.resize(len, P::MAX);
        owners.resize(len, 0);
        let mut next = starts.clone();
        for (position, owner) in points {
            let slot = &mut next[Self::bucket_of(position, shift, last)];
            positions[*slot as usize] = position;
            owners[*slot as usize] = owner;
            *slot += 1;
        }
        let mut scratch = Vec::new();
        for bucket in starts.windows(2) {
            let range = bucket[0] as usize..bucket[1] as usize;
            if range.len() > 1 {
                scratch.clear();
                scratch.extend(range.clone().map(|i| (positions[i], owners[i])));
                scratch.sort_by_key(|&(position, _)| position);
                for (i, &(position, owner)) in range.zip(&scratch) {
                    positions[i] = position;
                    owners[i] = owner;
                }
            }
        }
        if let Some(&first) = owners.first() {
            positions.push(P::MAX);
            owners.push(first);
        }
        Continuum {
            positions,
            owners,
            starts,
            shift,
            last,
        }
    }

    /// The range of `position`; positions past the largest point fall in the last range,
    /// where every point is below them.
    #[inline]
    fn bucket_of(position: P, shift: u32, last: usize) -> usize {
        // Compared before narrowing: a 64-bit position shifted by little can pass usize.
        (position.into() >> shift).min(last as u128) as usize
    }

    /// The points without the wrap-around entry.
    fn sorted(&self) -> (&[P], &[NodeId]) {
        let len = self.len();
        (&self.positions[..len], &self.owners[..len])
    }

    pub fn len(&self) -> usize {
        self.positions.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Owner of the first point with position >= `hash`, wrapping to the first point.
    #[inline]
    pub fn locate(&self, hash: P) -> Option<NodeId> {
        Some(self.owners[self.search(hash)?])
    }

    /// The first point strictly after `hash`, wrapping to the first point: its position and
    /// owner (multi-probe hashing measures the distance to it).
    #[inline]
    pub fn successor_after(&self, hash: P) -> Option<(P, NodeId)> {
        let index = self.successor_index(hash)?;
        Some((self.positions[index], self.owners[index]))
    }

    /// The index of [`Continuum::successor_after`]'s point.
    #[inline]
    pub fn successor_index(&self, hash: P) -> Option<usize> {
        let index = if hash == P::MAX {
            (!self.is_empty()).then_some(0)?
        } else {
            self.search(hash.successor())?
        };
        // The wrap-around entry stands for the first point.
        Some(if index == self.len() { 0 } else { index })
    }

    /// The search [`Continuum::locate`] makes for `hash`, with up to `around` points either
    /// side of the one it finds; positions shown through `show`, as `ring --points` shows them.
    pub fn explain(&self, hash: P, around: usize, show: impl Fn(P) -> u128) -> Option<RingSearch> {
        let found = self.search(hash)?;
        RingSearch::at(self.len(), found, around, |i| self.entry(i, &show))
    }

    /// Point `index` (below [`Continuum::len`]) as an explanation shows it.
    pub fn entry(&self, index: usize, show: impl Fn(P) -> u128) -> Entry {
        Entry {
            position: show(self.positions[index]),
            node: self.owners[index],
            index: index as u64,
        }
    }

    /// Index of the first point with position >= `hash` (the wrap-around entry past the
    /// last point); `None` for an empty ring.
    #[inline]
    fn search(&self, hash: P) -> Option<usize> {
        // Points of lower buckets are below `hash`, points of higher ones above it.
        let bucket = Self::bucket_of(hash, self.shift, self.last);
        let (low, high) = (
            self.starts[bucket] as usize,
            self.starts[bucket + 1] as usize,
        );
        Some(if high - low <= 1 {
            // Past the last point, `positions[low]` is the extra largest position: never
            // below `hash`, so the index stays on the wrap-around entry.
            low + usize::from(self.positions.get(low)? < &hash)
        } else {
            low + self.positions[low..high].partition_point(|&p| p < hash)
        })
    }

    /// The owners of every point in search order from the first point at or after `hash`,
    /// once round the ring.
    pub fn owners_from(&self, hash: P) -> impl Iterator<Item = NodeId> + '_ {
        let owners = self.sorted().1;
        // The wrap-around entry (index `len`) stands for the first point.
        let start = self.search(hash).unwrap_or(0) % owners.len().max(1);
        let (before, after) = owners.split_at(start);
        after.iter().chain(before).copied()
    }

    /// Bytes the search structure holds: positions, owners and the index.
    pub fn heap_bytes(&self) -> u64 {
        (self.positions.len() * std::mem::size_of::<P>()
            + self.owners.len() * std::mem::size_of::<NodeId>()
            + self.starts.len() * std::mem::size_of::<u32>()) as u64
    }

    /// Who owns the hash values `0..range`, as runs: the values between a point and the one
    /// before it go to that point's owner; the values above the last point wrap to the
    /// first. At equal positions the first point takes the whole arc, as the search does.
    pub fn intervals(&self, range: u128) -> Vec<(u128, Option<NodeId>)> {
        let top = range - 1;
        let mut runs = Vec::with_capacity(self.len() + 1);
        let (positions, owners) = self.sorted();
        for (&position, &owner) in positions.iter().zip(owners) {
            let position: u128 = position.into();
            extend_runs(&mut runs, position.min(top), owner);
            if position >= top {
                break;
            }
        }
        match (
            runs.last().map(|r: &(u128, Option<NodeId>)| r.0),
            owners.first(),
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
        for &owner in self.sorted().1 {
            counts[owner as usize] += 1;
        }
        counts.into_iter().map(Some).collect()
    }

    pub fn points(&self) -> Vec<Point> {
        let (positions, owners) = self.sorted();
        positions
            .iter()
            .zip(owners)
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

    fn shares<P: Position>(ring: &Continuum<P>, nodes: usize, range: u128) -> Vec<f64> {
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
    fn successor_after_is_strictly_after_and_wraps() {
        let ring = Continuum::from_points(vec![(100u32, 0), (200, 1), (300, 2)]);
        assert_eq!(ring.successor_after(0), Some((100, 0)));
        assert_eq!(ring.successor_after(100), Some((200, 1)));
        assert_eq!(ring.successor_after(299), Some((300, 2)));
        assert_eq!(ring.successor_after(300), Some((100, 0)));
        assert_eq!(ring.successor_after(u32::MAX), Some((100, 0)));
        let top = Continuum::from_points(vec![(u32::MAX, 3)]);
        assert_eq!(top.successor_after(u32::MAX), Some((u32::MAX, 3)));
        assert_eq!(top.successor_after(5), Some((u32::MAX, 3)));
        assert_eq!(
            Continuum::<u32>::from_points(vec![]).successor_after(1),
            None
        );
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

    #[test]
    fn the_index_finds_what_a_full_search_finds() {
        // A tiny generator keeps the test free of dependencies and the same on every run.
        let mut state = 0x9e3779b97f4a7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for count in [1usize, 2, 3, 17, 640, 5000] {
            let mut points: Vec<(u32, NodeId)> = (0..count)
                .map(|i| ((next() >> 32) as u32, (i % 7) as NodeId))
                .collect();
            points.extend([(0, 1), (u32::MAX, 2), (points[0].0, 3)]);
            let ring = Continuum::from_points(points.clone());
            let mut sorted = points;
            sorted.sort_by_key(|&(p, _)| p);
            let full = |h: u32| {
                let i = sorted.partition_point(|&(p, _)| p < h);
                sorted[if i == sorted.len() { 0 } else { i }].1
            };
            for h in (0..2000)
                .map(|_| (next() >> 32) as u32)
                .chain([0, 1, u32::MAX, u32::MAX - 1])
            {
                assert_eq!(ring.locate(h), Some(full(h)), "{count} points, hash {h}");
            }
            let wide = Continuum::from_points(
                sorted
                    .iter()
                    .map(|&(p, o)| (u64::from(p) << 32 | 7, o))
                    .collect(),
            );
            assert_eq!(wide.locate(u64::MAX), Some(sorted[0].1));
            // 32-bit values on a 64-bit ring: indexed over the bits they use, and keys past
            // the largest point wrap.
            let narrow =
                Continuum::from_points(sorted.iter().map(|&(p, o)| (u64::from(p), o)).collect());
            assert!(count < 600 || narrow.starts[1] < narrow.len() as u32 / 2);
            for h in (0..2000)
                .map(|_| next() >> 31)
                .chain([0, u64::MAX, 1 << 32])
            {
                let expected = (h <= u64::from(u32::MAX)).then(|| full(h as u32));
                assert_eq!(
                    narrow.locate(h),
                    Some(expected.unwrap_or(sorted[0].1)),
                    "{h}"
                );
            }
        }
    }
}
