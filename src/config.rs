//! Turns ring options (flags, node files, presets) into nodes and a [`RingConfig`], with one
//! precedence everywhere: a command-line flag, then `--preset`, then what the node file says,
//! then the preset the file's format implies, then the algorithm's own default.

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::hash::{self, HashFunction};
use crate::nodes::{self, Format, Node, Pool, PoolSettings};
use crate::preset::{self, Preset};
use crate::ring::{
    self, Algo, DEFAULT_MAGLEV_TABLE, DEFAULT_VNODES, FailureRule, HashTag, LibmemcachedMode,
    Placement, RingConfig,
};

/// The ring options every subcommand shares, already parsed into types.
#[derive(Clone, Debug, Default)]
pub struct RingOptions {
    pub nodes_file: Option<PathBuf>,
    pub inline_nodes: Vec<String>,
    pub nodes_format: Option<Format>,
    pub pool: Option<String>,
    pub preset: Option<Preset>,
    /// `--algo NAME`, resolved against the preset's own names first.
    pub algo: Option<String>,
    pub hash: Option<&'static HashFunction>,
    pub vnodes: Option<u32>,
    pub hash_tag: Option<HashTag>,
    pub table_size: Option<u64>,
    /// node-hashring's `default port`.
    pub default_port: Option<u16>,
    /// carbon-c-relay: hash names as typed (`-t`), not cleansed.
    pub raw_names: bool,
    /// Probes per key for multi-probe hashing.
    pub probes: Option<u32>,
}

/// A ring ready to use: its nodes (in the order the source lists them), how it was
/// configured, and the placement built from both.
pub struct Ring {
    pub nodes: Vec<Node>,
    pub config: RingConfig,
    pub preset: Option<Preset>,
    pub settings: PoolSettings,
    /// Shared with the before side of every change simulated on it: a large ring is built
    /// once.
    pub placement: Arc<dyn Placement>,
}

impl Ring {
    /// What this system does with a node that stops answering.
    pub fn failure_rule(&self, auto_eject: Option<bool>) -> FailureRule {
        match self.config.algo {
            // twemproxy: eject and rebuild only with auto_eject_hosts, else requests just fail.
            Algo::Ketama | Algo::Modula => {
                if auto_eject.unwrap_or(self.settings.auto_eject_hosts) {
                    FailureRule::Rebuild
                } else {
                    FailureRule::Unavailable
                }
            }
            // libmemcached ejects only with auto-eject on, and its modula never does.
            Algo::Libmemcached(mode) => {
                let ejects = auto_eject.unwrap_or(self.settings.auto_eject_hosts);
                if ejects && mode != LibmemcachedMode::Modula {
                    FailureRule::Rebuild
                } else {
                    FailureRule::Unavailable
                }
            }
            // A master without a replica leaves its slots uncovered; a relay queues metrics
            // for a server that is down; ShardedJedis never ejects a shard.
            Algo::Slots
            | Algo::CarbonCh
            | Algo::Fnv1aCh
            | Algo::JumpFnv1aCh
            | Algo::Jedis
            | Algo::JedisLegacy => FailureRule::Unavailable,
            // nginx walks to the next point or rehashes; python-memcached rehashes.
            Algo::NginxHash | Algo::NginxConsistent | Algo::PythonMemcached => FailureRule::Reroute,
            // Client libraries, haproxy and Envoy rebuild from the nodes that answer.
            Algo::Vnode
            | Algo::Jump
            | Algo::Rendezvous
            | Algo::Maglev
            | Algo::MultiProbe
            | Algo::HaproxyConsistent
            | Algo::HaproxyMapBased
            | Algo::Uhashring
            | Algo::UhashringKetama
            | Algo::NodeHashring
            | Algo::HashRing
            | Algo::EnvoyRing
            | Algo::EnvoyMaglev => FailureRule::Rebuild,
        }
    }

    /// Builds the same kind of placement over other nodes (a changed pool).
    pub fn rebuild(&self, nodes: &[Node]) -> Result<Box<dyn Placement>> {
        ring::build(nodes, &self.config)
    }

