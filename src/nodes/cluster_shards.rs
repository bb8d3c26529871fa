//! Redis `CLUSTER SHARDS` output (Redis 7), in the three forms `redis-cli` prints it:
//!
//! - into a pipe or file, one value a line (`slots`, `0`, `5460`, `nodes`, `id`, `…`; an
//!   empty slot list or string is an empty line);
//! - on a terminal (or `--no-raw`), nested and numbered (`1) 1) "slots"`, `(integer) 0`,
//!   `(empty array)`);
//! - with `--json`, an array of `{"slots": [first, last, …], "nodes": [{…}]}`.
//!
//! Each shard is a master with its slot ranges (pairs of first and last slot) and its
//! replicas. The two text forms read as the same stream of values once the numbering and
//! quoting are taken off.

use super::Node;
use super::cluster::{self, ClusterTopology, SlotClaims};
use crate::error::{Error, Location, Result};

/// Whether `text` starts the way `CLUSTER SHARDS` output does.
pub fn looks_like(text: &str) -> bool {
    let start = text.trim_start();
    if start.starts_with('[') {
        let compact: String = start
            .chars()
            .take(64)
            .filter(|c| !c.is_whitespace())
            .collect();
        return compact.starts_with("[{\"slots\"") || compact == "[]";
    }
    let first = start.lines().next().unwrap_or("").trim();
    first == "slots" || first == "1) 1) \"slots\""
}

pub fn parse(text: &str, source: &str) -> Result<(Vec<Node>, ClusterTopology)> {
    let shards = if text.trim_start().starts_with('[') {
        from_json(text, source)?
    } else {
        from_values(&values(text), source)?
    };
    let mut masters = Vec::new();
    let mut claims = SlotClaims::new();
    let mut replicas = Vec::new();
    for shard in shards {
        let at = Location::new(source, shard.line);
        let mut primary = None;
        for node in shard.nodes {
            match node.role.as_str() {
                "master" if primary.is_none() => primary = Some(node),
                "master" => {
                    return Err(Error::input(
                        at,
                        "a shard with two masters; give the output of 'redis-cli cluster shards' as it is",
                    ));
                }
                _ => replicas.push((label_of(&node), node.master_id)),
            }
        }
        let Some(primary) = primary else {
            // A shard whose master failed and has no replica promoted owns nothing anyone
            // can reach; its slots stay unowned.
            continue;
        };
        if primary.id.is_empty() {
            // Without an id or an address a master has no name to be known by.
            return Err(Error::input(
                at,
                "a master without its 'id'; give the output of 'redis-cli cluster shards' as it is",
            ));
        }
        let mut ranges = Vec::new();
        for pair in shard.slots.chunks(2) {
            let range = match *pair {
                [first, last] if first <= last => (first, last),
                _ => {
                    return Err(Error::input(
                        at,
                        "slots come in pairs of first and last slot (first <= last); give the output of 'redis-cli cluster shards' as it is",
                    ));
                }
            };
            claims.claim(range, masters.len(), &masters, &at, "in this shard")?;
            ranges.push(range);
        }
        let address = cluster::master_address(&primary.id, &primary.ip, primary.port, &at)?;
        masters.push(cluster::master(address, &primary.id, ranges, at));
    }
    let replicas = cluster::resolve_masters(replicas, &masters);
    // The text does not say which node it was asked of.
    Ok((
        masters,
        ClusterTopology {
            entry: None,
            replicas,
        },
    ))
}

struct Shard {
    slots: Vec<u16>,
    nodes: Vec<ShardNode>,
    line: Option<usize>,
}

#[derive(Default)]
struct ShardNode {
    id: String,
    ip: String,
    port: u16,
    role: String,
    /// The id of the shard's master, for a replica.
    master_id: String,
}

fn label_of(node: &ShardNode) -> String {
    if node.port == 0 {
        node.id.clone()
    } else if node.ip.contains(':') {
        format!("[{}]:{}", node.ip, node.port)
    } else {
        format!("{}:{}", node.ip, node.port)
    }
}

