//! The node model and the node-list formats: plain lists, twemproxy's `nutcracker.yml` and
//! Redis `CLUSTER NODES` output. Each format is one file that turns text into a [`Pool`].

mod address;
mod carbon;
mod cluster;
mod cluster_nodes;
mod cluster_shards;
mod haproxy;
mod nginx;
mod plain;
mod twemproxy;

pub use address::Address;
pub use cluster::{ClusterTopology, Replica};

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Location, Result};
use crate::hash::HashFunction;
use crate::ring::{Algo, HashTag};

/// One server of a pool.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What every output prints and what options refer to: the name when the source gives
    /// one, else `host:port`.
    pub label: String,
    /// The name given in the source, if any.
    pub name: Option<String>,
    pub address: Address,
    pub weight: u32,
    /// Redis Cluster slot ranges the node owns (inclusive), when the source says
    /// (`CLUSTER NODES`); `None` for sources that know nothing of slots.
    pub slots: Option<Vec<(u16, u16)>>,
    /// haproxy's numeric server id (`id N`, else its position): it places the server.
    pub id: Option<u32>,
    /// nginx `down`: configured, counted in the weights, but never chosen.
    pub down: bool,
    /// carbon-c-relay's `=instance` after a server.
    pub instance: Option<String>,
    /// A Redis Cluster master's node id (`CLUSTER NODES`, `CLUSTER SHARDS`).
    pub cluster_id: Option<String>,
    /// Where the node was defined, for messages.
    pub origin: Location,
}

impl Node {
    pub fn new(address: Address, weight: u32, name: Option<String>, origin: Location) -> Self {
        // An empty name (twemproxy keeps one after a trailing space) still names the points,
        // but prints badly: the label falls back to the address.
        let label = name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| address.to_string());
        Node {
            label,
            name,
            address,
            weight,
            slots: None,
            id: None,
            down: false,
            instance: None,
            cluster_id: None,
            origin,
        }
    }

    /// The server name twemproxy puts on its continuum (`conf_add_server`): the name when
    /// given; otherwise the address as written, except that port 11211 is dropped (the
    /// libmemcached convention) and a unix socket keeps the ':' that followed its path.
    pub fn continuum_name(&self) -> std::borrow::Cow<'_, str> {
        if let Some(name) = &self.name {
            return name.as_str().into();
        }
        match &self.address {
            Address::Tcp {
                host, port: 11211, ..
            } => host.as_str().into(),
            Address::Tcp { text, .. } => text.as_str().into(),
            Address::Unix { path } => format!("{path}:").into(),
            Address::Bare { name } => name.as_str().into(),
        }
    }
}

/// The node-list formats `--nodes-format` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Plain,
    Twemproxy,
    ClusterNodes,
    ClusterShards,
    Nginx,
    Haproxy,
    Carbon,
}

impl Format {
    pub const ALL: [(&'static str, Format); 7] = [
        ("plain", Format::Plain),
        ("twemproxy", Format::Twemproxy),
        ("cluster-nodes", Format::ClusterNodes),
        ("cluster-shards", Format::ClusterShards),
        ("nginx", Format::Nginx),
        ("haproxy", Format::Haproxy),
        ("carbon", Format::Carbon),
    ];

    pub fn by_name(name: &str) -> Result<Format> {
        crate::names::resolve("node-list format", name, &Format::ALL)
    }

    pub fn name(self) -> &'static str {
        Format::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("?", |(n, _)| *n)
    }

    /// Recognises a format from its content: `CLUSTER NODES` lines start with a 40-hex-digit
    /// node id; `CLUSTER SHARDS` starts with its `slots` field (in any of redis-cli's three
    /// forms); a twemproxy config has a `servers:` key; anything else is a plain list.
    pub fn detect(text: &str) -> Format {
        if cluster_shards::looks_like(text) {
            return Format::ClusterShards;
        }
        let meaningful = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        for line in meaningful {
            let first = line.split_whitespace().next().unwrap_or("");
            if first.len() == 40 && first.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Format::ClusterNodes;
            }
            // Block style starts a line with it, flow style (`a: {servers: [...]}`) nests it.
            if line.starts_with("servers:")
                || line.contains("{servers:")
                || line.contains(" servers:")
            {
                return Format::Twemproxy;
            }
            match first {
                "upstream" | "http" | "stream" | "events" | "worker_processes" => {
                    return Format::Nginx;
                }
                // carbon-c-relay has `listen type linemode ...` too.
                "listen" if line.split_whitespace().nth(1) == Some("type") => {
                    return Format::Carbon;
                }
                "backend" | "frontend" | "listen" | "defaults" | "global" | "peers"
                | "resolvers" | "userlist" | "mailers" | "program" | "http-errors" | "cache"
                | "fcgi-app" => {
                    return Format::Haproxy;
                }
                "cluster" => return Format::Carbon,
                _ => {}
            }
        }
        Format::Plain
    }
}

