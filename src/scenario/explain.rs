//! `lookup --explain` under a change: the after side's own account of a key, in the
//! scenario's node list, with the path a failed node makes the key take.

use super::{Scenario, Side, Status};
use crate::ring::Explanation;

impl Side {
    /// [`crate::ring::Placement::explain`] with scenario node indexes.
    pub fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let map = &self.to_scenario;
        self.placement
            .explain(key, around)
            .renamed(|n| map[n as usize])
    }
}

impl Scenario {
    /// What the after side does with `key`, and why. A node failed in place shows in that
    /// side's own account (a system's walk past it, or a key left unavailable); a node the
    /// system ejected is not on the rebuilt ring at all, so the path says that the ring as
    /// configured found it, then the rebuilt ring placed the key.
    pub fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let after = self.after.explain(key, around);
        if !after.path.is_empty() {
            return after;
        }
        let before = self.before.explain(key, around);
        let ejected = before
            .node
            .filter(|&n| self.nodes[n as usize].status == Status::Failed && after.node != Some(n));
        let Some(ejected) = ejected else {
            return after;
        };
        let path = [before.own_step(false), after.own_step(true)]
            .into_iter()
            .flatten()
            .collect();
        let note = format!(
            "{} failed and was ejected: the ring rebuilt without it places the key",
            self.nodes[ejected as usize].label
        );
        let note = match &after.note {
            Some(own) => format!("{note}; {own}"),
            None => note,
        };
        Explanation { path, ..after }.with_note(note)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{RingOptions, build_ring};
    use crate::scenario::{Changes, Scenario};

    fn scenario(auto_eject: bool) -> Scenario {
        let ring = build_ring(&RingOptions {
            inline_nodes: ["10.0.0.1:6379 a", "10.0.0.2:6379 b", "10.0.0.3:6379 c"]
                .map(String::from)
                .to_vec(),
            ..RingOptions::default()
        })
        .unwrap();
        let changes = Changes {
            auto_eject: Some(auto_eject),
            ..Changes::failing("b".to_string())
        };
        Scenario::simulate(&ring, &changes).unwrap()
    }

    #[test]
    fn an_ejected_node_is_the_first_step_and_the_rebuilt_ring_the_last() {
        for auto_eject in [true, false] {
            let scenario = scenario(auto_eject);
            let mut passed = 0;
            for i in 0..300 {
                let key = format!("k{i}");
                let e = scenario.explain(key.as_bytes(), 2);
                assert_eq!(e.node, scenario.after.locate(key.as_bytes()), "{key}");
                if scenario.before.locate(key.as_bytes()) != Some(1) {
                    assert!(e.path.is_empty(), "{key}: {e:?}");
                    continue;
                }
                passed += 1;
                assert_eq!((e.path[0].node, e.path[0].usable), (1, false), "{key}");
                match auto_eject {
                    true => {
                        assert_eq!(e.path.len(), 2, "{key}");
                        assert!(e.path[1].usable && Some(e.path[1].node) == e.node);
                    }
                    false => assert!(e.path.len() == 1 && e.node.is_none(), "{key}"),
                }
            }
            assert!(passed > 50, "{passed}");
        }
    }
}
