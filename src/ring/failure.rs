//! What a system does with a node that stops answering. `--remove` always deletes a node from
//! the configuration; `--fail` follows the rule of the system being simulated.

use std::sync::Arc;

use super::{Explanation, NodeId, OwnerMap, Ownership, Placement, Point};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureRule {
    /// The node is dropped and the placement rebuilt from the survivors (twemproxy with
    /// `auto_eject_hosts: true`, client-side rings).
    Rebuild,
    /// The node keeps its place; requests for its keys fail (twemproxy without
    /// `auto_eject_hosts`, a Redis Cluster master without a replica).
    Unavailable,
    /// The system reroutes each request itself (nginx walks to the next point, or rehashes):
    /// the placement is built knowing which nodes are down.
    Reroute,
}

impl FailureRule {
    pub fn explain(self) -> &'static str {
        match self {
            FailureRule::Rebuild => {
                "failed nodes are ejected and the ring is rebuilt from the rest"
            }
            FailureRule::Unavailable => {
                "failed nodes keep their place; their keys become unavailable"
            }
            FailureRule::Reroute => {
                "requests for failed nodes are rerouted by the system's own rule"
            }
        }
    }
}

/// A placement whose failed nodes answer nothing: their keys map to no node.
pub struct WithFailures {
    pub inner: Arc<dyn Placement>,
    pub failed: Vec<bool>,
}

impl Placement for WithFailures {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        self.inner
            .locate(key)
            .filter(|&node| !self.failed[node as usize])
    }

    /// The placement's own account; a failed owner serves nothing, which its path shows.
    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let explanation = self.inner.explain(key, around);
        match explanation.node {
            Some(node) if self.failed[node as usize] => Explanation {
                path: explanation.own_step(false).into_iter().collect(),
                ..explanation
            }
            .served_by(None)
            .with_note("the node failed and keeps its place: the key is unavailable"),
            _ => explanation,
        }
    }

    fn ownership(&self) -> Ownership {
        let mut ownership = self.inner.ownership();
        for (share, &failed) in ownership.shares.iter_mut().zip(&self.failed) {
            if failed {
                *share = 0.0;
            }
        }
        ownership
    }

    fn points(&self) -> Option<Vec<Point>> {
        self.inner.points()
    }

    fn owner_map(&self) -> Option<OwnerMap> {
        let failed = &self.failed;
        Some(
            self.inner
                .owner_map()?
                .rename(|node| (!failed[node as usize]).then_some(node)),
        )
    }

    fn slot(&self, key: &[u8]) -> Option<u16> {
        self.inner.slot(key)
    }

    fn lookup_cost(&self) -> u64 {
        self.inner.lookup_cost()
    }
}
