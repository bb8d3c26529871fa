//! What a placement did with one key (`lookup --explain`): the bytes hashed, the hash, the
//! position searched, the entry found and its neighbours, and the path of a reroute.
//!
//! Each placement fills this from the helpers its own `locate` calls (the same hash, the same
//! search, the same walk), so an explanation cannot describe a computation that differs from
//! the one that placed the key.

use std::borrow::Cow;

use super::NodeId;

/// What the key's position is looked up in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Searched {
    /// A sorted ring of points.
    Point,
    /// One of Redis Cluster's 16384 slots.
    Slot,
    /// A bucket of a modula or jump placement.
    Bucket,
    /// An entry of a lookup table (maglev, haproxy map-based).
    TableIndex,
}

impl Searched {
    /// The name JSON gives it.
    pub fn name(self) -> &'static str {
        match self {
            Searched::Point => "point",
            Searched::Slot => "slot",
            Searched::Bucket => "bucket",
            Searched::TableIndex => "table_index",
        }
    }
}

/// A point of a ring, or an entry of a table: its position as `ring --points` lists it
/// (uhashring's 128-bit positions in full), its owner, and its index in search order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub position: u128,
    pub node: NodeId,
    pub index: u64,
}

/// A rendezvous score: a whole number for equal weights, `-w / ln(u)` otherwise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Score {
    Whole(u64),
    Real(f64),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    pub node: NodeId,
    pub score: Score,
}

/// One probe of multi-probe hashing: its value, the first point strictly after it, and how
/// far that point is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    pub value: u64,
    pub point: Entry,
    pub distance: u64,
}

/// One try of a system that walks on from an unusable node: the value it hashed to (a rehash
/// value), the position it looked at, and whether the node there could take the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub hash_value: Option<u128>,
    /// `None` where the try looks at no position (a rendezvous winner).
    pub position_value: Option<u128>,
    /// The point's index, for a walk along a ring.
    pub index: Option<u64>,
    pub node: NodeId,
    pub usable: bool,
}

/// Everything `lookup --explain` shows of one key. `chosen` is the entry the key's position
/// finds; `node` serves the key, which is `chosen`'s owner unless `path` shows a reroute.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Explanation {
    /// The bytes given to the hash function; `None` when the key is not hashed at all.
    pub hashed: Option<Vec<u8>>,
    pub hash: Option<Cow<'static, str>>,
    pub hash_value: Option<u128>,
    pub position: Option<Searched>,
    pub position_value: Option<u128>,
    /// How the position finds its entry, in the system's terms.
    pub rule: Option<&'static str>,
    pub chosen: Option<Entry>,
    /// The search ran past the last point and took the first.
    pub wrapped: bool,
    /// Neighbours of `chosen`, in search order.
    pub before: Vec<Entry>,
    pub after: Vec<Entry>,
    /// The run of positions around `chosen` that its owner holds (a master's slot range, a
    /// server's buckets).
    pub range: Option<(u128, u128)>,
    /// Rendezvous: the highest scores, the winner first.
    pub scores: Vec<Scored>,
    pub probes: Vec<Probe>,
    /// The tries of a reroute; empty when the first one served the key.
    pub path: Vec<Step>,
    pub node: Option<NodeId>,
    pub note: Option<Cow<'static, str>>,
}

impl Explanation {
    /// A key whose `hashed` bytes `hash` turned into `value`.
    pub fn hashed(hashed: &[u8], hash: impl Into<Cow<'static, str>>, value: u128) -> Explanation {
        Explanation {
            hashed: Some(hashed.to_vec()),
            hash: Some(hash.into()),
            hash_value: Some(value),
            ..Explanation::default()
        }
    }

    /// A key the system places without hashing it (a single server, round robin).
    pub fn unhashed(node: Option<NodeId>, note: impl Into<Cow<'static, str>>) -> Explanation {
        Explanation {
            node,
            note: Some(note.into()),
            ..Explanation::default()
        }
    }

    /// The search of a ring for `position_value`, as `rule` describes it; the chosen point's
    /// owner serves the key.
    pub fn on_ring(
        self,
        position_value: u128,
        rule: &'static str,
        search: Option<RingSearch>,
    ) -> Explanation {
        let node = search.as_ref().map(|s| s.chosen.node);
        self.found(position_value, rule, search).served_by(node)
    }

