//! Command-line definitions shared by every subcommand; typed values only, so a command never
//! parses strings itself.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use ringscope::analysis::sweep;
use ringscope::analysis::top::MAX_TOP;
use ringscope::config::RingOptions;
use ringscope::hash::{self, HashFunction};
use ringscope::keys::{self, KeyFormat, KeySource, RandomKeys};
use ringscope::nodes::Format;
use ringscope::output::ReportFormat;
use ringscope::output::keys::KeyOutputFormat;
use ringscope::preset::Preset;
use ringscope::ring::{Algo, HashTag};
use ringscope::scenario::Changes;

#[derive(Parser, Debug)]
#[command(
    name = "ringscope",
    version,
    max_term_width = 80,
    about = "Exact consistent-hashing rings: where keys go, how evenly, and what moves",
    long_about = "ringscope says exactly where a sharded system puts each key, how evenly keys \
spread, and what moves or becomes unavailable when nodes fail, leave or join. It builds the \
placement the real system builds, from the config it reads: twemproxy (ketama, modula), Redis \
Cluster slots, libmemcached, nginx hash and consistent hash, haproxy, Envoy ring hash and \
Maglev, carbon-c-relay, and the client libraries Jedis, uhashring, hash_ring, npm hashring and \
python-memcached; and the generic vnode, jump, rendezvous, maglev and multi-probe algorithms.",
    after_help = crate::help::after_help("")
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour tables: auto (a terminal, unless NO_COLOR is set or TERM is dumb;
    /// CLICOLOR_FORCE forces it), always, never
    #[arg(long, value_enum, global = true, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the node of each KEY, one per line
    #[command(
        after_help = crate::help::after_help("lookup")
    )]
    Lookup(LookupArgs),
    /// Print KEY<TAB>NODE for every input key, in input order
    #[command(
        after_help = crate::help::after_help("map")
    )]
    Map(MapArgs),
    /// Each node's points and exact share of the hash space (no keys needed)
    #[command(
        after_help = crate::help::after_help("ring")
    )]
    Ring(RingArgs),
    /// How the given keys spread over the nodes, with balance statistics
    #[command(
        after_help = crate::help::after_help("dist")
    )]
    Dist(DistArgs),
    /// What moves when nodes fail, leave, join or change weight
    #[command(
        after_help = crate::help::after_help("simulate")
    )]
    Simulate(SimulateArgs),
    /// What moves between two node lists or configs (a pool before and after a change)
    #[command(
        after_help = crate::help::after_help("diff")
    )]
    Diff(DiffArgs),
    /// Compare algorithms and vnode counts on the same nodes and keys: balance, movement on
    /// one node more or less, lookup time and memory; recommends the cheapest that balances
    #[command(
        after_help = crate::help::after_help("sweep")
    )]
    Sweep(SweepArgs),
    /// Sum the JSON reports of dist, simulate or diff run on parts of the keys (one per host)
    #[command(
        after_help = crate::help::after_help("merge")
    )]
    Merge(MergeArgs),
    /// Known traps in a node list or config (a 15-bit hash on a 32-bit ring, servers with no
    /// points, colliding points, a failure that moves everything...); exit 1 when any is found
    #[command(
        after_help = crate::help::after_help("lint")
    )]
    Lint(LintArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    #[command(
        after_help = crate::help::after_help("completions")
    )]
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print a manual page (roff): ringscope(1), or ringscope-SUBCOMMAND(1) for one
    /// subcommand; generated from these definitions
    #[command(after_help = crate::help::after_help("man"))]
    Man {
        #[arg(value_name = "SUBCOMMAND", value_parser = named(any_text, subcommand_names), hide_possible_values = true)]
        subcommand: Option<String>,
    },
}

