//! Where a change's keys (or their load) went. Each key is on a node before the change or on
//! none (unassigned), and after it on a node or on none (unavailable); it moved when it is on
//! a node after and not the one before, and every move is in the flow of its two nodes. So
//! the report's figures add up: after and unavailable to the total, the flows to the moved
//! keys, the flows between unchanged nodes to the excess; and what each node keeps and loses
//! (its keys after less its inflows; its keys before less its outflows and what it keeps) is
//! never negative, nor are the unassigned keys and what of them stays unplaced.

use super::{adds_up, inconsistent, total};
use crate::analysis::movement::KeyFigures;
use crate::error::Result;
use crate::scenario::{ScenarioNode, Status};

/// What the figures leave implicit, found from them.
pub(super) struct Accounts {
    /// Per node: what stays on it, and what it had that ends on no node.
    pub kept: Vec<u64>,
    pub lost: Vec<u64>,
    /// What no node held before the change, and what of it no node holds after.
    pub unassigned: u64,
    pub unplaced: u64,
}

/// Refuses `figures` (of `what`: "keys" or "load") unless they add up as a count makes them.
pub(super) fn settle(
    name: &str,
    nodes: &[ScenarioNode],
    figures: &KeyFigures,
    what: &str,
) -> Result<Accounts> {
    let after = total(figures.after.iter().copied()) + u128::from(figures.unavailable);
    adds_up(
        name,
        &format!("its {what} on the nodes after the change and its unavailable {what}"),
        &format!("its {what}"),
        after,
        figures.total,
    )?;
    let flows = total(figures.flows.values().copied());
    adds_up(
        name,
        "its flows",
        &format!("its moved {what}"),
        flows,
        figures.moved,
    )?;
    let unchanged =
        |node: Option<u32>| node.is_some_and(|n| nodes[n as usize].status == Status::Unchanged);
    let excess = total(
        (figures.flows.iter())
            .filter(|((from, to), _)| unchanged(*from) && unchanged(*to))
            .map(|(_, &amount)| amount),
    );
    adds_up(
        name,
        "its flows between unchanged nodes",
        &format!("its {what} moved in excess"),
        excess,
        figures.excess,
    )?;
    let before = total(figures.before.iter().copied());
    let all = u128::from(figures.total);
    if before > all {
        return Err(inconsistent(
            name,
            &format!(
                "its {what} on the nodes before the change make {before}, more than its {what} ({all})"
            ),
        ));
    }
    // Each figure below is at most the total, which fits in u64.
    let unassigned = (all - before) as u64;
    let (mut inflow, mut outflow) = (vec![0u128; nodes.len()], vec![0u128; nodes.len()]);
    let mut from_unassigned = 0u128;
    for (&(from, to), &amount) in &figures.flows {
        match from {
            Some(n) => outflow[n as usize] += u128::from(amount),
            None => from_unassigned += u128::from(amount),
        }
        if let Some(n) = to {
            inflow[n as usize] += u128::from(amount);
        }
    }
    let refuse = |message: String| Err(inconsistent(name, &message));
    if from_unassigned > u128::from(unassigned) {
        return refuse(format!(
            "the flows from (unassigned) carry more {what} than no node held before the change: \
             {from_unassigned}, not at most {unassigned}"
        ));
    }
    let (mut kept, mut lost) = (Vec::new(), Vec::new());
    for (i, node) in nodes.iter().enumerate() {
        let (before, after) = (u128::from(figures.before[i]), u128::from(figures.after[i]));
        if inflow[i] > after {
            return refuse(format!(
                "the flows into node {} carry more {what} than it has after the change: {}, \
                 not at most {after}",
                node.label, inflow[i]
            ));
        }
        let stays = after - inflow[i];
        if outflow[i] + stays > before {
            return refuse(format!(
                "node {} sends and keeps more {what} than it has before the change: {}, not at \
                 most {before}",
                node.label,
                outflow[i] + stays
            ));
        }
        kept.push(stays as u64);
        lost.push((before - outflow[i] - stays) as u64);
    }
    Ok(Accounts {
        kept,
        lost,
        unassigned,
        unplaced: unassigned - from_unassigned as u64,
    })
}

/// The figures of the keys beside those of their load, for [`super::no_keys_no_load`]:
/// `(what, keys, load)`, `what` completing "the load of".
pub(super) fn pairs(
    nodes: &[ScenarioNode],
    (keys, key_accounts): (&KeyFigures, &Accounts),
    (loads, load_accounts): (&KeyFigures, &Accounts),
) -> Vec<(String, u64, u64)> {
    let mut pairs = vec![
        ("the report".to_string(), keys.total, loads.total),
        ("the moved keys".to_string(), keys.moved, loads.moved),
        (
            "the keys moved in excess".to_string(),
            keys.excess,
            loads.excess,
        ),
        (
            "the unavailable keys".to_string(),
            keys.unavailable,
            loads.unavailable,
        ),
        (
            "the keys no node held before the change".to_string(),
            key_accounts.unassigned,
            load_accounts.unassigned,
        ),
        (
            "the keys no node holds before or after the change".to_string(),
            key_accounts.unplaced,
            load_accounts.unplaced,
        ),
    ];
    for (i, node) in nodes.iter().enumerate() {
        let node = &node.label;
        pairs.extend([
            (
                format!("node {node} before the change"),
                keys.before[i],
                loads.before[i],
            ),
            (
                format!("node {node} after the change"),
                keys.after[i],
                loads.after[i],
            ),
            (
                format!("the keys node {node} keeps"),
                key_accounts.kept[i],
                load_accounts.kept[i],
            ),
            (
                format!("the keys of node {node} that no node holds after the change"),
                key_accounts.lost[i],
                load_accounts.lost[i],
            ),
        ]);
    }
    let label =
        |node: Option<u32>| node.map_or("(unassigned)", |n| nodes[n as usize].label.as_str());
    for (pair, &count) in &keys.flows {
        let load = loads.flows.get(pair).copied().unwrap_or(0);
        let flow = format!("the flow {} → {}", label(pair.0), label(pair.1));
        pairs.push((flow, count, load));
    }
    pairs
}