    /// One line saying what was built, e.g. `ketama · fnv1a_64 · 3 nodes (twemproxy)`.
    pub fn describe(&self) -> String {
        let hash = match self.config.algo {
            Algo::HaproxyConsistent => "sdbm + full_hash",
            _ => self.config.hash.name,
        };
        let mut text = format!("{} · {hash}", self.config.algo.name());
        if self.config.algo == Algo::Slots {
            text = "slots · crc16 mod 16384".to_string();
        }
        if let Some(tag) = self.config.hash_tag {
            text += &format!(" · hash tag {tag}");
        }
        if let Some(vnodes) = self
            .config
            .vnodes
            .or((self.config.algo == Algo::Vnode).then_some(DEFAULT_VNODES))
        {
            text += &format!(" · {vnodes} vnodes");
        }
        if self.config.algo == Algo::Maglev {
            text += &format!(" · table {}", self.config.table_size);
        }
        if self.config.algo == Algo::MultiProbe {
            let probes = self.config.probes.unwrap_or(ring::DEFAULT_PROBES);
            text += &format!(" · {probes} probes");
        }
        text += &format!(
            " · {}",
            crate::words::listed(self.nodes.len(), "node", "nodes")
        );
        if let Some(preset) = self.preset {
            text += &format!(" ({})", preset.name());
        }
        text
    }
}

pub fn build_ring(options: &RingOptions) -> Result<Ring> {
    configure(options, read_pool(options)?)?.build()
}

/// A ring's nodes and configuration, before anything is built from them.
pub struct Setup {
    pub nodes: Vec<Node>,
    pub config: RingConfig,
    pub preset: Option<Preset>,
    pub settings: PoolSettings,
}

impl Setup {
    pub fn build(self) -> Result<Ring> {
        let placement = ring::build(&self.nodes, &self.config)?;
        Ok(Ring {
            nodes: self.nodes,
            config: self.config,
            preset: self.preset,
            settings: self.settings,
            placement: placement.into(),
        })
    }
}

/// The configuration `options` give `pool` (read by [`read_pool`]), so that several
/// configurations of one large node list read it once.
pub fn configure(options: &RingOptions, pool: Pool) -> Result<Setup> {
    let implied = match pool.format {
        Format::Twemproxy => Some(Preset::Twemproxy),
        Format::ClusterNodes | Format::ClusterShards => Some(Preset::RedisCluster),
        Format::Nginx => Some(Preset::Nginx),
        Format::Haproxy => Some(Preset::Haproxy),
        Format::Carbon => Some(Preset::CarbonCRelay),
        Format::Plain => None,
    };
    // Highest precedence first. A preset is a bundle: its hash and tag count only when its
    // algorithm is the one chosen. Naming the system the file already comes from changes
    // nothing: the file's own settings are that system's.
    let explicit = options.preset.filter(|&p| Some(p) != implied);
    let scope = options.preset.or(implied);
    let flag_algo = options
        .algo
        .as_deref()
        .map(|name| preset::resolve_algo(name, scope))
        .transpose()?;
    let layers = [
        Layer {
            algo: flag_algo,
            hash: options.hash,
            hash_tag: options.hash_tag,
            bundle: false,
        },
        Layer::preset(explicit)?,
        Layer {
            algo: pool.settings.algo,
            hash: pool.settings.hash,
            hash_tag: pool.settings.hash_tag,
            bundle: false,
        },
        Layer::preset(implied)?,
    ];
    let algo = layers
        .iter()
        .find_map(|l| l.algo)
        .unwrap_or(Preset::Twemproxy.algo());
    let applies = |l: &&Layer| !l.bundle || l.algo == Some(algo);
    let hash = layers.iter().filter(applies).find_map(|l| l.hash);
    let hash_tag = layers.iter().filter(applies).find_map(|l| l.hash_tag);
    let config = ring_config(options, algo, hash, hash_tag)?;
    let preset = [options.preset, implied, Some(Preset::Twemproxy)]
        .into_iter()
        .flatten()
        .find(|p| p.algo() == algo || p.algos().iter().any(|&(_, a)| a == algo));
    Ok(Setup {
        nodes: pool.nodes,
        config,
        preset,
        settings: pool.settings,
    })
}

/// One source of ring settings.
struct Layer {
    algo: Option<Algo>,
    hash: Option<&'static HashFunction>,
    hash_tag: Option<HashTag>,
    bundle: bool,
}