    /// As [`Explanation::on_ring`], leaving `node` to the caller (a walk on, a closer
    /// neighbour).
    pub fn found(
        self,
        position_value: u128,
        rule: &'static str,
        search: Option<RingSearch>,
    ) -> Explanation {
        let mut explanation = Explanation {
            position: Some(Searched::Point),
            position_value: Some(position_value),
            rule: Some(rule),
            ..self
        };
        if let Some(search) = search {
            explanation.chosen = Some(search.chosen);
            explanation.wrapped = search.wrapped;
            explanation.before = search.before;
            explanation.after = search.after;
        }
        explanation
    }

    /// A lookup of `position_value` in a table or bucket list whose entry there is `chosen`.
    pub fn in_table(
        self,
        position: Searched,
        position_value: u128,
        rule: &'static str,
        chosen: Option<Entry>,
    ) -> Explanation {
        Explanation {
            position: Some(position),
            position_value: Some(position_value),
            rule: Some(rule),
            chosen,
            node: chosen.map(|c| c.node),
            ..self
        }
    }

    pub fn served_by(self, node: Option<NodeId>) -> Explanation {
        Explanation { node, ..self }
    }

    pub fn with_range(self, range: Option<(u128, u128)>) -> Explanation {
        Explanation { range, ..self }
    }

    /// The try this account's own search makes, as one step of a longer path (a failed node
    /// found, then the node a rebuilt ring finds): where it looked and whom it found there.
    pub fn own_step(&self, usable: bool) -> Option<Step> {
        let node = self.node?;
        let at = self.chosen.filter(|c| c.node == node);
        Some(Step {
            hash_value: None,
            position_value: at.map(|c| c.position).or(self.position_value),
            index: at
                .filter(|_| self.position == Some(Searched::Point))
                .map(|c| c.index),
            node,
            usable,
        })
    }

    /// The same account with every node renamed (a scenario's node list for a side's).
    pub fn renamed(mut self, rename: impl Fn(NodeId) -> NodeId) -> Explanation {
        let entries = (self.chosen.iter_mut())
            .chain(self.before.iter_mut())
            .chain(self.after.iter_mut())
            .chain(self.probes.iter_mut().map(|p| &mut p.point));
        for entry in entries {
            entry.node = rename(entry.node);
        }
        for scored in &mut self.scores {
            scored.node = rename(scored.node);
        }
        for step in &mut self.path {
            step.node = rename(step.node);
        }
        self.node = self.node.map(&rename);
        self
    }

    /// The tries of a walk past unusable nodes: shown only when there was more than one, and
    /// with `gave_up` as the note when none could take the key.
    pub fn walked(self, path: Vec<Step>, found: bool, gave_up: &'static str) -> Explanation {
        match (found, path.len()) {
            (true, 1) => self,
            (true, _) => Explanation { path, ..self },
            (false, _) => Explanation { path, ..self }.with_note(gave_up),
        }
    }

    pub fn with_note(self, note: impl Into<Cow<'static, str>>) -> Explanation {
        Explanation {
            note: Some(note.into()),
            ..self
        }
    }
}

/// The rules placements state, shared where systems search alike.
pub mod rules {
    pub const AT_OR_AFTER: &str =
        "the first point at or after the position, wrapping to the first point";
    pub const STRICTLY_AFTER: &str =
        "the first point strictly after the position (bisect_right), wrapping to the first point";
}

/// Where a search of a sorted ring stopped, with the points around it.
#[derive(Clone, Debug, PartialEq)]
pub struct RingSearch {
    pub chosen: Entry,
    pub wrapped: bool,
    pub before: Vec<Entry>,
    pub after: Vec<Entry>,
}

impl RingSearch {
    /// A search of `len` points that stopped at index `found` (`len`: past the last point,
    /// which wraps to the first), with up to `around` neighbours either side, fewer on a
    /// small ring so that no point shows twice. `entry(i)` is point `i`.
    pub fn at(
        len: usize,
        found: usize,
        around: usize,
        entry: impl Fn(usize) -> Entry,
    ) -> Option<RingSearch> {
        if len == 0 {
            return None;
        }
        let wrapped = found >= len;
        let index = if wrapped { 0 } else { found };
        let others = len - 1;
        let before_count = around.min(others / 2);
        let after_count = around.min(others - before_count);
        let before = (1..=before_count)
            .rev()
            .map(|back| entry((index + len - back) % len))
            .collect();
        let after = (1..=after_count)
            .map(|ahead| entry((index + ahead) % len))
            .collect();
        Some(RingSearch {
            chosen: entry(index),
            wrapped,
            before,
            after,
        })
    }
}

