//! What `CLUSTER NODES` and `CLUSTER SHARDS` both describe: masters with their slots, the
//! replicas beside them, and which node the text came from. Shared by their two parsers.

use super::{Address, Node};
use crate::error::{Error, Location, Result};
use crate::ring::slots::SLOT_COUNT;

/// A Redis Cluster beyond its masters' slots.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterTopology {
    /// The master the text was asked of (`myself` in `CLUSTER NODES`), by index into the
    /// masters: `redis-cli --cluster rebalance` starts its list there.
    pub entry: Option<usize>,
    /// Replicas, which own no slots.
    pub replicas: Vec<Replica>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Replica {
    #[serde(rename = "node")]
    pub label: String,
    /// The label of its master, when that master is listed.
    pub master: Option<String>,
}

/// A master's address as Redis prints it, or its id when Redis knows no address (`noaddr`,
/// port 0, or an empty IP and no port).
pub fn master_address(id: &str, ip: &str, port: u16, at: &Location) -> Result<Address> {
    if port == 0 {
        return Ok(Address::Bare {
            name: id.to_string(),
        });
    }
    let text = if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    };
    Address::parse_verbatim(&text, at)
}

/// A master with its id and slot ranges.
pub fn master(address: Address, id: &str, slots: Vec<(u16, u16)>, at: Location) -> Node {
    let mut node = Node::new(address, 1, None, at);
    node.cluster_id = Some(id.to_string());
    node.slots = Some(slots);
    node
}

/// Which master claimed each slot so far: a slot has one master.
pub struct SlotClaims {
    owner: Vec<Option<usize>>,
}

impl SlotClaims {
    pub fn new() -> Self {
        SlotClaims {
            owner: vec![None; SLOT_COUNT],
        }
    }

    /// Claims `first..=last` for master number `claimant` (the index it will have among
    /// `masters`, which holds the masters claimed before it); `within` says where one
    /// master's slots are listed ("on this line").
    pub fn claim(
        &mut self,
        (first, last): (u16, u16),
        claimant: usize,
        masters: &[Node],
        at: &Location,
        within: &str,
    ) -> Result<()> {
        for slot in first..=last {
            let Some(other) = self.owner[usize::from(slot)].replace(claimant) else {
                continue;
            };
            let problem = if other == claimant {
                format!(
                    "slot {slot} is listed twice {within}; a master lists each of its slots once"
                )
            } else {
                let line = masters[other]
                    .origin
                    .line
                    .map_or_else(|| "?".into(), |l| l.to_string());
                format!(
                    "slot {slot} is also owned by {} (line {line}); a slot has one master",
                    masters[other].label
                )
            };
            return Err(Error::input(at.clone(), problem));
        }
        Ok(())
    }
}

/// A slot number as Redis prints it: 0 to 16383.
pub fn slot(text: &str) -> Option<u16> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    text.parse::<u16>()
        .ok()
        .filter(|&s| digits && usize::from(s) < SLOT_COUNT)
}

/// Replicas name their master by id; masters are labelled by address.
pub fn resolve_masters(replicas: Vec<(String, String)>, masters: &[Node]) -> Vec<Replica> {
    replicas
        .into_iter()
        .map(|(label, master_id)| Replica {
            label,
            master: masters
                .iter()
                .find(|m| m.cluster_id.as_deref() == Some(master_id.as_str()))
                .map(|m| m.label.clone()),
        })
        .collect()
}