/// One value of the text forms, with its line.
struct Value {
    text: String,
    line: usize,
}

/// The values of either text form: numbering (`1) `), `(integer) ` and quotes taken off; an
/// empty list (`(empty array)`, or an empty line where a list was) gives no value, an empty
/// string an empty one.
fn values(text: &str) -> Vec<Value> {
    let mut values = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line.trim();
        // `4) 1)  1) "id"`: strip every `N)`.
        while let Some((number, after)) = rest.split_once(')') {
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                break;
            }
            rest = after.trim_start();
        }
        let text = if rest == "(empty array)" || rest == "(nil)" {
            continue;
        } else if let Some(number) = rest.strip_prefix("(integer) ") {
            number.to_string()
        } else if rest.len() >= 2 && rest.starts_with('"') && rest.ends_with('"') {
            unquote(&rest[1..rest.len() - 1])
        } else {
            rest.to_string()
        };
        values.push(Value {
            text,
            line: index + 1,
        });
    }
    values
}

/// redis-cli's quoting (`sdscatrepr`): `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b`, `\xHH`.
fn unquote(quoted: &str) -> String {
    let mut out = Vec::with_capacity(quoted.len());
    let bytes = quoted.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            let (byte, used) = match bytes[i + 1] {
                b'n' => (b'\n', 2),
                b'r' => (b'\r', 2),
                b't' => (b'\t', 2),
                b'a' => (7, 2),
                b'b' => (8, 2),
                b'x' if i + 3 < bytes.len() + 1 => {
                    match std::str::from_utf8(&bytes[i + 2..(i + 4).min(bytes.len())])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                    {
                        Some(b) => (b, 4),
                        None => (b'x', 2),
                    }
                }
                other => (other, 2),
            };
            out.push(byte);
            i += used;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Shards from the stream of values: `slots`, slot numbers, `nodes`, then each node's
/// field names and values (a node starts at `id`), until the next `slots`.
fn from_values(values: &[Value], source: &str) -> Result<Vec<Shard>> {
    let bad = |line: usize, what: &str| {
        Error::input(
            Location::new(source, Some(line)),
            format!("{what}; give the output of 'redis-cli cluster shards' as it is"),
        )
    };
    let mut shards: Vec<Shard> = Vec::new();
    let mut at = 0;
    while at < values.len() {
        let value = &values[at];
        if value.text.is_empty() {
            at += 1;
            continue;
        }
        if value.text != "slots" {
            return Err(bad(
                value.line,
                "not CLUSTER SHARDS output (expected 'slots')",
            ));
        }
        let line = value.line;
        at += 1;
        let mut slots = Vec::new();
        while at < values.len() && values[at].text != "nodes" {
            let text = &values[at].text;
            if !text.is_empty() {
                let slot = cluster::slot(text).ok_or_else(|| {
                    bad(
                        values[at].line,
                        &format!("slot '{text}' is not a number from 0 to 16383"),
                    )
                })?;
                slots.push(slot);
            }
            at += 1;
        }
        if at == values.len() {
            return Err(bad(line, "a shard without its 'nodes'"));
        }
        at += 1;
        let mut nodes: Vec<ShardNode> = Vec::new();
        while at < values.len() && values[at].text != "slots" {
            let (field, field_line) = (&values[at].text, values[at].line);
            let value = values
                .get(at + 1)
                .map(|v| v.text.as_str())
                .ok_or_else(|| bad(field_line, &format!("field '{field}' without a value")))?;
            if field == "id" {
                nodes.push(ShardNode::default());
            }
            let node = nodes
                .last_mut()
                .ok_or_else(|| bad(field_line, "a node that does not start with its 'id'"))?;
            set_field(node, field, value).map_err(|problem| bad(field_line, &problem))?;
            at += 2;
        }
        shards.push(Shard {
            slots,
            nodes,
            line: Some(line),
        });
    }
    finish(shards)
}

fn set_field(node: &mut ShardNode, field: &str, value: &str) -> std::result::Result<(), String> {
    match field {
        "id" => node.id = value.to_string(),
        "ip" => node.ip = value.to_string(),
        "role" => node.role = value.to_string(),
        "port" => {
            node.port = value
                .parse()
                .map_err(|_| format!("port '{value}' is not a number from 0 to 65535"))?;
        }
        // endpoint, hostname, tls-port, replication-offset, health: nothing to place by.
        _ => {}
    }
    Ok(())
}

/// Gives each replica the id of its shard's master.
fn finish(mut shards: Vec<Shard>) -> Result<Vec<Shard>> {
    for shard in &mut shards {
        let master = shard
            .nodes
            .iter()
            .find(|n| n.role == "master")
            .map(|n| n.id.clone())
            .unwrap_or_default();
        for node in &mut shard.nodes {
            node.master_id.clone_from(&master);
        }
    }
    Ok(shards)
}

fn from_json(text: &str, source: &str) -> Result<Vec<Shard>> {
    let bad = |line: Option<usize>, what: String| {
        Error::input(
            Location::new(source, line),
            format!("{what}; give the output of 'redis-cli --json cluster shards' as it is"),
        )
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(Some(e.line()), format!("not JSON ({e})")))?;
    let list = value
        .as_array()
        .ok_or_else(|| bad(None, "not a list of shards".into()))?;
    let mut shards = Vec::with_capacity(list.len());
    for (index, shard) in list.iter().enumerate() {
        let what = |problem: &str| bad(None, format!("shard {}: {problem}", index + 1));
        let slots = shard["slots"]
            .as_array()
            .ok_or_else(|| what("no 'slots' list"))?
            .iter()
            .map(|s| {
                s.as_u64()
                    .and_then(|s| cluster::slot(&s.to_string()))
                    .ok_or_else(|| what(&format!("slot {s} is not a number from 0 to 16383")))
            })
            .collect::<Result<Vec<u16>>>()?;
        let mut nodes = Vec::new();
        for node in shard["nodes"]
            .as_array()
            .ok_or_else(|| what("no 'nodes' list"))?
        {
            let fields = node
                .as_object()
                .ok_or_else(|| what("a node that is not an object"))?;
            let mut parsed = ShardNode::default();
            for (field, value) in fields {
                let text = match value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                set_field(&mut parsed, field, &text).map_err(|problem| what(&problem))?;
            }
            nodes.push(parsed);
        }
        shards.push(Shard {
            slots,
            nodes,
            line: None,
        });
    }
    finish(shards)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A master as a test compares it: label, slot ranges, id.
    type MasterView = (String, Option<Vec<(u16, u16)>>, Option<String>);

    fn view(masters: &[Node]) -> Vec<MasterView> {
        masters
            .iter()
            .map(|m| (m.label.clone(), m.slots.clone(), m.cluster_id.clone()))
            .collect()
    }

    const TEXT: &str = "slots\n0\n5460\nnodes\nid\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nport\n30001\nip\n127.0.0.1\nendpoint\n127.0.0.1\nhostname\n\nrole\nmaster\nid\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\nport\n30004\nip\n127.0.0.1\nrole\nreplica\nslots\n\nnodes\nid\ncccccccccccccccccccccccccccccccccccccccc\nport\n30005\nip\n::1\nrole\nmaster\n";

    #[test]
    fn masters_replicas_and_empty_masters() {
        assert!(looks_like(TEXT));
        let (masters, topology) = parse(TEXT, "shards.txt").unwrap();
        let summary: Vec<_> = view(&masters).into_iter().map(|(l, s, _)| (l, s)).collect();
        assert_eq!(
            summary,
            [
                ("127.0.0.1:30001".to_string(), Some(vec![(0, 5460)])),
                ("[::1]:30005".to_string(), Some(vec![]))
            ]
        );
        assert_eq!(topology.replicas.len(), 1);
        assert_eq!(topology.replicas[0].label, "127.0.0.1:30004");
        assert_eq!(
            topology.replicas[0].master.as_deref(),
            Some("127.0.0.1:30001")
        );
    }

    #[test]
    fn the_numbered_form_reads_the_same() {
        let numbered = "1) 1) \"slots\"\n   2) 1) (integer) 0\n      2) (integer) 5460\n   3) \"nodes\"\n   4) 1)  1) \"id\"\n          2) \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n          3) \"port\"\n          4) (integer) 30001\n          5) \"ip\"\n          6) \"127.0.0.1\"\n          7) \"role\"\n          8) \"master\"\n2) 1) \"slots\"\n   2) (empty array)\n   3) \"nodes\"\n   4) 1)  1) \"id\"\n          2) \"cccccccccccccccccccccccccccccccccccccccc\"\n          3) \"port\"\n          4) (integer) 30005\n          5) \"ip\"\n          6) \"::1\"\n          7) \"role\"\n          8) \"master\"\n";
        assert!(looks_like(numbered));
        let (masters, _) = parse(numbered, "shards.txt").unwrap();
        let (plain, _) = parse(TEXT, "shards.txt").unwrap();
        assert_eq!(masters.len(), 2);
        for (a, b) in masters.iter().zip(&plain) {
            assert_eq!(
                (&a.label, &a.slots, &a.cluster_id),
                (&b.label, &b.slots, &b.cluster_id)
            );
        }
    }

    #[test]
    fn every_form_of_a_real_cluster_reads_as_its_cluster_nodes() {
        // One Redis 7.0 cluster (3 masters with a replica each, and an empty master added
        // with add-node), asked through redis-cli into a file, on a terminal and with --json.
        let (nodes, topology) = crate::nodes::cluster_nodes::parse(
            include_str!("../../tests/fixtures/cluster/cluster-nodes.txt"),
            "nodes",
        )
        .unwrap();
        assert_eq!(topology.replicas.len(), 3);
        for (name, text) in [
            (
                "file",
                include_str!("../../tests/fixtures/cluster/cluster-shards.txt"),
            ),
            (
                "tty",
                include_str!("../../tests/fixtures/cluster/cluster-shards-tty.txt"),
            ),
            (
                "json",
                include_str!("../../tests/fixtures/cluster/cluster-shards.json"),
            ),
        ] {
            assert!(looks_like(text), "{name}");
            let (masters, shards) = parse(text, name).unwrap();
            assert_eq!(view(&masters), view(&nodes), "{name}");
            let mut replicas = shards.replicas.clone();
            let mut expected = topology.replicas.clone();
            replicas.sort_by(|a, b| a.label.cmp(&b.label));
            expected.sort_by(|a, b| a.label.cmp(&b.label));
            assert_eq!(replicas, expected, "{name}");
        }
    }

    #[test]
    fn bad_text_is_named_by_line() {
        let err = parse("slots\n0\n99999\nnodes\n", "s.txt")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.txt:3: slot '99999' is not a number"),
            "{err}"
        );
        let err = parse("slots\n0\n10\nnodes\nid\n", "s.txt")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.txt:5: field 'id' without a value"),
            "{err}"
        );
        let err = parse("slots\n10\n0\nnodes\nid\nx\nrole\nmaster\n", "s.txt")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.txt:1: slots come in pairs"), "{err}");
        let err = parse("[{\"slots\": \"x\"}]", "s.json")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.json: shard 1: no 'slots' list"), "{err}");
    }

    #[test]
    fn overlapping_shards_are_refused() {
        let twice = TEXT.replace("slots\n\nnodes", "slots\n5000\n5001\nnodes");
        let err = parse(&twice, "s.txt").unwrap_err().to_string();
        assert!(
            err.starts_with("s.txt:25: slot 5000 is also owned by 127.0.0.1:30001 (line 1)"),
            "{err}"
        );
    }
}
