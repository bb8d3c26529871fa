//! A `simulate` / `diff` report: its keys (and loads) accounted for ([`super::accounts`]),
//! its flows each moving some key, its `--top` lists within its counts, and every figure it
//! derives from its counts the one they give.

use super::super::MovementPart;
use super::super::figures::{Amounts, figures, scenario_nodes};
use super::accounts::{pairs, settle};
use super::{derived, hash_space, inconsistent, no_keys_no_load, nodes_once, top, top_n};
use crate::analysis::movement::{self, KeyFigures, LoadFigures, MovementReport, TopLists};
use crate::error::Result;
use crate::scenario::ScenarioNode;

pub(super) fn check(name: &str, part: &MovementPart) -> Result<()> {
    let nodes = scenario_nodes(name, part)?;
    nodes_once(name, nodes.iter().map(|n| n.label.as_str()))?;
    hash_space::check(name, &part.hash_space, &nodes)?;
    let keys = figures(name, part, &nodes, &Amounts::KEYS)?;
    let key_accounts = settle(name, &nodes, &keys, "keys")?;
    if let Some(flow) = part.flows.iter().find(|f| f.keys == 0) {
        return Err(inconsistent(
            name,
            &format!(
                "its flow {} → {} moves no keys; a report lists only flows that move some",
                flow.from, flow.to
            ),
        ));
    }
    let loads = match part.load {
        None => None,
        Some(_) => {
            let loads = figures(name, part, &nodes, &Amounts::LOADS)?;
            let load_accounts = settle(name, &nodes, &loads, "load")?;
            no_keys_no_load(
                name,
                pairs(&nodes, (&keys, &key_accounts), (&loads, &load_accounts)),
            )?;
            let top = match part.top_n {
                None => None,
                Some(n) => {
                    top_n(name, n)?;
                    Some(top_lists(name, part, n, (&nodes, &keys, &loads))?)
                }
            };
            Some(LoadFigures {
                figures: loads,
                top,
            })
        }
    };
    let report = movement::build(
        &nodes,
        &keys,
        loads.as_ref(),
        part.hash_space.clone(),
        part.ring.clone(),
    );
    let report = MovementReport {
        rebalance: part.rebalance.clone(),
        ..report
    };
    derived::compare(name, part, &report)
}

/// The `--top n` lists: each node's before the change, and the moved keys.
fn top_lists(
    name: &str,
    part: &MovementPart,
    n: usize,
    (nodes, keys, loads): (&[ScenarioNode], &KeyFigures, &KeyFigures),
) -> Result<TopLists> {
    let mut before = Vec::new();
    for (i, side) in part.before.iter().enumerate() {
        let whose = format!("node {} before the change", side.node);
        let Some(list) = &side.top else {
            return Err(inconsistent(
                name,
                &format!("{whose} has no top list although the report has a top_n"),
            ));
        };
        top::list(name, &whose, list, n, keys.before[i], loads.before[i])?;
        before.push(list.clone());
    }
    let Some(moved) = &part.top_moved else {
        return Err(inconsistent(
            name,
            "it has no top_moved list although it has a top_n",
        ));
    };
    top::moved(name, moved, n, nodes, keys, loads)?;
    let before_places = (part.before.iter().zip(&before))
        .flat_map(|(side, list)| list.iter().map(|hot| (side.node.as_str(), &hot.key[..])));
    let from = moved.iter().map(|m| (m.from.as_str(), &m.key.key[..]));
    top::one_node_per_key(name, before_places.chain(from), " before the change")?;
    let to = moved.iter().map(|m| (m.to.as_str(), &m.key.key[..]));
    top::one_node_per_key(name, to, " after the change")?;
    Ok(TopLists {
        n,
        before,
        moved: moved.clone(),
    })
}
