//! Presets: the algorithm, hash and key rules of a real system, by the name `--preset` takes.

use crate::error::Result;
use crate::ring::{Algo, HashTag};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// twemproxy 0.5.0 defaults: ketama with fnv1a_64 (`nc_conf.h`).
    Twemproxy,
    /// Redis Cluster: CRC16 key slots with the `{}` hash tag.
    RedisCluster,
}

impl Preset {
    pub const ALL: [(&'static str, Preset); 2] = [
        ("twemproxy", Preset::Twemproxy),
        ("redis-cluster", Preset::RedisCluster),
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

    pub fn algo(self) -> Algo {
        match self {
            Preset::Twemproxy => Algo::Ketama,
            Preset::RedisCluster => Algo::Slots,
        }
    }

    pub fn hash(self) -> &'static str {
        match self {
            Preset::Twemproxy => "fnv1a_64",
            Preset::RedisCluster => "crc16",
        }
    }

    pub fn hash_tag(self) -> Option<HashTag> {
        match self {
            Preset::Twemproxy => None,
            Preset::RedisCluster => Some(HashTag::REDIS),
        }
    }
}