/// Options that say where the nodes come from.
#[derive(Args, Debug)]
#[command(next_help_heading = "Ring options")]
pub struct NodeFlags {
    /// Node list: a plain list, a nutcracker.yml, CLUSTER NODES output, an nginx.conf, a
    /// haproxy.cfg or a carbon-c-relay config (detected)
    #[arg(short = 'n', long, value_name = "FILE")]
    pub nodes: Option<PathBuf>,
    /// One node inline, repeatable: ADDR[:WEIGHT] [NAME], e.g. '10.0.0.1:6379:2 cache-a'
    #[arg(long = "node", value_name = "SPEC")]
    pub node: Vec<String>,
    /// Force the node-list format: plain, twemproxy, cluster-nodes, cluster-shards, nginx,
    /// haproxy, carbon
    #[arg(long, value_name = "FORMAT", value_parser = named(parse_format, format_names), hide_possible_values = true)]
    pub nodes_format: Option<Format>,
    /// Which pool of a nutcracker.yml, nginx upstream, haproxy backend or carbon cluster
    /// (required when the file has several)
    #[arg(long, value_name = "NAME")]
    pub pool: Option<String>,
}

impl NodeFlags {
    /// Ring options with these nodes and everything else at its default.
    pub fn options(&self) -> RingOptions {
        RingOptions {
            nodes_file: self.nodes.clone(),
            inline_nodes: self.node.clone(),
            nodes_format: self.nodes_format,
            pool: self.pool.clone(),
            ..RingOptions::default()
        }
    }
}

/// Options that say which ring to build.
#[derive(Args, Debug)]
#[command(next_help_heading = "Ring options")]
pub struct RingFlags {
    #[command(flatten)]
    pub source: NodeFlags,
    /// The rules of a real system (see --help for the list)
    #[arg(long, value_name = "NAME", value_parser = named(parse_preset, preset_names),
          hide_possible_values = true, long_help = preset_help())]
    pub preset: Option<Preset>,
    /// Placement algorithm: ketama, modula, vnode, jump, rendezvous, maglev, multi-probe,
    /// slots, or a preset's own (e.g. --preset libmemcached --algo ketama-spy)
    #[arg(long, value_name = "NAME", value_parser = named(any_text, algo_names), hide_possible_values = true)]
    pub algo: Option<String>,
    /// Key hash, e.g. fnv1a_64, md5, murmur, crc32, one_at_a_time, xxh3 (see --help)
    #[arg(long, value_name = "NAME", value_parser = named(parse_hash, hash_names), hide_possible_values = true, long_help = hash_help())]
    pub hash: Option<&'static HashFunction>,
    /// Points per unit of weight for --algo vnode [default: 160]
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = |s: &str| whole(s, 1, u32::MAX))]
    pub vnodes: Option<u32>,
    /// Hash only the part of a key between the first A and the next B, e.g. '{}'
    #[arg(long, value_name = "AB", value_parser = parse_hash_tag)]
    pub hash_tag: Option<HashTag>,
    /// Lookup table size for maglev and envoy-maglev, a prime [default: 65537]
    #[arg(long, value_name = "PRIME", allow_negative_numbers = true,
          value_parser = |s: &str| whole(s, 0, u64::MAX))]
    pub table_size: Option<u64>,
    /// node-hashring: servers on this port are named without it ('default port')
    #[arg(long, value_name = "PORT", allow_negative_numbers = true,
          value_parser = |s: &str| whole(s, 1, u16::MAX))]
    pub default_port: Option<u16>,
    /// carbon-c-relay: hash metric names as typed, as `carbon-c-relay -t` does, instead of
    /// cleansed as a running relay does
    #[arg(long)]
    pub raw_names: bool,
    /// Probes per key for --algo multi-probe [default: 21]
    #[arg(long, value_name = "K", allow_negative_numbers = true,
          value_parser = |s: &str| whole::<u32>(s, 1, 1000))]
    pub probes: Option<u32>,
}

impl RingFlags {
    pub fn options(&self) -> RingOptions {
        RingOptions {
            preset: self.preset,
            algo: self.algo.clone(),
            hash: self.hash,
            vnodes: self.vnodes,
            hash_tag: self.hash_tag,
            table_size: self.table_size,
            default_port: self.default_port,
            raw_names: self.raw_names,
            probes: self.probes,
            ..self.source.options()
        }
    }
}

