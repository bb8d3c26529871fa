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
