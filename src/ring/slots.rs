//! Redis Cluster: a key's slot is `CRC16-XMODEM(hashed part) mod 16384` with the `{}` hash-tag
//! rule (`keyHashSlot`), and each slot has one master. Owners come from `CLUSTER NODES`, or,
//! for a plain list of addresses, from the split `redis-cli --cluster create` makes.

use super::explain::{Entry, Searched, run_around};
use super::{
    Explanation, HashInput, HashTag, Layout, NodeId, OwnerMap, Ownership, Placement, Point,
    RingConfig, hashed_part,
};
use crate::error::{Error, Result};
use crate::hash::crc16_xmodem;
use crate::nodes::{Address, Node};

pub const SLOT_COUNT: usize = 16384;
const UNOWNED: NodeId = NodeId::MAX;

pub struct Slots {
    owners: Vec<NodeId>,
    nodes: usize,
    hash_tag: Option<HashTag>,
}

#[inline]
pub fn key_slot(tag: Option<&HashTag>, key: &[u8]) -> u16 {
    slot_of(crc16_xmodem(hashed_part(tag, key)))
}

/// The slot of a CRC16 value: its low 14 bits (`crc16 & 16383`).
#[inline]
fn slot_of(crc: u16) -> u16 {
    crc & 0x3FFF
}

/// The slot ranges `redis-cli --cluster create` gives `masters` masters
/// (`clusterManagerCommandCreate`): `16384 / masters` per master in binary32, each range ending
/// at `lround(cursor + per_master - 1)`, the last master taking the rest.
pub fn create_split(masters: usize) -> Vec<(u16, u16)> {
    let per_master = SLOT_COUNT as f32 / masters as f32;
    let mut cursor = 0.0f32;
    let mut first = 0i64;
    let mut ranges = Vec::with_capacity(masters);
    for i in 0..masters {
        let mut last = (cursor + per_master - 1.0).round() as i64;
        if last > SLOT_COUNT as i64 || i == masters - 1 {
            last = SLOT_COUNT as i64 - 1;
        }
        if last < first {
            last = first;
        }
        ranges.push((first as u16, last as u16));
        first = last + 1;
        cursor += per_master;
    }
    ranges
}

/// The order `redis-cli --cluster create` assigns masters in: nodes grouped by IP in order of
/// first appearance, then one from each group in turn.
pub fn create_order(nodes: &[Node]) -> Vec<usize> {
    let host = |n: &Node| match &n.address {
        Address::Tcp { host, .. } => host.clone(),
        other => other.to_string(),
    };
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (index, node) in nodes.iter().enumerate() {
        let h = host(node);
        match groups.iter_mut().find(|(g, _)| *g == h) {
            Some((_, members)) => members.push(index),
            None => groups.push((h, vec![index])),
        }
    }
    let mut order = Vec::with_capacity(nodes.len());
    for round in 0.. {
        let before = order.len();
        order.extend(groups.iter().filter_map(|(_, members)| members.get(round)));
        if order.len() == before {
            break;
        }
    }
    order
}

impl Slots {
    pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Self> {
        Ok(Slots {
            owners: slot_owners(nodes)?,
            nodes: nodes.len(),
            hash_tag: config.hash_tag,
        })
    }
}

/// The master of each slot (`UNOWNED` for none): the slot ranges the nodes list, or, when
/// none lists any, the split `redis-cli --cluster create` makes of them.
fn slot_owners(nodes: &[Node]) -> Result<Vec<NodeId>> {
    let mut owners = vec![UNOWNED; SLOT_COUNT];
    if nodes.iter().any(|n| n.slots.is_some()) {
        // Weights given with slots are rebalance weights (`--cluster-weight`): they decide
        // how slots move, not where keys go.
        for (index, node) in nodes.iter().enumerate() {
            for &(first, last) in node.slots.iter().flatten() {
                owners[usize::from(first)..=usize::from(last)].fill(index as NodeId);
            }
        }
        return Ok(owners);
    }
    if let Some(node) = nodes.iter().find(|n| n.weight != 1) {
        return Err(Error::input(
            node.origin.clone(),
            format!(
                "Redis Cluster masters have no weights (node {} has weight {}); slots decide ownership, drop the weight",
                node.label, node.weight
            ),
        ));
    }
    if nodes.len() > SLOT_COUNT {
        return Err(Error::too_large(format!(
            "slots: {} masters exceed the 16384 slots",
            nodes.len()
        )));
    }
    for (&index, (first, last)) in create_order(nodes).iter().zip(create_split(nodes.len())) {
        owners[usize::from(first)..=usize::from(last)].fill(index as NodeId);
    }
    Ok(owners)
}

/// The slots each node owns, ascending, as [`Slots`] places them.
pub fn owned_slots(nodes: &[Node]) -> Result<Vec<Vec<u16>>> {
    let mut owned = vec![Vec::new(); nodes.len()];
    for (slot, &owner) in slot_owners(nodes)?.iter().enumerate() {
        if owner != UNOWNED {
            owned[owner as usize].push(slot as u16);
        }
    }
    Ok(owned)
}