/// Options that say where keys come from.
#[derive(Args, Debug)]
#[command(next_help_heading = "Key options")]
pub struct KeyFlags {
    /// Key files, one key per line; '-' is stdin (dist and map read stdin when no file is
    /// given; simulate, diff and sweep only when '-' is)
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// Keys are separated by NUL bytes instead of newlines
    #[arg(short = '0', long = "null")]
    pub null: bool,
    /// Keep a trailing carriage return as part of the key
    #[arg(long)]
    pub keep_cr: bool,
    /// Threads that hash keys [default: the number of cores; at most 4 per core are used];
    /// results do not depend on it
    #[arg(short = 'j', long, value_name = "N", allow_negative_numbers = true,
          value_parser = |s: &str| whole(s, 1, u16::MAX))]
    pub threads: Option<u16>,
    /// Refuse keys longer than this many bytes (a sign of the wrong delimiter); at most
    /// 536870912, Redis's limit
    #[arg(long, value_name = "BYTES", default_value_t = keys::MAX_KEY_LEN, allow_negative_numbers = true,
          value_parser = |s: &str| whole(s, 1, keys::MAX_KEY_LEN_LIMIT))]
    pub max_key_len: usize,
    /// Bytes read at a time (for tests: the results of a run that succeeds never depend on it)
    #[arg(long, hide = true, value_name = "BYTES", default_value_t = keys::BLOCK, allow_negative_numbers = true,
          value_parser = |s: &str| whole::<usize>(s, 1, 1 << 30))]
    pub block_size: usize,
    /// Generate N synthetic keys instead of reading any
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = |s: &str| whole(s, 1, u64::MAX))]
    pub random: Option<u64>,
    /// Seed for --random (the same keys on every platform)
    #[arg(long, value_name = "S", default_value_t = 0, requires = "random", allow_negative_numbers = true,
          value_parser = |s: &str| whole(s, 0, u64::MAX))]
    pub seed: u64,
    // Clap prints a literal `{n}` in help as a line break, so the help spells it out.
    /// Shape of --random keys: '{}' becomes a random number, and n in braces the key's
    /// sequence number
    #[arg(long, value_name = "PATTERN", default_value = keys::DEFAULT_PATTERN, requires = "random")]
    pub pattern: String,
}

impl KeyFlags {
    /// Keys for commands that can work without any (`simulate`, `diff`, `sweep`): only the
    /// keys asked for — files, `-` for stdin, `--random`. Stdin is never read unasked: in
    /// `while read n; do ringscope simulate ...; done` it belongs to the loop, and reading it
    /// would change the answer.
    pub fn optional_source(&self) -> ringscope::Result<Option<KeySource>> {
        if self.files.is_empty() && self.random.is_none() {
            if !std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
                eprintln!(
                    "ringscope: no keys given, so figures are over the hash space; stdin is read for keys only when '-' is given"
                );
            }
            return Ok(None);
        }
        self.source().map(Some)
    }

    pub fn source(&self) -> ringscope::Result<KeySource> {
        let random = self.random.map(|count| RandomKeys {
            count,
            seed: self.seed,
            pattern: self.pattern.clone(),
        });
        KeySource::from_files(&self.files, random)
    }

    /// The threads to use: as asked, but no more than [`THREADS_PER_CORE`] per core, since
    /// more only wait for the reader (and thousands would exhaust the system's threads).
    pub fn threads(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        self.threads
            .map_or(cores, usize::from)
            .min(cores * THREADS_PER_CORE)
    }

    pub fn format(&self) -> KeyFormat {
        KeyFormat {
            delimiter: if self.null { 0 } else { b'\n' },
            keep_cr: self.keep_cr,
            max_key_len: self.max_key_len,
            block_size: self.block_size,
            weighted: false,
        }
    }
}

/// The most threads used per core, whatever `--threads` asks.
const THREADS_PER_CORE: usize = 4;

/// `--key-weight` and `--top`: the load of the keys beside their count.
#[derive(Args, Debug)]
#[command(next_help_heading = "Key options")]
pub struct WeightFlags {
    /// Each key record is KEY<TAB>WEIGHT (bytes, requests): report each node's load beside its
    /// keys; --max-imbalance and --max-moved then judge the load
    #[arg(long, conflicts_with = "random", long_help = KEY_WEIGHT_HELP)]
    pub key_weight: bool,
    /// With --key-weight: list each node's N heaviest keys (and, for simulate and diff, the N
    /// heaviest that move); equal weights by key bytes
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = |s: &str| whole(s, 1, MAX_TOP))]
    pub top: Option<usize>,
}

