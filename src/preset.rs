//! Presets: the algorithm, hash and key rules of a real system, by the name `--preset` takes.

use crate::error::Result;
use crate::ring::{Algo, HashTag, LibmemcachedMode};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// twemproxy 0.5.0 defaults: ketama with fnv1a_64 (`nc_conf.h`).
    Twemproxy,
    /// Redis Cluster: CRC16 key slots with the `{}` hash tag.
    RedisCluster,
    /// libmemcached 1.1: modula with one_at_a_time unless `--algo` names another distribution.
    Libmemcached,
    Nginx,
    Haproxy,
    Uhashring,
    UhashringKetama,
    NodeHashring,
    HashRing,
    Jedis,
    PythonMemcached,
    CarbonCRelay,
    EnvoyRing,
    EnvoyMaglev,
}

use LibmemcachedMode as Lm;

impl Preset {
    pub const ALL: [(&'static str, Preset); 14] = [
        ("twemproxy", Preset::Twemproxy),
        ("redis-cluster", Preset::RedisCluster),
        ("libmemcached", Preset::Libmemcached),
        ("nginx", Preset::Nginx),
        ("haproxy", Preset::Haproxy),
        ("uhashring", Preset::Uhashring),
        ("uhashring-ketama", Preset::UhashringKetama),
        ("node-hashring", Preset::NodeHashring),
        ("hash_ring", Preset::HashRing),
        ("jedis", Preset::Jedis),
        ("python-memcached", Preset::PythonMemcached),
        ("carbon-c-relay", Preset::CarbonCRelay),
        ("envoy-ring", Preset::EnvoyRing),
        ("envoy-maglev", Preset::EnvoyMaglev),
    ];

    pub fn by_name(name: &str) -> Result<Preset> {
        crate::names::resolve("preset", name, &Preset::ALL)
    }

    pub fn name(self) -> &'static str {
        Preset::ALL
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("?", |(n, _)| *n)
    }

    /// The system's default algorithm.
    pub fn algo(self) -> Algo {
        match self {
            Preset::Twemproxy => Algo::Ketama,
            Preset::RedisCluster => Algo::Slots,
            Preset::Libmemcached => Algo::Libmemcached(Lm::Modula),
            Preset::Nginx => Algo::NginxHash,
            Preset::Haproxy => Algo::HaproxyMapBased,
            Preset::Uhashring => Algo::Uhashring,
            Preset::UhashringKetama => Algo::UhashringKetama,
            Preset::NodeHashring => Algo::NodeHashring,
            Preset::HashRing => Algo::HashRing,
            Preset::Jedis => Algo::Jedis,
            Preset::PythonMemcached => Algo::PythonMemcached,
            Preset::CarbonCRelay => Algo::CarbonCh,
            Preset::EnvoyRing => Algo::EnvoyRing,
            Preset::EnvoyMaglev => Algo::EnvoyMaglev,
        }
    }

    /// The names `--algo` takes under this preset, in the system's own words (e.g.
    /// `--preset libmemcached --algo ketama-spy`).
    pub fn algos(self) -> &'static [(&'static str, Algo)] {
        match self {
            Preset::Libmemcached => &[
                ("modula", Algo::Libmemcached(Lm::Modula)),
                ("consistent", Algo::Libmemcached(Lm::Consistent)),
                ("ketama", Algo::Libmemcached(Lm::Ketama)),
                ("ketama-weighted", Algo::Libmemcached(Lm::KetamaWeighted)),
                ("ketama-spy", Algo::Libmemcached(Lm::KetamaSpy)),
                ("consistent-spy", Algo::Libmemcached(Lm::ConsistentSpy)),
            ],
            Preset::Nginx => &[
                ("hash", Algo::NginxHash),
                ("consistent", Algo::NginxConsistent),
            ],
            Preset::Haproxy => &[
                ("consistent", Algo::HaproxyConsistent),
                ("map-based", Algo::HaproxyMapBased),
            ],
            Preset::Jedis => &[("jedis", Algo::Jedis), ("2.9", Algo::JedisLegacy)],
            Preset::CarbonCRelay => &[
                ("carbon_ch", Algo::CarbonCh),
                ("fnv1a_ch", Algo::Fnv1aCh),
                ("jump_fnv1a_ch", Algo::JumpFnv1aCh),
            ],
            _ => &[],
        }
    }

    pub fn hash(self) -> &'static str {
        match self {
            Preset::Twemproxy => "fnv1a_64",
            other => other.algo().default_hash(),
        }
    }

    pub fn hash_tag(self) -> Option<HashTag> {
        match self {
            Preset::RedisCluster => Some(HashTag::REDIS),
            _ => None,
        }
    }
}

/// Resolves `--algo NAME`: first among the names of the preset given, then among all.
pub fn resolve_algo(name: &str, preset: Option<Preset>) -> Result<Algo> {
    if let Some((_, algo)) = preset
        .into_iter()
        .flat_map(Preset::algos)
        .find(|(n, _)| *n == name)
    {
        return Ok(*algo);
    }
    let scoped = preset.map(Preset::algos).unwrap_or_default();
    let mut table: Vec<(&str, Algo)> = scoped.to_vec();
    table.extend(Algo::ALL);
    crate::names::resolve("algorithm", name, &table)
}