/// Slots as inclusive ranges, e.g. `[0, 1, 2, 7]` → `[(0, 2), (7, 7)]`.
pub fn ranges(slots: &[u16]) -> Vec<(u16, u16)> {
    let mut ranges: Vec<(u16, u16)> = Vec::new();
    for &slot in slots {
        match ranges.last_mut() {
            Some(range) if slot > 0 && range.1 == slot - 1 => range.1 = slot,
            _ => ranges.push((slot, slot)),
        }
    }
    ranges
}

impl Slots {
    /// The master of `slot`, if one owns it.
    #[inline]
    fn master(&self, slot: u16) -> Option<NodeId> {
        let owner = self.owners[usize::from(slot)];
        (owner != UNOWNED).then_some(owner)
    }

    /// The slot is the value: runs of consecutive slots with one owner.
    fn map(&self) -> OwnerMap {
        let mut runs: Vec<(u128, Option<NodeId>)> = Vec::new();
        for (slot, &owner) in self.owners.iter().enumerate() {
            let owner = (owner != UNOWNED).then_some(owner);
            match runs.last_mut() {
                Some(run) if run.1 == owner => run.0 = slot as u128,
                _ => runs.push((slot as u128, owner)),
            }
        }
        let input = HashInput {
            hash: "crc16-slot",
            bits: 14,
            tag: self.hash_tag,
        };
        OwnerMap {
            range: input.range(),
            input,
            layout: Layout::Intervals(runs),
        }
    }
}

impl Placement for Slots {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        self.master(key_slot(self.hash_tag.as_ref(), key))
    }

    fn explain(&self, key: &[u8], _around: usize) -> Explanation {
        let part = hashed_part(self.hash_tag.as_ref(), key);
        let crc = crc16_xmodem(part);
        let slot = slot_of(crc);
        let master = self.master(slot);
        let chosen = master.map(|node| Entry {
            position: slot.into(),
            node,
            index: slot.into(),
        });
        let explanation = Explanation::hashed(part, "crc16 (XMODEM)", crc.into()).in_table(
            Searched::Slot,
            slot.into(),
            "slot = crc16 mod 16384; the master that owns the slot serves it",
            chosen,
        );
        match master {
            Some(_) => explanation.with_range(run_around(&self.owners, usize::from(slot))),
            None => {
                explanation.with_note(format!("slot {slot} has no master: no node serves the key"))
            }
        }
    }

    fn ownership(&self) -> Ownership {
        let mut counts = vec![0u64; self.nodes];
        for &owner in self.owners.iter().filter(|&&o| o != UNOWNED) {
            counts[owner as usize] += 1;
        }
        self.map().ownership(counts.into_iter().map(Some).collect())
    }

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }

    fn points(&self) -> Option<Vec<Point>> {
        Some(
            self.owners
                .iter()
                .enumerate()
                .filter(|&(_, &node)| node != UNOWNED)
                .map(|(slot, &node)| Point {
                    position: slot as u64,
                    node,
                })
                .collect(),
        )
    }

    fn slot(&self, key: &[u8]) -> Option<u16> {
        Some(key_slot(self.hash_tag.as_ref(), key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_key_slots() {
        // From CLUSTER KEYSLOT on redis-server 7.0.15 (src/cluster.c, keyHashSlot()).
        let tag = Some(&HashTag::REDIS);
        for (key, slot) in [
            (&b"123456789"[..], 12739),
            (b"foo", 12182),
            (b"{user1000}.following", 3443),
            (b"{}abc", 5980),
            (b"a{}{b}", 15033),
            (b"{{a}}", 10276),
            (b"x{y", 2740),
        ] {
            assert_eq!(key_slot(tag, key), slot, "{}", String::from_utf8_lossy(key));
        }
    }

    #[test]
    fn create_splits_match_redis_cli() {
        assert_eq!(create_split(3), [(0, 5460), (5461, 10922), (10923, 16383)]);
        assert_eq!(
            create_split(5),
            [
                (0, 3276),
                (3277, 6553),
                (6554, 9829),
                (9830, 13106),
                (13107, 16383)
            ]
        );
        let six: Vec<u16> = create_split(6).iter().map(|r| r.1).collect();
        assert_eq!(six, [2730, 5460, 8191, 10922, 13652, 16383]);
        let seven: Vec<u16> = create_split(7).iter().map(|r| r.1).collect();
        assert_eq!(seven, [2340, 4680, 7021, 9361, 11702, 14042, 16383]);
    }

    #[test]
    fn create_interleaves_by_ip() {
        let nodes: Vec<Node> = [
            "10.0.0.1:1",
            "10.0.0.1:2",
            "10.0.0.2:1",
            "10.0.0.3:1",
            "10.0.0.2:2",
        ]
        .iter()
        .map(|s| crate::nodes::parse_inline(s, 1).unwrap())
        .collect();
        assert_eq!(create_order(&nodes), [0, 2, 3, 1, 4]);
    }
}