const KEY_WEIGHT_HELP: &str = "Each key record is KEY<TAB>WEIGHT, as a script over Redis's \
MEMORY USAGE or counts from an access log write them. The record splits at its last tab (keys \
may hold tabs, a weight never does); WEIGHT is a whole number from 0 to 18446744073709551615 \
(bytes, requests), whitespace around it ignored; -0, CR stripping and --max-key-len apply to \
the whole record. Reports then give each node's load (the sum of its keys' weights) and load \
share beside its keys and share; --max-imbalance (dist) and --max-moved (simulate, diff) judge \
the load, and table bars draw it. A record without a tab or with a bad weight stops the run \
(exit 2). Not with --random, whose keys have no weights, nor with simulate --fail-each";

impl WeightFlags {
    /// Refuses `--top` without weights to rank keys by.
    pub fn check(&self) -> ringscope::Result<()> {
        if self.top.is_some() && !self.key_weight {
            return Err(ringscope::Error::usage(
                "--top lists the heaviest keys by their weight, so it needs --key-weight (each line KEY<TAB>WEIGHT)",
            ));
        }
        Ok(())
    }

    /// How `keys` are read: with a weight after each key when asked.
    pub fn format(&self, keys: &KeyFlags) -> KeyFormat {
        KeyFormat {
            weighted: self.key_weight,
            ..keys.format()
        }
    }
}

#[derive(Args, Debug)]
pub struct LookupArgs {
    /// Keys to place (bytes as given)
    #[arg(value_name = "KEY", required = true)]
    pub keys: Vec<OsString>,
    #[command(flatten)]
    pub ring: RingFlags,
    /// A node stops answering: place the keys as the system then does (repeatable)
    #[arg(long, value_name = "LABEL", help_heading = "Changes")]
    pub fail: Vec<String>,
    /// Whether the pool ejects failed nodes (twemproxy auto_eject_hosts) [default: the config's, else false]
    #[arg(long, value_name = "BOOL", requires = "fail", help_heading = "Changes")]
    pub auto_eject: Option<bool>,
    /// Say why: the bytes hashed, the hash, the position searched, the entry found with its
    /// neighbours and their owners, and the path past a failed node
    #[arg(long, help_heading = "Explain options")]
    pub explain: bool,
    /// With --explain: neighbours shown on either side of the entry found
    #[arg(long, value_name = "N", default_value_t = 2, requires = "explain", allow_negative_numbers = true,
          value_parser = |s: &str| whole::<usize>(s, 0, 1000), help_heading = "Explain options")]
    pub around: usize,
    /// With --explain: table (a block per key), CSV or TSV (one row per key, headers as JSON
    /// names its fields), JSON (everything)
    #[arg(
        long,
        value_enum,
        requires = "explain",
        help_heading = "Explain options"
    )]
    pub format: Option<TableFormat>,
    /// With --explain: explanations (the default) or summary
    #[arg(long, value_name = "NAME", requires = "explain", help_heading = "Explain options",
          value_parser = clap::builder::PossibleValuesParser::new(["explanations", "summary"]))]
    pub table: Option<String>,
}

impl LookupArgs {
    pub fn changes(&self) -> Changes {
        Changes {
            fail: self.fail.clone(),
            auto_eject: self.auto_eject,
            ..Changes::default()
        }
    }

    /// How the explanations are shown.
    pub fn shown(&self) -> ShownFlags {
        ShownFlags {
            format: self.format.unwrap_or(TableFormat::Table),
            table: self.table.clone(),
        }
    }
}

#[derive(Args, Debug)]
pub struct MapArgs {
    #[command(flatten)]
    pub keys: KeyFlags,
    #[command(flatten)]
    pub ring: RingFlags,
    /// Output format
    #[arg(long, value_enum, default_value_t = MapFormat::Tsv)]
    pub format: MapFormat,
    /// Only the keys this node owns; in TSV the bare keys, each ended as in the input (for xargs)
    #[arg(long, value_name = "LABEL")]
    pub only: Option<String>,
}

#[derive(Args, Debug)]
pub struct RingArgs {
    #[command(flatten)]
    pub ring: RingFlags,
    /// Dump every point (position and node) instead of the per-node summary
    #[arg(long, conflicts_with = "svg")]
    pub points: bool,
    #[command(flatten)]
    pub report: ReportFlags,
}