impl Layer {
    fn preset(preset: Option<Preset>) -> Result<Layer> {
        Ok(match preset {
            Some(p) => Layer {
                algo: Some(p.algo()),
                hash: Some(hash::by_name(p.hash())?),
                hash_tag: p.hash_tag(),
                bundle: true,
            },
            None => Layer {
                algo: None,
                hash: None,
                hash_tag: None,
                bundle: true,
            },
        })
    }
}

pub fn read_pool(options: &RingOptions) -> Result<Pool> {
    let mut pool = match &options.nodes_file {
        Some(path) => nodes::read_file(path, options.nodes_format, options.pool.as_deref())?,
        None => {
            if options.pool.is_some() {
                return Err(Error::usage(
                    "--pool needs --nodes FILE (a nutcracker.yml, nginx.conf, haproxy.cfg or carbon-c-relay config)",
                ));
            }
            if options.nodes_format.is_some() {
                return Err(Error::usage("--nodes-format needs --nodes FILE"));
            }
            Pool {
                format: Format::Plain,
                nodes: Vec::new(),
                settings: PoolSettings::default(),
            }
        }
    };
    for (index, spec) in options.inline_nodes.iter().enumerate() {
        if std::path::Path::new(spec).is_file() {
            return Err(Error::usage(format!(
                "--node {spec}: is a file, and --node takes one node (ADDR[:WEIGHT] [NAME]); did you mean --nodes {spec}?"
            )));
        }
        pool.nodes.push(nodes::parse_inline(spec, index + 1)?);
    }
    if pool.nodes.is_empty() {
        return Err(Error::usage(
            "no nodes: give --nodes FILE or --node SPEC (e.g. --node 10.0.0.1:6379)",
        ));
    }
    nodes::check_labels(&pool.nodes)?;
    Ok(pool)
}

fn ring_config(
    options: &RingOptions,
    algo: Algo,
    hash: Option<&'static HashFunction>,
    hash_tag: Option<HashTag>,
) -> Result<RingConfig> {
    if options.vnodes.is_some() && !algo.takes_vnodes() {
        return Err(Error::usage(format!(
            "--vnodes applies to vnode, uhashring and node-hashring rings; {} sets its own points (drop --vnodes or use --algo vnode)",
            algo.name()
        )));
    }
    if options.vnodes == Some(0) {
        return Err(Error::usage(
            "--vnodes 0: a ring needs at least 1 point per unit of weight",
        ));
    }
    if options.table_size.is_some() && !matches!(algo, Algo::Maglev | Algo::EnvoyMaglev) {
        return Err(Error::usage(format!(
            "--table-size applies to --algo maglev, not {}",
            algo.name()
        )));
    }
    if let Some(h) = options
        .hash
        .filter(|h| !algo.takes_hash() && h.name != algo.default_hash())
    {
        return Err(Error::usage(format!(
            "{} always hashes keys with {}; --hash {} does not apply",
            algo.name(),
            algo.default_hash(),
            h.name
        )));
    }
    if options.default_port.is_some() && algo != Algo::NodeHashring {
        return Err(Error::usage(format!(
            "--default-port applies to node-hashring, not {}",
            algo.name()
        )));
    }
    if options.probes.is_some() && algo != Algo::MultiProbe {
        return Err(Error::usage(format!(
            "--probes applies to --algo multi-probe, not {}",
            algo.name()
        )));
    }
    if options.raw_names && !matches!(algo, Algo::CarbonCh | Algo::Fnv1aCh | Algo::JumpFnv1aCh) {
        return Err(Error::usage(format!(
            "--raw-names applies to carbon-c-relay clusters, not {}",
            algo.name()
        )));
    }
    let hash = match hash {
        Some(h) if algo.takes_hash() => h,
        _ => hash::by_name(algo.default_hash())?,
    };
    let hash_tag = hash_tag.or((algo == Algo::Slots).then_some(HashTag::REDIS));
    Ok(RingConfig {
        algo,
        hash,
        hash_tag,
        vnodes: options.vnodes,
        table_size: options.table_size.unwrap_or(DEFAULT_MAGLEV_TABLE),
        default_port: options.default_port,
        raw_names: options.raw_names,
        probes: options.probes,
    })
}
