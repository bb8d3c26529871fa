//! Redis `CLUSTER NODES` output: one line per node,
//! `<id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>...`.
//! Masters become nodes labelled `ip:port` with the slot ranges they own; replicas own nothing
//! and are listed beside them; `[slot->-id]` / `[slot-<-id]` migration markers are not
//! ownership. The `myself` line is the node the text was asked of.

use super::Address;
use super::cluster::{self, ClusterTopology, SlotClaims};
use crate::error::{Error, Location, Result};

pub fn parse(text: &str, source: &str) -> Result<(Vec<super::Node>, ClusterTopology)> {
    let mut masters = Vec::new();
    let mut claims = SlotClaims::new();
    let mut entry = None;
    let mut replicas = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let at = Location::new(source, Some(index + 1));
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        if fields.len() < 8
            || fields[0].len() != 40
            || !fields[0].bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(Error::input(
                at,
                "not a CLUSTER NODES line (<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slots>...); give the output of 'redis-cli cluster nodes' as it is",
            ));
        }
        let flags: Vec<&str> = fields[2].split(',').collect();
        if flags.contains(&"handshake") {
            continue;
        }
        let address_text = fields[1].split(['@', ',']).next().unwrap_or("");
        // A node whose address is unknown (`noaddr`, `:0`) is known by its id.
        let unknown_address = flags.contains(&"noaddr") || address_text.ends_with(":0");
        if !flags.contains(&"master") {
            // Listed for people, never placed: the address as Redis prints it.
            if flags.contains(&"slave") || flags.contains(&"replica") {
                let label = if unknown_address {
                    fields[0]
                } else {
                    address_text
                };
                replicas.push((label.to_string(), fields[3].to_string()));
            }
            continue;
        }
        let address = if unknown_address {
            Address::Bare {
                name: fields[0].to_string(),
            }
        } else {
            Address::parse_verbatim(address_text, &at)?
        };
        let mut slots = Vec::new();
        for slot_field in &fields[8..] {
            if slot_field.starts_with('[') {
                continue;
            }
            let range = parse_range(slot_field).ok_or_else(|| {
                Error::input(
                    at.clone(),
                    format!("slot range '{slot_field}' is not N or N-M with 0 <= N <= M < 16384"),
                )
            })?;
            claims.claim(range, masters.len(), &masters, &at, "on this line")?;
            slots.push(range);
        }
        if flags.contains(&"myself") {
            entry = Some(masters.len());
        }
        masters.push(cluster::master(address, fields[0], slots, at));
    }
    let replicas = cluster::resolve_masters(replicas, &masters);
    Ok((masters, ClusterTopology { entry, replicas }))
}

fn parse_range(text: &str) -> Option<(u16, u16)> {
    let (first, last) = match text.split_once('-') {
        Some((a, b)) => (cluster::slot(a)?, cluster::slot(b)?),
        None => (cluster::slot(text)?, cluster::slot(text)?),
    };
    (first <= last).then_some((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example of the Redis documentation for CLUSTER NODES, with a hostname and a
    // migration marker added.
    const SAMPLE: &str = "\
07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,cache-4 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@31003 master - 0 1426238318243 3 connected 10923-16383
6ec23923021cf3ffec47632106199cb7f496ce01 127.0.0.1:30005@31005 slave 67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 0 1426238316232 5 connected
824fe116063bc5fcf9f4ffd895bc17aee7731ac3 127.0.0.1:30006@31006 slave 292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 0 1426238317741 6 connected
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5459 5460 [5461-<-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]
";

    #[test]
    fn masters_with_their_slots() {
        let (nodes, topology) = parse(SAMPLE, "nodes.txt").unwrap();
        let summary: Vec<(&str, &[(u16, u16)])> = nodes
            .iter()
            .map(|n| (n.label.as_str(), n.slots.as_deref().unwrap_or_default()))
            .collect();
        assert_eq!(
            summary,
            [
                ("127.0.0.1:30002", &[(5461, 10922)][..]),
                ("127.0.0.1:30003", &[(10923, 16383)][..]),
                ("127.0.0.1:30001", &[(0, 5459), (5460, 5460)][..]),
            ]
        );
        assert_eq!(
            nodes[0].cluster_id.as_deref(),
            Some("67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1")
        );
        // `myself` is the third master; replicas name their masters.
        assert_eq!(topology.entry, Some(2));
        let replicas: Vec<(&str, Option<&str>)> = topology
            .replicas
            .iter()
            .map(|r| (r.label.as_str(), r.master.as_deref()))
            .collect();
        assert_eq!(
            replicas,
            [
                ("127.0.0.1:30004", Some("127.0.0.1:30001")),
                ("127.0.0.1:30005", Some("127.0.0.1:30002")),
                ("127.0.0.1:30006", Some("127.0.0.1:30003")),
            ]
        );
    }

    #[test]
    fn garbage_and_overlaps_are_refused() {
        let err = parse("hello world\n", "nodes.txt").unwrap_err().to_string();
        assert!(
            err.starts_with("nodes.txt:1: not a CLUSTER NODES line"),
            "{err}"
        );
        let overlap = SAMPLE.replace("5461-10922", "5000-10922");
        let err = parse(&overlap, "nodes.txt").unwrap_err().to_string();
        assert!(
            err.starts_with("nodes.txt:6: slot 5000 is also owned by 127.0.0.1:30002 (line 2)"),
            "{err}"
        );
        let bad = SAMPLE.replace("10923-16383", "10923-16384");
        assert!(
            parse(&bad, "nodes.txt")
                .unwrap_err()
                .to_string()
                .contains("'10923-16384'")
        );
    }

    #[test]
    fn addresses_redis_leaves_empty() {
        // A lone node that has not met others prints an empty IP; `noaddr` masters print `:0`.
        let text = "\
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca :24001@34001 myself,master - 0 0 1 connected 0-16000
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 :0@0 master,noaddr - 0 0 2 connected 16001-16383
07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004 handshake,master - 0 0 0 connected
";
        let (nodes, _) = parse(text, "nodes.txt").unwrap();
        let labels: Vec<&str> = nodes.iter().map(|n| n.label.as_str()).collect();
        assert_eq!(
            labels,
            [":24001", "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1"]
        );
    }

    #[test]
    fn masters_without_slots_own_nothing() {
        let text = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected\n";
        let (nodes, _) = parse(text, "nodes.txt").unwrap();
        assert_eq!(nodes[0].slots, Some(vec![]));
    }
}