/// What a node source says about a pool besides its nodes.
#[derive(Clone, Debug, Default)]
pub struct PoolSettings {
    pub algo: Option<Algo>,
    pub hash: Option<&'static HashFunction>,
    pub hash_tag: Option<HashTag>,
    pub auto_eject_hosts: bool,
    /// Redis Cluster: the replicas and the node the text was asked of.
    pub cluster: ClusterTopology,
}

/// The nodes of one pool and its settings, in the order the source lists them.
#[derive(Clone, Debug)]
pub struct Pool {
    pub format: Format,
    pub nodes: Vec<Node>,
    pub settings: PoolSettings,
}

/// Reads a node list from `path`, detecting the format unless `format` is given; `pool` picks
/// one pool of a multi-pool config.
pub fn read_file(path: &Path, format: Option<Format>, pool: Option<&str>) -> Result<Pool> {
    let bytes = crate::files::read_file_bounded(
        path,
        "cannot read node list",
        crate::files::MAX_NODE_LIST,
        "a node list or config",
        "key files go after the options, not after --nodes",
    )?;
    let source = path.display().to_string();
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
        let byte = e.as_bytes()[valid.len()];
        Error::input(
            Location::new(source.clone(), Some(line)),
            format!("byte 0x{byte:02x} is not UTF-8 text; {NOT_TEXT}"),
        )
    })?;
    parse(&text, &source, format, pool)
}

/// What a node list is, for refusals of binary files.
const NOT_TEXT: &str = "give a text node list: a plain list, a nutcracker.yml, CLUSTER NODES output, an nginx.conf, a haproxy.cfg or a carbon-c-relay config";

/// Parses node-list text. `source` names it in messages.
pub fn parse(text: &str, source: &str, format: Option<Format>, pool: Option<&str>) -> Result<Pool> {
    // A byte-order mark is an editor's artefact, not part of the first label.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_text(text, source)?;
    let format = format.unwrap_or_else(|| Format::detect(text));
    if let Some(pool) = pool
        && matches!(
            format,
            Format::Plain | Format::ClusterNodes | Format::ClusterShards
        )
    {
        return Err(Error::usage(format!(
            "--pool {pool} picks a pool of a nutcracker.yml, an nginx upstream, a haproxy backend or a carbon-c-relay cluster, but {source} is a {} node list",
            format.name()
        )));
    }
    let pool = match format {
        Format::Plain => Pool {
            format,
            nodes: plain::parse(text, source)?,
            settings: PoolSettings::default(),
        },
        Format::Twemproxy => twemproxy::parse(text, source, pool)?,
        Format::ClusterNodes | Format::ClusterShards => {
            let (nodes, cluster) = match format {
                Format::ClusterNodes => cluster_nodes::parse(text, source)?,
                _ => cluster_shards::parse(text, source)?,
            };
            Pool {
                format,
                nodes,
                settings: PoolSettings {
                    algo: Some(Algo::Slots),
                    cluster,
                    ..PoolSettings::default()
                },
            }
        }
        Format::Nginx => nginx::parse(text, source, pool)?,
        Format::Haproxy => haproxy::parse(text, source, pool)?,
        Format::Carbon => carbon::parse(text, source, pool)?,
    };
    if pool.nodes.is_empty() {
        return Err(Error::input(
            Location::new(source, None),
            "no nodes found; list one node per line as ADDR[:WEIGHT] [NAME]",
        ));
    }
    Ok(pool)
}

/// Nodes from inline specs, numbered in order: what tests build rings from.
#[cfg(test)]
pub(crate) fn inline_nodes(specs: &[&str]) -> Vec<Node> {
    specs
        .iter()
        .enumerate()
        .map(|(i, s)| parse_inline(s, i + 1).expect("a valid spec"))
        .collect()
}

/// Refuses control bytes (other than tab and line ends): no format allows them, and they
/// mean a binary file was given by mistake.
fn check_text(text: &str, source: &str) -> Result<()> {
    for (index, line) in text.lines().enumerate() {
        if let Some(c) = line
            .chars()
            .find(|&c| c.is_control() && c != '\t' && c != '\r')
        {
            return Err(Error::input(
                Location::new(source, Some(index + 1)),
                format!("control byte 0x{:02x}; {NOT_TEXT}", u32::from(c)),
            ));
        }
    }
    Ok(())
}