#[derive(Args, Debug)]
pub struct DistArgs {
    #[command(flatten)]
    pub keys: KeyFlags,
    #[command(flatten)]
    pub weights: WeightFlags,
    #[command(flatten)]
    pub ring: RingFlags,
    #[command(flatten)]
    pub report: ReportFlags,
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub keys: KeyFlags,
    #[command(flatten)]
    pub weights: WeightFlags,
    #[command(flatten)]
    pub ring: RingFlags,
    #[command(flatten)]
    pub changes: ChangeFlags,
    #[command(flatten)]
    pub movement: MovementFlags,
    /// Redis Cluster: write the redis-cli --cluster commands (add-node, one reshard per
    /// move, del-node) that carry the change out to FILE, a shell script
    #[arg(long, value_name = "FILE", help_heading = "Report options")]
    pub plan: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[command(next_help_heading = "Changes")]
pub struct ChangeFlags {
    /// A node stops answering; what follows is the system's own rule (repeatable)
    #[arg(long, value_name = "LABEL")]
    pub fail: Vec<String>,
    /// Delete a node from the configuration (repeatable)
    #[arg(long, value_name = "LABEL")]
    pub remove: Vec<String>,
    /// Add a node: ADDR[:WEIGHT] [NAME] (repeatable)
    #[arg(long, value_name = "SPEC")]
    pub add: Vec<String>,
    /// Change a node's weight (repeatable)
    #[arg(long, value_name = "LABEL=W")]
    pub weight: Vec<String>,
    /// Fail every node in turn, one row each (the worst single failure)
    #[arg(long, conflicts_with_all = ["fail", "remove", "add", "weight"])]
    pub fail_each: bool,
    /// Whether the pool ejects failed nodes (twemproxy auto_eject_hosts) [default: the config's, else false]
    #[arg(long, value_name = "BOOL")]
    pub auto_eject: Option<bool>,
    /// Redis Cluster: redis-cli's --cluster-threshold for the rebalance, percent [default: 2]
    #[arg(long, value_name = "PCT", value_parser = parse_percent, allow_negative_numbers = true)]
    pub cluster_threshold: Option<f64>,
}

impl ChangeFlags {
    pub fn changes(&self) -> Changes {
        Changes {
            fail: self.fail.clone(),
            remove: self.remove.clone(),
            add: self.add.clone(),
            weight: self.weight.clone(),
            auto_eject: self.auto_eject,
            rebalance_threshold: self.cluster_threshold.map(|pct| pct as f32),
        }
    }
}

#[derive(Args, Debug)]
#[command(next_help_heading = "Report options")]
pub struct MovementFlags {
    #[command(flatten)]
    pub shown: ShownFlags,
    /// Gate: exit 1 when more than PCT percent of the keys (of their load with --key-weight;
    /// of the hash space without keys) move
    #[arg(long, value_name = "PCT", value_parser = parse_percent, allow_negative_numbers = true)]
    pub max_moved: Option<f64>,
    /// Write every moved key with its old and new node to FILE (CSV key,from,to, and weight
    /// with --key-weight)
    #[arg(long, value_name = "FILE")]
    pub moves: Option<PathBuf>,
    /// Also draw the report as an SVG chart into FILE: shares before and after, and the
    /// flows of moved keys (the report still goes to stdout)
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    #[command(flatten)]
    pub keys: KeyFlags,
    #[command(flatten)]
    pub weights: WeightFlags,
    /// The pool before: a node list or config
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The pool after: a node list or config
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    #[command(flatten)]
    pub ring: RingFlags,
    #[command(flatten)]
    pub sides: SideFlags,
    #[command(flatten)]
    pub movement: MovementFlags,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    pub keys: KeyFlags,
    #[command(flatten)]
    pub nodes: NodeFlags,
    /// Algorithms to compare, comma-separated: any --algo name, and bounded-load
    #[arg(long, value_name = "LIST", value_delimiter = ',',
          default_values_t = sweep::DEFAULT_ALGOS.map(String::from), help_heading = "Sweep options")]
    pub algos: Vec<String>,
    /// Points per unit of weight to try for vnode (and bounded-load), comma-separated
    /// [default: 40,100,160,500,1000 for vnode, 160 for bounded-load]
    #[arg(long, value_name = "LIST", value_delimiter = ',', allow_negative_numbers = true,
          value_parser = |s: &str| whole(s, 1, u32::MAX), help_heading = "Sweep options")]
    pub vnodes: Vec<u32>,
    /// Key hash for the algorithms that take one (the others keep their own)
    #[arg(long, value_name = "NAME", value_parser = named(parse_hash, hash_names), hide_possible_values = true, help_heading = "Sweep options")]
    pub hash: Option<&'static HashFunction>,
    /// Hash only the part of a key between the first A and the next B, e.g. '{}'
    #[arg(long, value_name = "AB", value_parser = parse_hash_tag, help_heading = "Sweep options")]
    pub hash_tag: Option<HashTag>,
    /// Lookup table size for maglev, a prime [default: 65537]
    #[arg(long, value_name = "PRIME", allow_negative_numbers = true,
          value_parser = |s: &str| whole(s, 0, u64::MAX), help_heading = "Sweep options")]
    pub table_size: Option<u64>,
    /// Probes per key for multi-probe [default: 21]
    #[arg(long, value_name = "K", allow_negative_numbers = true,
          value_parser = |s: &str| whole::<u32>(s, 1, 1000), help_heading = "Sweep options")]
    pub probes: Option<u32>,
    /// bounded-load: a node takes at most PCT percent of its share (haproxy's
    /// hash-balance-factor)
    #[arg(long, value_name = "PCT", default_value_t = ringscope::ring::bounded_load::DEFAULT_BALANCE_FACTOR,
          allow_negative_numbers = true, value_parser = |s: &str| whole::<u32>(s, 100, 100_000),
          help_heading = "Sweep options")]
    pub balance_factor: u32,
    /// The node added for the "+1" columns: ADDR[:WEIGHT] [NAME] [default: one at 192.0.2.x
    /// with the median weight]
    #[arg(long, value_name = "SPEC", help_heading = "Sweep options")]
    pub add: Option<String>,
    /// The node removed for the "-1" columns [default: the middle one of the list]
    #[arg(long, value_name = "LABEL", help_heading = "Sweep options")]
    pub remove: Option<String>,
    /// The max/mean a recommended configuration must reach
    #[arg(long, value_name = "RATIO", default_value_t = sweep::DEFAULT_TARGET_IMBALANCE,
          value_parser = parse_ratio, allow_negative_numbers = true, help_heading = "Sweep options")]
    pub target_imbalance: f64,
    #[command(flatten)]
    pub shown: ShownFlags,
    /// Also draw max/mean against vnodes per algorithm as an SVG chart in FILE
    #[arg(long, value_name = "FILE", help_heading = "Report options")]
    pub svg: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    #[command(flatten)]
    pub ring: RingFlags,
    #[command(flatten)]
    pub shown: ShownFlags,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Reports written by dist, simulate or diff with --format json, all with the same ring
    /// options ('-' is stdin)
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<String>,
    #[command(flatten)]
    pub report: ReportFlags,
    /// Gate for simulate/diff reports: exit 1 when more than PCT percent of the keys (of their
    /// load, for --key-weight reports; of the hash space without keys) move
    #[arg(long, value_name = "PCT", value_parser = parse_percent, allow_negative_numbers = true,
          help_heading = "Report options")]
    pub max_moved: Option<f64>,
}