/// The run of equal owners around `at` in `owners` (slots, buckets), as first and last index.
pub fn run_around<T: PartialEq>(owners: &[T], at: usize) -> Option<(u128, u128)> {
    let owner = owners.get(at)?;
    let first = owners[..at]
        .iter()
        .rposition(|o| o != owner)
        .map_or(0, |i| i + 1);
    let last = owners[at..]
        .iter()
        .position(|o| o != owner)
        .map_or(owners.len() - 1, |i| at + i - 1);
    Some((first as u128, last as u128))
}

/// The run of buckets `[start, end)` that holds `bucket`, from the ends of every run.
pub fn bucket_run(ends: &[u64], run: usize) -> Option<(u128, u128)> {
    let end = *ends.get(run)?;
    let start = if run == 0 { 0 } else { ends[run - 1] };
    (end > start).then(|| (u128::from(start), u128::from(end - 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(len: usize, found: usize, around: usize) -> (Vec<u64>, u64, bool, Vec<u64>) {
        let search = RingSearch::at(len, found, around, |i| Entry {
            position: i as u128 * 10,
            node: 0,
            index: i as u64,
        })
        .unwrap();
        let indexes = |e: &[Entry]| e.iter().map(|e| e.index).collect();
        (
            indexes(&search.before),
            search.chosen.index,
            search.wrapped,
            indexes(&search.after),
        )
    }

    #[test]
    fn neighbours_wrap_and_never_repeat() {
        assert_eq!(entries(10, 5, 2), (vec![3, 4], 5, false, vec![6, 7]));
        assert_eq!(entries(10, 0, 2), (vec![8, 9], 0, false, vec![1, 2]));
        assert_eq!(entries(10, 10, 2), (vec![8, 9], 0, true, vec![1, 2]));
        assert_eq!(entries(10, 9, 2), (vec![7, 8], 9, false, vec![0, 1]));
        assert_eq!(entries(1, 1, 2), (vec![], 0, true, vec![]));
        assert_eq!(entries(2, 1, 2), (vec![], 1, false, vec![0]));
        assert_eq!(entries(3, 0, 2), (vec![2], 0, false, vec![1]));
        assert_eq!(entries(4, 2, 5), (vec![1], 2, false, vec![3, 0]));
        assert_eq!(entries(10, 5, 0), (vec![], 5, false, vec![]));
        assert!(RingSearch::at(0, 0, 2, |_| unreachable!()).is_none());
    }

    #[test]
    fn renaming_reaches_every_node_and_a_step_is_the_search_made() {
        let entry = |index: u64, node: NodeId| Entry {
            position: index as u128 * 10,
            node,
            index,
        };
        let explanation = Explanation {
            position: Some(Searched::Point),
            position_value: Some(15),
            chosen: Some(entry(2, 1)),
            before: vec![entry(1, 0)],
            after: vec![entry(3, 1)],
            scores: vec![Scored {
                node: 0,
                score: Score::Whole(7),
            }],
            probes: vec![Probe {
                value: 1,
                point: entry(1, 0),
                distance: 9,
            }],
            node: Some(1),
            ..Explanation::default()
        };
        let step = explanation.own_step(false).unwrap();
        assert_eq!(
            (step.position_value, step.index, step.node, step.usable),
            (Some(20), Some(2), 1, false)
        );
        let renamed = explanation.renamed(|n| n + 10);
        assert_eq!(renamed.chosen.unwrap().node, 11);
        assert_eq!(renamed.before[0].node, 10);
        assert_eq!(renamed.after[0].node, 11);
        assert_eq!(renamed.scores[0].node, 10);
        assert_eq!(renamed.probes[0].point.node, 10);
        assert_eq!(renamed.node, Some(11));
        // An account without a node has no step to give.
        assert!(Explanation::default().own_step(true).is_none());
    }

    #[test]
    fn runs_of_owners() {
        let owners = [1, 1, 2, 2, 2, 1];
        assert_eq!(run_around(&owners, 0), Some((0, 1)));
        assert_eq!(run_around(&owners, 3), Some((2, 4)));
        assert_eq!(run_around(&owners, 5), Some((5, 5)));
        assert_eq!(run_around(&owners, 6), None);
        assert_eq!(bucket_run(&[2, 2, 5], 0), Some((0, 1)));
        assert_eq!(bucket_run(&[2, 2, 5], 1), None);
        assert_eq!(bucket_run(&[2, 2, 5], 2), Some((2, 4)));
    }
}
