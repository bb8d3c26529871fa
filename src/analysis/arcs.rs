//! The circle the `ring` chart draws: who owns each stretch of the hash space (or of a
//! lookup table), in order, from the placement's own owner map.

use crate::ring::{Layout, NodeId, Placement};

/// What the circle stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Circle {
    /// Every value of the key hash, 0 at the start: a continuum, or slots.
    HashSpace { values: u128 },
    /// The entries of a lookup table that `hash mod entries` picks (maglev, haproxy
    /// map-based).
    Table { entries: u128 },
}

/// Runs of one owner around the circle.
#[derive(Clone, Debug, PartialEq)]
pub struct RingArcs {
    pub circle: Circle,
    /// `(end, owner)`, `end` the fraction of the circle where the run ends, ascending, the
    /// last 1; `None` for values no node owns (unassigned slots).
    pub runs: Vec<(f64, Option<NodeId>)>,
}

impl RingArcs {
    /// `None` for placements without positions of their own (jump, rendezvous, modula):
    /// there is no circle to draw, only shares.
    pub fn of(placement: &dyn Placement) -> Option<RingArcs> {
        placement.points()?;
        let map = placement.owner_map()?;
        let (circle, total, runs) = match map.layout {
            // `last` is inclusive: the run ends where the next value starts.
            Layout::Intervals(runs) => (
                Circle::HashSpace { values: map.range },
                map.range,
                runs.into_iter().map(|(last, o)| (last + 1, o)).collect(),
            ),
            Layout::Periodic { period, runs } => (Circle::Table { entries: period }, period, runs),
        };
        if total == 0 {
            return None;
        }
        let runs = runs
            .into_iter()
            .map(|(end, owner): (u128, _)| (end as f64 / total as f64, owner))
            .collect();
        Some(RingArcs { circle, runs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::{Address, Node};
    use crate::ring::{Algo, RingConfig, build};

    fn nodes(n: usize) -> Vec<Node> {
        (0..n)
            .map(|i| {
                Node::new(
                    Address::Bare {
                        name: format!("n{i}"),
                    },
                    1,
                    None,
                    crate::error::Location::new("test", Some(i + 1)),
                )
            })
            .collect()
    }

    fn arcs(algo: Algo, n: usize) -> Option<RingArcs> {
        let hash = crate::hash::by_name(algo.default_hash()).unwrap();
        let placement = build(&nodes(n), &RingConfig::new(algo, hash)).unwrap();
        RingArcs::of(placement.as_ref())
    }

    #[test]
    fn rings_give_runs_that_cover_the_circle_and_jump_none() {
        let ring = arcs(Algo::Ketama, 4).unwrap();
        assert_eq!(ring.circle, Circle::HashSpace { values: 1 << 32 });
        assert_eq!(ring.runs.last().unwrap().0, 1.0);
        assert!(
            ring.runs
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 != w[1].1)
        );
        let table = arcs(Algo::Maglev, 3).unwrap();
        assert_eq!(table.circle, Circle::Table { entries: 65537 });
        assert!(arcs(Algo::Jump, 3).is_none());
        assert!(arcs(Algo::Modula, 3).is_none());
    }
}