/// Ring options for one side of a diff; each overrides the shared option of the same name.
#[derive(Args, Debug)]
#[command(next_help_heading = "Per-side options")]
pub struct SideFlags {
    #[arg(long, value_name = "NAME")]
    pub from_pool: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub to_pool: Option<String>,
    #[arg(long, value_name = "NAME", value_parser = named(parse_preset, preset_names), hide_possible_values = true)]
    pub from_preset: Option<Preset>,
    #[arg(long, value_name = "NAME", value_parser = named(parse_preset, preset_names), hide_possible_values = true)]
    pub to_preset: Option<Preset>,
    #[arg(long, value_name = "NAME", value_parser = named(any_text, algo_names), hide_possible_values = true)]
    pub from_algo: Option<String>,
    #[arg(long, value_name = "NAME", value_parser = named(any_text, algo_names), hide_possible_values = true)]
    pub to_algo: Option<String>,
    #[arg(long, value_name = "NAME", value_parser = named(parse_hash, hash_names), hide_possible_values = true)]
    pub from_hash: Option<&'static HashFunction>,
    #[arg(long, value_name = "NAME", value_parser = named(parse_hash, hash_names), hide_possible_values = true)]
    pub to_hash: Option<&'static HashFunction>,
}

#[derive(Args, Debug)]
#[command(next_help_heading = "Report options")]
pub struct ReportFlags {
    #[command(flatten)]
    pub shown: ShownFlags,
    /// Gate: exit 1 when a node's share (of the load, with --key-weight) exceeds RATIO times what
    /// its weight promises
    #[arg(long, value_name = "RATIO", value_parser = parse_ratio, allow_negative_numbers = true)]
    pub max_imbalance: Option<f64>,
    /// Also draw the report as an SVG chart into FILE (the report still goes to stdout)
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

/// How a report is shown: its format, and which of its tables.
#[derive(Args, Debug)]
#[command(next_help_heading = "Report options")]
pub struct ShownFlags {
    /// Output format: a table for people; CSV or TSV (one table, the main one unless --table
    /// says otherwise; headers as JSON names its fields); JSON (everything)
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
    /// Which table of the report to show (CSV and TSV show one): the main one by default;
    /// summary (the headline figures, one row) for every report; flows, top, top_moved,
    /// rebalance, slot_moves for simulate, diff and their merge; top for dist
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(TABLE_NAMES))]
    pub table: Option<String>,
}

