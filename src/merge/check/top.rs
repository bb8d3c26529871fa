//! `--top N` lists: a list of the N heaviest of a node's keys (or of the moved keys) holds N
//! of them, or all when there are fewer; heaviest first, equal weights by key; and the keys
//! it leaves out weigh each at most its lightest, so the load is at least what the list
//! weighs and at most that plus the keys left out times the lightest. When the list holds
//! every key, the load is exactly what it weighs.

use std::collections::{BTreeMap, HashMap};

use super::{inconsistent, keys};
use crate::analysis::movement::{KeyFigures, OwnerPair, UNASSIGNED};
use crate::analysis::top::{HotKey, MovedHotKey};
use crate::error::Result;
use crate::scenario::ScenarioNode;

/// The `--top n` list of `whose` keys, `count` keys weighing `load` in all.
pub(super) fn list(
    name: &str,
    whose: &str,
    list: &[HotKey],
    n: usize,
    count: u64,
    load: u64,
) -> Result<()> {
    let wanted = count.min(n as u64);
    if list.len() as u64 != wanted {
        return Err(inconsistent(
            name,
            &format!(
                "the top list of {whose} holds {}, but --top {n} lists {wanted} of its {count}",
                keys(list.len() as u64)
            ),
        ));
    }
    if let Some(at) = list
        .windows(2)
        .position(|pair| !in_order(&pair[0], &pair[1]))
    {
        return Err(inconsistent(
            name,
            &format!(
                "the top list of {whose} is not heaviest first (equal weights by key) at its key {}",
                at + 2
            ),
        ));
    }
    let listed = Listed::of(list.iter());
    let every = listed.count == count;
    let list = format!("the top list of {whose}");
    listed.within(name, (&list, whose), count, load, every)
}

/// The heaviest moved keys: the list as [`list`] checks it against the moved keys, and each
/// key's move against the flow it is part of.
pub(super) fn moved(
    name: &str,
    moved: &[MovedHotKey],
    n: usize,
    nodes: &[ScenarioNode],
    keys: &KeyFigures,
    loads: &KeyFigures,
) -> Result<()> {
    let hot: Vec<HotKey> = moved.iter().map(|m| m.key.clone()).collect();
    list(name, "the moved keys", &hot, n, keys.moved, loads.moved)?;
    let indices: HashMap<&str, u32> = (nodes.iter().enumerate())
        .map(|(i, n)| (n.label.as_str(), i as u32))
        .collect();
    let index = |label: &str| indices.get(label).copied();
    let mut by_flow: BTreeMap<OwnerPair, Vec<&HotKey>> = BTreeMap::new();
    for key in moved {
        let from = match index(&key.from) {
            Some(node) => Some(Some(node)),
            None if key.from == UNASSIGNED => Some(None),
            None => None,
        };
        let pair = from
            .zip(index(&key.to))
            .map(|(from, to)| (from, Some(to)))
            .filter(|pair| keys.flows.contains_key(pair));
        let Some(pair) = pair else {
            return Err(inconsistent(
                name,
                &format!(
                    "its top_moved lists a key moved from {} to {}, which none of its flows moves",
                    key.from, key.to
                ),
            ));
        };
        by_flow.entry(pair).or_default().push(&key.key);
    }
    // Every moved key is listed, or those left out weigh at most the lightest listed.
    let every = hot.len() as u64 == keys.moved;
    let lightest = hot.last().map_or(0, |h| h.weight);
    for (pair, &count) in &keys.flows {
        let listed = by_flow
            .get(pair)
            .map_or_else(Listed::default, |keys| Listed::of(keys.iter().copied()));
        let listed = Listed { lightest, ..listed };
        let label =
            |node: Option<u32>| node.map_or(UNASSIGNED, |n| nodes[n as usize].label.as_str());
        let flow = format!("the flow {} → {}", label(pair.0), label(pair.1));
        let list = format!("the part of top_moved in {flow}");
        let load = loads.flows.get(pair).copied().unwrap_or(0);
        listed.within(name, (&list, &flow), count, load, every)?;
    }
    Ok(())
}

/// Refuses a key listed on two nodes: `places` are `(node, key)`, and a key has one node
/// (`when`: before or after the change, for a movement).
pub(super) fn one_node_per_key<'a>(
    name: &str,
    places: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    when: &str,
) -> Result<()> {
    let mut nodes: HashMap<&[u8], &str> = HashMap::new();
    for (node, key) in places {
        match nodes.insert(key, node) {
            Some(other) if other != node => {
                return Err(inconsistent(
                    name,
                    &format!(
                        "its top lists put one key on both {other} and {node}{when}, though a \
                         key has one node"
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Heavier first; equal weights by key bytes ascending (the same key may come twice).
fn in_order(first: &HotKey, next: &HotKey) -> bool {
    first.weight > next.weight || (first.weight == next.weight && first.key <= next.key)
}

/// Some of the heaviest keys of a group: how many, what they weigh, and the lightest weight
/// of the list they come from.
#[derive(Default)]
struct Listed {
    count: u64,
    weight: u128,
    lightest: u64,
}

impl Listed {
    fn of<'a>(keys: impl Iterator<Item = &'a HotKey>) -> Listed {
        let mut listed = Listed {
            lightest: u64::MAX,
            ..Listed::default()
        };
        for key in keys {
            listed.count += 1;
            listed.weight += u128::from(key.weight);
            listed.lightest = listed.lightest.min(key.weight);
        }
        listed
    }

    /// Refuses `self` (`list`) as some of the `count` keys of `owner`, which weigh `load`; all
    /// of them when `every`.
    fn within(
        &self,
        name: &str,
        (list, owner): (&str, &str),
        count: u64,
        load: u64,
        every: bool,
    ) -> Result<()> {
        let refuse = |message: String| Err(inconsistent(name, &message));
        if self.count > count {
            return refuse(format!(
                "{list} holds {}, more than the {count} of {owner}",
                keys(self.count)
            ));
        }
        if every && self.count != count {
            return refuse(format!(
                "{list} holds {}, but the list holds every key and {owner} has {count}",
                keys(self.count)
            ));
        }
        let load = u128::from(load);
        if self.weight > load {
            return refuse(format!(
                "{list} weighs {}, more than the load of {owner}, {load}",
                self.weight
            ));
        }
        if every && self.weight != load {
            return refuse(format!(
                "{list} holds every key of {owner}, which weigh {} in all, not its load of {load}",
                self.weight
            ));
        }
        let (rest, left_out) = (load - self.weight, count - self.count);
        let most = u128::from(left_out) * u128::from(self.lightest);
        if rest > most {
            return refuse(format!(
                "{list} leaves a load of {rest} to the {} of {owner} it does not list, more \
                 than they can weigh ({left_out} × {}, the lightest listed weight)",
                keys(left_out),
                self.lightest
            ));
        }
        Ok(())
    }
}