/// Parses one inline `--node SPEC` (the plain-list line syntax).
pub fn parse_inline(spec: &str, position: usize) -> Result<Node> {
    let source = format!("--node #{position}");
    check_text(spec, &source)?;
    plain::parse_line(spec, Location::new(source, None))?.ok_or_else(|| {
        Error::usage(format!(
            "--node #{position} is empty; give ADDR[:WEIGHT] [NAME]"
        ))
    })
}

/// Each node's share of the total weight: what a placement that honours weights promises.
pub fn weight_shares(nodes: &[Node]) -> Vec<f64> {
    let total: f64 = nodes.iter().map(|n| f64::from(n.weight)).sum();
    nodes.iter().map(|n| f64::from(n.weight) / total).collect()
}

/// Refuses a label that would not print as one clean cell (a control character: an escape
/// sequence in a table, a newline that splits a `lookup` line or a TSV record), whatever
/// format it came from, and two nodes with the same label: outputs and options could not
/// tell them apart.
pub fn check_labels(nodes: &[Node]) -> Result<()> {
    let mut seen: HashMap<&str, &Location> = HashMap::new();
    for node in nodes {
        if let Some(c) = node.label.chars().find(|c| c.is_control()) {
            return Err(Error::input(
                node.origin.clone(),
                format!(
                    "node label '{}' holds control character 0x{:02x}; labels are printed in tables, TSV and CSV, so give a name without one",
                    crate::keys::shown(node.label.as_bytes(), 60),
                    u32::from(c)
                ),
            ));
        }
        if let Some(first) = seen.insert(&node.label, &node.origin) {
            return Err(Error::input(
                node.origin.clone(),
                format!(
                    "duplicate node label '{}' (first defined at {first}); give each node a distinct name or address",
                    node.label
                ),
            ));
        }
    }
    Ok(())
}

/// Parses a weight: a whole number from 1 to 2^32 - 1.
pub fn parse_weight(text: &str, location: &Location) -> Result<u32> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<u32>() {
        Ok(weight) if digits && weight > 0 => Ok(weight),
        _ => Err(Error::input(
            location.clone(),
            format!(
                "weight '{text}' is not a whole number from 1 to {}",
                u32::MAX
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(spec: &str) -> Node {
        parse_inline(spec, 1).unwrap()
    }

    #[test]
    fn continuum_names_follow_twemproxy() {
        assert_eq!(node("127.0.0.1:11211").continuum_name(), "127.0.0.1");
        assert_eq!(node("127.0.0.1:11212").continuum_name(), "127.0.0.1:11212");
        assert_eq!(node("127.0.0.1:11211:2 cache").continuum_name(), "cache");
        assert_eq!(node("/tmp/r.sock:1").continuum_name(), "/tmp/r.sock:");
        assert_eq!(node("cache-a").continuum_name(), "cache-a");
    }

    #[test]
    fn labels_are_names_else_addresses() {
        assert_eq!(node("127.0.0.1:11211").label, "127.0.0.1:11211");
        assert_eq!(node("10.0.0.1:6379:2 cache-a").label, "cache-a");
    }

    #[test]
    fn detects_formats() {
        assert_eq!(
            Format::detect("alpha:\n  servers:\n   - 127.0.0.1:6379:1\n"),
            Format::Twemproxy
        );
        assert_eq!(
            Format::detect(
                "07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected\n"
            ),
            Format::ClusterNodes
        );
        assert_eq!(Format::detect("# pool\n10.0.0.1:6379\n"), Format::Plain);
        assert_eq!(
            Format::detect("a: {servers: [127.0.0.1:1:1]}\n"),
            Format::Twemproxy
        );
    }

    #[test]
    fn weights_must_be_positive_integers() {
        let at = Location::new("x", Some(3));
        assert_eq!(parse_weight("7", &at).unwrap(), 7);
        for bad in ["0", "-1", "1.5", "two", ""] {
            let err = parse_weight(bad, &at).unwrap_err().to_string();
            assert!(err.starts_with("x:3: "), "{err}");
        }
    }

    #[test]
    fn duplicate_labels_name_both_places() {
        let nodes = plain::parse("10.0.0.1:6379 a\n10.0.0.2:6379 a\n", "pool.txt").unwrap();
        let err = check_labels(&nodes).unwrap_err().to_string();
        assert_eq!(
            err,
            "pool.txt:2: duplicate node label 'a' (first defined at pool.txt:1); give each node a distinct name or address"
        );
    }
}