/// Every name `--table` takes, for completion; each report says which of them it has.
const TABLE_NAMES: [&str; 11] = [
    "nodes",
    "summary",
    "flows",
    "top",
    "top_moved",
    "rebalance",
    "slot_moves",
    "failures",
    "configurations",
    "findings",
    "explanations",
];

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TableFormat {
    Table,
    Csv,
    Tsv,
    Json,
}

impl From<TableFormat> for ReportFormat {
    fn from(format: TableFormat) -> Self {
        match format {
            TableFormat::Table => ReportFormat::Table,
            TableFormat::Csv => ReportFormat::Csv,
            TableFormat::Tsv => ReportFormat::Tsv,
            TableFormat::Json => ReportFormat::Json,
        }
    }
}

/// `--color`: when tables are coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set or TERM is dumb (CLICOLOR_FORCE forces it)
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MapFormat {
    Tsv,
    Csv,
    Json,
}

impl From<MapFormat> for KeyOutputFormat {
    fn from(format: MapFormat) -> Self {
        match format {
            MapFormat::Tsv => KeyOutputFormat::Tsv,
            MapFormat::Csv => KeyOutputFormat::Csv,
            MapFormat::Json => KeyOutputFormat::Json,
        }
    }
}

fn hash_help() -> String {
    let mut text = String::from("Key hash. One of:\n");
    for function in hash::REGISTRY {
        text += &format!("  {:<14} {}\n", function.name, function.summary);
    }
    text
}

/// A value checked by `parse`, with `names` offered to shell completion: the parser keeps
/// ringscope's own messages ("did you mean"), completion gets the list.
#[derive(Clone)]
struct Named<T> {
    parse: fn(&str) -> Result<T, String>,
    names: fn() -> Vec<&'static str>,
}

fn named<T>(parse: fn(&str) -> Result<T, String>, names: fn() -> Vec<&'static str>) -> Named<T> {
    Named { parse, names }
}

impl<T: Clone + Send + Sync + 'static> clap::builder::TypedValueParser for Named<T> {
    type Value = T;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        self.parse.parse_ref(command, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            (self.names)()
                .into_iter()
                .map(clap::builder::PossibleValue::new),
        ))
    }
}

fn any_text(text: &str) -> Result<String, String> {
    Ok(text.to_string())
}

fn preset_names() -> Vec<&'static str> {
    Preset::ALL.iter().map(|(name, _)| *name).collect()
}

/// Every `--algo` name: the algorithms', and the presets' own short names.
fn algo_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Algo::ALL.iter().map(|(name, _)| *name).collect();
    for (_, preset) in Preset::ALL {
        for (name, _) in preset.algos() {
            if !names.contains(name) {
                names.push(name);
            }
        }
    }
    names
}

fn hash_names() -> Vec<&'static str> {
    hash::REGISTRY.iter().map(|h| h.name).collect()
}

fn format_names() -> Vec<&'static str> {
    Format::ALL.iter().map(|(name, _)| *name).collect()
}

fn subcommand_names() -> Vec<&'static str> {
    [
        "lookup",
        "map",
        "ring",
        "dist",
        "simulate",
        "diff",
        "sweep",
        "merge",
        "lint",
        "completions",
        "man",
    ]
    .to_vec()
}

fn preset_help() -> String {
    let mut text = String::from("The rules of a real system, one of:\n");
    for (name, preset) in Preset::ALL {
        text += &format!("  {name:<18} {}\n", preset.algo().name());
    }
    text
}

fn parse_format(text: &str) -> Result<Format, String> {
    Format::by_name(text).map_err(|e| e.to_string())
}

fn parse_preset(text: &str) -> Result<Preset, String> {
    Preset::by_name(text).map_err(|e| e.to_string())
}

fn parse_hash(text: &str) -> Result<&'static HashFunction, String> {
    hash::by_name(text).map_err(|e| e.to_string())
}

fn parse_hash_tag(text: &str) -> Result<HashTag, String> {
    HashTag::parse(text).map_err(|e| e.to_string())
}

fn parse_percent(text: &str) -> Result<f64, String> {
    match text.trim_end_matches('%').parse::<f64>() {
        Ok(pct) if (0.0..=100.0).contains(&pct) => Ok(pct),
        _ => Err("not a percentage from 0 to 100 (e.g. 10)".to_string()),
    }
}

fn parse_ratio(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(ratio) if ratio >= 1.0 && ratio.is_finite() => Ok(ratio),
        _ => Err("not a ratio of at least 1.0 (max/mean, e.g. 1.10)".to_string()),
    }
}

/// A whole number from `min` to `max`: what every count and size option takes.
fn whole<T>(text: &str, min: T, max: T) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    match text.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(format!("not a whole number from {min} to {max}")),
    }
}

/// Clap's errors about one value, option or subcommand in ringscope's words, with the
/// suggestion every other unknown name gets (`--format jsn: unknown format 'jsn'; did you
/// mean 'json'? (valid: table, csv, json)`); `None` for the kinds clap words well itself.
pub fn usage_message(error: &clap::Error) -> Option<String> {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue, ErrorKind};

    let text = |kind| match error.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        _ => None,
    };
    // `--format <FORMAT>` → `--format`
    let option = || {
        text(ContextKind::InvalidArg)
            .map(|a| a.split([' ', '=']).next().unwrap_or_default().to_string())
    };
    match error.kind() {
        ErrorKind::InvalidValue => {
            let Some(ContextValue::Strings(valid)) = error.get(ContextKind::ValidValue) else {
                return None;
            };
            let (option, value) = (option()?, text(ContextKind::InvalidValue)?);
            if value.is_empty() {
                return None; // "a value is required for '--format <FORMAT>'"
            }
            let valid: Vec<&str> = valid.iter().map(String::as_str).collect();
            // A positional argument (`<SHELL>`) is named by what it is, not by a flag.
            if let Some(what) = option.strip_prefix('<').and_then(|o| o.strip_suffix('>')) {
                let what = what.to_lowercase();
                return Some(ringscope::names::unknown(&what, &value, &valid));
            }
            let what = option.trim_start_matches('-');
            Some(format!(
                "{option} {value}: {}",
                ringscope::names::unknown(what, &value, &valid)
            ))
        }
        ErrorKind::ValueValidation => {
            let (option, value) = (option()?, text(ContextKind::InvalidValue)?);
            let reason = std::error::Error::source(error)?;
            Some(format!("{option} {value}: {reason}"))
        }
        ErrorKind::InvalidSubcommand => {
            let wanted = text(ContextKind::InvalidSubcommand)?;
            let command = Cli::command();
            let valid: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
            Some(ringscope::names::unknown("subcommand", &wanted, &valid))
        }
        ErrorKind::UnknownArgument => {
            let wanted = text(ContextKind::InvalidArg)?;
            Some(match text(ContextKind::SuggestedArg) {
                Some(near) => format!("unexpected argument '{wanted}' (did you mean '{near}'?)"),
                None => format!("unexpected argument '{wanted}'"),
            })
        }
        _ => None,
    }
}
