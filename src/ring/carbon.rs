//! carbon-c-relay 3.7 clusters: carbon_ch, fnv1a_ch, jump_fnv1a_ch (`consistent-hash.c`,
//! `dispatcher.c : dispatch_received_metrics`, `relay.c` test mode; v3.7.3, checked against
//! Debian's `carbon-c-relay 3.7.3` by `tests/real_carbon.rs`).
//!
//! **The metric name.** A running relay cleanses each line `NAME value timestamp` before
//! routing it, byte by byte: leading ` `, `\t` and `.` are dropped; `\t` counts as a space;
//! a `.` right after another `.` is dropped; a byte that is not `[A-Za-z0-9]`, not one of
//! `-_:#` and not `.` becomes `_` (a two-byte UTF-8 character becomes `__`; NUL too). The
//! name ends at the first space (which takes a `.` just before it) — unless a `;` comes
//! anywhere in the line (tags: on while the allowed characters, `-c`, lack `;`, as the
//! default `-_:#` does): then the name ends at that `;` and keeps a `.` before it, and a
//! space before it is part of the name, followed by the bytes up to the `;` as they are
//! (separators squeezed, none right after the space). `\n` and `\r` end a line; a line
//! without a name end is dropped, so a key with line breaks goes where its first line that
//! has one goes. `--raw-names` hashes the name as `carbon-c-relay -t` does: the bytes of
//! the first line up to the first space, nothing cleansed, no tags.
//!
//! - **carbon_ch**: 100 points per server on a ring of 65,536 positions; point `i` is the first
//!   two bytes (big-endian) of the MD5 of `('<ip>', None):<i>`, or `('<ip>', '<instance>'):<i>`
//!   for `ip:port=instance` (graphite's Python tuple text). The port plays no part: servers on
//!   one IP without instances get the same points. A name goes to the first point at or after
//!   the first two bytes of its own MD5, wrapping.
//! - **fnv1a_ch**: the same ring with point strings `<i>-<ip>:<port>` (`<i>-<instance>` with an
//!   instance), positions `(h >> 16) ^ (h & 0xffff)` of 32-bit FNV-1a over signed chars.
//! - **jump_fnv1a_ch**: 64-bit FNV-1a (signed chars) of the name, jump consistent hash over the
//!   servers ordered instances first (both numbers: numerically, else `strcmp`), then the rest
//!   in config order. No server string is hashed.
//!
//! Point strings are formatted into a 256-byte buffer, so only their first 255 bytes count.
//! Ring entries are sorted by glibc 2.36's `qsort` (a merge sort, reproduced here with its
//! exact merge order) on position, then `strcmp` of the IPs, then the instance (servers
//! without one after those with one) for carbon_ch or the port for fnv1a_ch; after sorting,
//! each entry at an already-seen position is given the first entry's server, so the first
//! entry in that order owns the position. Labels are the servers as written.
//!
//! **No allocation per key.** The cleansed name is never built: the cleansing state machine
//! feeds bytes straight into the hash (FNV folds them one by one; MD5 gets them through a
//! 64-byte block on the stack). The one place where the relay takes a byte back (a `.` before
//! the space) is handled by holding a `.` until the next byte shows whether it stays, and
//! whether the name runs on past the space is known from one `memchr` for `;` per line. So
//! `locate(&self)` needs no buffer of its own: no thread-local, no lock, nothing shared
//! between threads, and nothing to size for long names.
//!
//! Not modelled: names the relay drops for length (`-m`, `-M`), a name made only of
//! separators (the relay then takes the value field as the name; ringscope hashes the empty
//! name), a `;` in the value or timestamp fields, other `-c` character sets, replication
//! beyond the first server, `rewrite`/`route using` rules that change the hashed name.

use std::cmp::Ordering;
use std::io::Write as _;

use md5::{Digest, Md5};

use super::explain::{Entry, Searched, rules};
use super::jump::jump_hash;
use super::{
    Algo, Continuum, Explanation, HashInput, Layout, NodeId, OwnerMap, Ownership, Placement, Point,
    RingConfig, ShareBasis,
};
use crate::error::{Error, Result};
use crate::hash::{fnv1a_32, md5_digest};
use crate::nodes::{Address, Node};

/// `HASH_REPLICAS`: points per server on carbon_ch and fnv1a_ch rings.
const REPLICAS: u32 = 100;
/// `GRAPHITE_PORT`, for servers given without a port.
const DEFAULT_PORT: u16 = 2003;
/// `CONN_DESTS_SIZE`: `ch_new` refuses more servers.
const MAX_SERVERS: usize = 64;
/// `ch_addnode` formats point strings with `snprintf(buf, 256, ...)`.
const POINT_BUFFER: usize = 256;
/// Positions on the carbon_ch and fnv1a_ch rings.
const POSITIONS: u128 = 1 << 16;

pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Box<dyn Placement>> {
    let name = config.algo.name();
    if config.hash_tag.is_some() {
        return Err(Error::usage(format!(
            "{name}: carbon-c-relay hashes whole metric names; drop --hash-tag"
        )));
    }
    let servers = servers(nodes, name)?;
    let names = if config.raw_names {
        Names::Raw
    } else {
        Names::Cleansed
    };
    Ok(match config.algo {
        Algo::CarbonCh => Box::new(ChRing::build(&servers, RingKind::Carbon, names)),
        Algo::Fnv1aCh => Box::new(ChRing::build(&servers, RingKind::Fnv1a, names)),
        Algo::JumpFnv1aCh => Box::new(JumpRing::build(&servers, names)),
        other => {
            return Err(Error::usage(format!(
                "{} is not a carbon-c-relay cluster type",
                other.name()
            )));
        }
    })
}

/// A server as the relay keeps it.
struct Server {
    /// `server_ip`: the host as written, without the brackets of `[v6]`.
    ip: String,
    port: u16,
    instance: Option<String>,
}

fn servers(nodes: &[Node], algo: &str) -> Result<Vec<Server>> {
    if nodes.len() > MAX_SERVERS {
        return Err(Error::too_large(format!(
            "{algo}: {} servers; carbon-c-relay builds no ring of more than {MAX_SERVERS} (CONN_DESTS_SIZE) and refuses such a cluster",
            nodes.len()
        )));
    }
    nodes
        .iter()
        .map(|node| {
            if node.weight != 1 {
                return Err(Error::input(
                    node.origin.clone(),
                    format!(
                        "{algo}: node '{}' has weight {}, but carbon-c-relay servers carry no weights",
                        node.label, node.weight
                    ),
                ));
            }
            let (ip, port) = match &node.address {
                Address::Tcp { host, port, .. } => {
                    let ip = host
                        .strip_prefix('[')
                        .and_then(|h| h.strip_suffix(']'))
                        .unwrap_or(host);
                    (ip.to_string(), *port)
                }
                Address::Bare { name } => (name.clone(), DEFAULT_PORT),
                Address::Unix { path } => {
                    return Err(Error::input(
                        node.origin.clone(),
                        format!(
                            "{algo}: '{path}' is a unix socket; carbon-c-relay cluster servers are host[:port]"
                        ),
                    ));
                }
            };
            Ok(Server {
                ip,
                port,
                instance: node.instance.clone(),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Metric names into hashes
// ---------------------------------------------------------------------------------------

/// Which bytes of a key are hashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Names {
    /// As a running relay routes the line `KEY value timestamp`.
    Cleansed,
    /// As `carbon-c-relay -t` routes the input line `KEY`.
    Raw,
}

/// Where the bytes of a name go.
trait NameSink {
    fn byte(&mut self, b: u8);
    /// A line break: what came before is not the name.
    fn restart(&mut self);
    #[inline]
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.byte(b);
        }
    }
}

/// Collects the name the relay hashes, for an explanation.
struct Collect(Vec<u8>);

impl NameSink for Collect {
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }

    fn restart(&mut self) {
        self.0.clear();
    }
}

impl Names {
    /// The bytes hashed for `key`, as [`Names::feed`] gives them to the hash.
    fn name(self, key: &[u8]) -> Vec<u8> {
        let mut sink = Collect(Vec::new());
        self.feed(key, &mut sink);
        sink.0
    }

    #[inline]
    fn feed<S: NameSink>(self, key: &[u8], sink: &mut S) {
        match self {
            Names::Raw => {
                let end = memchr::memchr2(b' ', b'\n', key).unwrap_or(key.len());
                sink.bytes(&key[..end]);
            }
            Names::Cleansed => cleanse(key, sink),
        }
    }
}

/// The relay's default `-c`: characters kept besides `[A-Za-z0-9]` and `.`.
#[inline]
fn allowed(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'#')
}

/// `dispatch_received_metrics` up to the end of the name, streaming: a `.` is held back until
/// the next byte shows whether the relay keeps it. Each line (the key split at CR/LF) is
/// routed once it has a name end; the first line routed gives the name.
#[inline]
fn cleanse<S: NameSink>(key: &[u8], sink: &mut S) {
    let mut rest = key;
    loop {
        let (line, next) = match memchr::memchr2(b'\n', b'\r', rest) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        if cleanse_line(line, sink) {
            return;
        }
        // The last line gets its name end from the " value timestamp" that follows.
        let Some(next) = next else {
            return;
        };
        // A line without a name end is dropped; the next one starts afresh.
        sink.restart();
        rest = next;
    }
}

/// One line; true when it reached its name end (the relay routes it). The name ends at the
/// first space, unless a `;` (tags) follows anywhere in the line: then it ends at that `;`,
/// and the space and what follows it up to the `;` are part of the name (bytes kept as they
/// are, repeated separators squeezed, none right after the first space).
#[inline]
fn cleanse_line<S: NameSink>(line: &[u8], sink: &mut S) -> bool {
    let tagged = memchr::memchr(b';', line).is_some();
    let mut started = false;
    // Before the first space: a `.` not yet known to stay.
    let mut held_dot = false;
    // After the first space (only when `tagged`): the last byte written, and whether it is
    // the first space itself.
    let mut spaced = false;
    let mut last = 0u8;
    let mut last_is_space = false;
    for &b in line {
        match b {
            b' ' | b'\t' | b'.' if !started => {}
            b' ' | b'\t' | b'.' if spaced => {
                let c = if b == b'\t' { b' ' } else { b };
                if c != last && !last_is_space {
                    sink.byte(c);
                    last = c;
                }
            }
            // A second `.` in a row is dropped; the first is held.
            b'.' => held_dot = true,
            // The first space takes a `.` before it, and ends the name unless tags follow.
            b' ' | b'\t' => {
                held_dot = false;
                if !tagged {
                    return true;
                }
                sink.byte(b' ');
                (spaced, last, last_is_space) = (true, b' ', true);
            }
            // The start of tags ends the name; a `.` before it stays.
            b';' => {
                if held_dot {
                    sink.byte(b'.');
                }
                return true;
            }
            _ => {
                if held_dot {
                    sink.byte(b'.');
                    held_dot = false;
                }
                let out = if b != 0 && (spaced || allowed(b)) {
                    b
                } else {
                    b'_'
                };
                sink.byte(out);
                (started, last, last_is_space) = (true, out, false);
            }
        }
    }
    false
}

/// MD5 fed through a block on the stack.
struct Md5Sink {
    md5: Md5,
    block: [u8; 64],
    len: usize,
}

impl Md5Sink {
    fn new() -> Self {
        Md5Sink {
            md5: Md5::new(),
            block: [0; 64],
            len: 0,
        }
    }

    /// `carbon_hashpos`: the first two digest bytes, big-endian.
    fn position(mut self) -> u16 {
        self.md5.update(&self.block[..self.len]);
        let digest = self.md5.finalize();
        u16::from_be_bytes([digest[0], digest[1]])
    }
}

impl NameSink for Md5Sink {
    #[inline]
    fn byte(&mut self, b: u8) {
        self.block[self.len] = b;
        self.len += 1;
        if self.len == self.block.len() {
            self.md5.update(self.block);
            self.len = 0;
        }
    }

    fn restart(&mut self) {
        *self = Md5Sink::new();
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.md5.update(&self.block[..self.len]);
        self.len = 0;
        self.md5.update(bytes);
    }
}

const FNV32_BASIS: u32 = 0x811c_9dc5;
const FNV32_PRIME: u32 = 0x0100_0193;
const FNV64_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const FNV64_PRIME: u64 = 0x0000_0100_0000_01b3;

/// `fnv1a_32` of `fnv1a.h`: each `char` (signed) widened to `unsigned int`.
struct Fnv32Sink(u32);

impl NameSink for Fnv32Sink {
    #[inline]
    fn byte(&mut self, b: u8) {
        self.0 = (self.0 ^ (b as i8 as u32)).wrapping_mul(FNV32_PRIME);
    }

    fn restart(&mut self) {
        self.0 = FNV32_BASIS;
    }
}

/// `fnv1a_64` of `fnv1a.h`: each `char` (signed) widened to `unsigned long long`.
struct Fnv64Sink(u64);

impl NameSink for Fnv64Sink {
    #[inline]
    fn byte(&mut self, b: u8) {
        self.0 = (self.0 ^ (b as i8 as u64)).wrapping_mul(FNV64_PRIME);
    }

    fn restart(&mut self) {
        self.0 = FNV64_BASIS;
    }
}

/// `fnv1a_hashpos`: the two halves of the 32-bit hash XORed.
#[inline]
fn fold(h: u32) -> u16 {
    ((h >> 16) ^ (h & 0xffff)) as u16
}

// ---------------------------------------------------------------------------------------
// Sorting as glibc does
// ---------------------------------------------------------------------------------------

/// glibc 2.36 `qsort` for arrays that fit its temporary buffer (`msort.c :
/// msort_with_tmp`): top-down merge sort, left half `n / 2`, the left element taken while
/// `cmp(left, right) <= 0`. Reproduced step for step so that even a comparator that is not a
/// consistent order (jump_fnv1a_ch's mix of numeric and string instances) gives the relay's
/// order.
fn glibc_msort<T: Copy>(items: &mut [T], cmp: &impl Fn(&T, &T) -> Ordering) {
    let mut tmp = Vec::with_capacity(items.len());
    msort_with_tmp(items, &mut tmp, cmp);
}

fn msort_with_tmp<T: Copy>(items: &mut [T], tmp: &mut Vec<T>, cmp: &impl Fn(&T, &T) -> Ordering) {
    let n = items.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    msort_with_tmp(&mut items[..n1], tmp, cmp);
    msort_with_tmp(&mut items[n1..], tmp, cmp);
    tmp.clear();
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(&items[i], &items[j]) != Ordering::Greater {
            tmp.push(items[i]);
            i += 1;
        } else {
            tmp.push(items[j]);
            j += 1;
        }
    }
    tmp.extend_from_slice(&items[i..n1]);
    // What is left of the right half is already in place.
    items[..tmp.len()].copy_from_slice(tmp);
}

/// C `strtol(text, &end, 10)` when it reads the whole text (`*end == '\0'`), saturated to
/// `long`.
fn strtol_whole(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let mut i = bytes
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let negative = match bytes.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        // `end` stays at the start: a whole read only of the empty text.
        return bytes.is_empty().then_some(0);
    }
    if i + digits != bytes.len() {
        return None;
    }
    let mut value: i64 = 0;
    for &d in &bytes[i..] {
        let d = i64::from(d - b'0');
        let next = value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(d)
            } else {
                v.checked_add(d)
            }
        });
        match next {
            Some(v) => value = v,
            None => return Some(if negative { i64::MIN } else { i64::MAX }),
        }
    }
    Some(value)
}

// ---------------------------------------------------------------------------------------
// carbon_ch and fnv1a_ch
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RingKind {
    Carbon,
    Fnv1a,
}

impl RingKind {
    /// `ch_addnode`: the point string of replica `i` of `server`, cut at 255 bytes.
    fn point_string(self, server: &Server, i: u32, buf: &mut Vec<u8>) {
        buf.clear();
        let _ = match (self, &server.instance) {
            (RingKind::Carbon, None) => write!(buf, "('{}', None):{i}", server.ip),
            (RingKind::Carbon, Some(inst)) => write!(buf, "('{}', '{inst}'):{i}", server.ip),
            (RingKind::Fnv1a, None) => write!(buf, "{i}-{}:{}", server.ip, server.port),
            (RingKind::Fnv1a, Some(inst)) => write!(buf, "{i}-{inst}"),
        };
        buf.truncate(POINT_BUFFER - 1);
    }

    fn point_position(self, point: &[u8]) -> u16 {
        match self {
            RingKind::Carbon => {
                let digest = md5_digest(point);
                u16::from_be_bytes([digest[0], digest[1]])
            }
            RingKind::Fnv1a => fold(fnv1a_32(point)),
        }
    }

    /// `entrycmp_carbon` / `entrycmp_fnv1a`.
    fn compare(self, servers: &[Server], a: &(u16, NodeId), b: &(u16, NodeId)) -> Ordering {
        let (sa, sb) = (&servers[a.1 as usize], &servers[b.1 as usize]);
        a.0.cmp(&b.0)
            .then_with(|| sa.ip.as_bytes().cmp(sb.ip.as_bytes()))
            .then_with(|| match self {
                RingKind::Carbon => match (&sa.instance, &sb.instance) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => Ordering::Greater,
                    (Some(_), None) => Ordering::Less,
                    (Some(x), Some(y)) => x.as_bytes().cmp(y.as_bytes()),
                },
                RingKind::Fnv1a => sa.port.cmp(&sb.port),
            })
    }

    #[inline]
    fn key_position(self, names: Names, key: &[u8]) -> u16 {
        self.key_hash(names, key).1
    }

    /// The name's hash and its position on the ring: for carbon_ch both are the first two
    /// bytes of the MD5; for fnv1a_ch the 32-bit FNV-1a and its halves XORed.
    #[inline]
    fn key_hash(self, names: Names, key: &[u8]) -> (u32, u16) {
        match self {
            RingKind::Carbon => {
                let mut sink = Md5Sink::new();
                names.feed(key, &mut sink);
                let position = sink.position();
                (position.into(), position)
            }
            RingKind::Fnv1a => {
                let mut sink = Fnv32Sink(FNV32_BASIS);
                names.feed(key, &mut sink);
                (sink.0, fold(sink.0))
            }
        }
    }

    /// The key hash, as an explanation names it.
    fn hash_name(self) -> &'static str {
        match self {
            RingKind::Carbon => "md5 (first 2 bytes, big-endian)",
            RingKind::Fnv1a => "fnv1a_32 (signed chars)",
        }
    }

    /// What the owner map is a function of: the same key gives the same position only under
    /// the same ring kind and name handling.
    fn input_name(self, names: Names) -> &'static str {
        match (self, names) {
            (RingKind::Carbon, Names::Cleansed) => {
                "carbon_ch: MD5 first 2 bytes of the cleansed metric name"
            }
            (RingKind::Carbon, Names::Raw) => "carbon_ch: MD5 first 2 bytes of the name as typed",
            (RingKind::Fnv1a, Names::Cleansed) => {
                "fnv1a_ch: folded FNV-1a 32 of the cleansed metric name"
            }
            (RingKind::Fnv1a, Names::Raw) => "fnv1a_ch: folded FNV-1a 32 of the name as typed",
        }
    }
}

struct ChRing {
    ring: Continuum<u16>,
    kind: RingKind,
    names: Names,
    nodes: usize,
}

impl ChRing {
    fn build(servers: &[Server], kind: RingKind, names: Names) -> ChRing {
        let mut entries: Vec<(u16, NodeId)> = Vec::with_capacity(servers.len() * REPLICAS as usize);
        let mut buf = Vec::with_capacity(POINT_BUFFER);
        for (index, server) in servers.iter().enumerate() {
            for i in 0..REPLICAS {
                kind.point_string(server, i, &mut buf);
                entries.push((kind.point_position(&buf), index as NodeId));
            }
        }
        glibc_msort(&mut entries, &|a, b| kind.compare(servers, a, b));
        // "overwrite successive duplicates with the first entry".
        for i in 1..entries.len() {
            if entries[i].0 == entries[i - 1].0 {
                entries[i].1 = entries[i - 1].1;
            }
        }
        ChRing {
            ring: Continuum::from_points(entries),
            kind,
            names,
            nodes: servers.len(),
        }
    }

    fn map(&self) -> OwnerMap {
        OwnerMap {
            input: HashInput {
                hash: self.kind.input_name(self.names),
                bits: 16,
                tag: None,
            },
            range: POSITIONS,
            layout: Layout::Intervals(self.ring.intervals(POSITIONS)),
        }
    }
}

impl Placement for ChRing {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        self.ring.locate(self.kind.key_position(self.names, key))
    }

    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let (hash, position) = self.kind.key_hash(self.names, key);
        let search = self.ring.explain(position, around, u128::from);
        let explanation = Explanation::hashed(
            &self.names.name(key),
            self.kind.hash_name(),
            hash.into(),
        )
        .on_ring(position.into(), rules::AT_OR_AFTER, search);
        match self.kind {
            RingKind::Carbon => explanation,
            RingKind::Fnv1a => {
                explanation.with_note("position = the hash's two 16-bit halves XORed")
            }
        }
    }

    fn ownership(&self) -> Ownership {
        self.map().ownership(self.ring.point_counts(self.nodes))
    }

    fn points(&self) -> Option<Vec<Point>> {
        Some(self.ring.points())
    }

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }
}

// ---------------------------------------------------------------------------------------
// jump_fnv1a_ch
// ---------------------------------------------------------------------------------------

struct JumpRing {
    /// The servers in bucket order.
    order: Vec<NodeId>,
    names: Names,
}

impl JumpRing {
    /// The name's 64-bit FNV-1a and its jump bucket.
    #[inline]
    fn bucket(&self, key: &[u8]) -> (u64, u32) {
        let mut sink = Fnv64Sink(FNV64_BASIS);
        self.names.feed(key, &mut sink);
        (sink.0, jump_hash(sink.0, self.order.len() as u32))
    }

    fn build(servers: &[Server], names: Names) -> JumpRing {
        let mut order: Vec<NodeId> = (0..servers.len() as NodeId).collect();
        glibc_msort(&mut order, &|&a, &b| {
            jump_compare(a, &servers[a as usize], b, &servers[b as usize])
        });
        JumpRing { order, names }
    }
}

/// `entrycmp_jump_fnv1a`: servers with an instance first, by number when both instances are
/// numbers (`(int)(l - r)`), else by `strcmp`; the others in config order.
fn jump_compare(ia: NodeId, a: &Server, ib: NodeId, b: &Server) -> Ordering {
    match (&a.instance, &b.instance) {
        (None, None) => ia.cmp(&ib),
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => match (strtol_whole(x), strtol_whole(y)) {
            (Some(l), Some(r)) => (l.wrapping_sub(r) as i32).cmp(&0),
            _ => x.as_bytes().cmp(y.as_bytes()),
        },
    }
}

impl Placement for JumpRing {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        let (_, bucket) = self.bucket(key);
        self.order.get(bucket as usize).copied()
    }

    fn explain(&self, key: &[u8], _around: usize) -> Explanation {
        let (hash, bucket) = self.bucket(key);
        let chosen = self.order.get(bucket as usize).map(|&node| Entry {
            position: bucket.into(),
            node,
            index: bucket.into(),
        });
        Explanation::hashed(&self.names.name(key), "fnv1a_64 (signed chars)", hash.into())
            .in_table(
                Searched::Bucket,
                bucket.into(),
                "bucket = jump_hash(hash, server count); servers with an instance first (by number, else by name), then the others in config order",
                chosen,
            )
    }

    fn ownership(&self) -> Ownership {
        let n = self.order.len();
        Ownership {
            points: vec![Some(1); n],
            shares: vec![1.0 / n as f64; n],
            basis: ShareBasis::Analytic,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;
    use crate::hash;

    fn name(names: Names, key: &[u8]) -> Vec<u8> {
        names.name(key)
    }

    fn node(spec: &str, instance: Option<&str>) -> Node {
        let (host, port) = spec.rsplit_once(':').unwrap_or((spec, "2003"));
        let mut node = Node::new(
            Address::Tcp {
                host: host.into(),
                port: port.parse().unwrap(),
                text: spec.into(),
            },
            1,
            None,
            Location::new("t", None),
        );
        node.instance = instance.map(str::to_string);
        node
    }

    fn placement(algo: Algo, nodes: &[Node], raw: bool) -> Box<dyn Placement> {
        let mut config = RingConfig::new(algo, hash::by_name(algo.default_hash()).unwrap());
        config.raw_names = raw;
        build(nodes, &config).unwrap()
    }

    #[test]
    fn cleansing_follows_the_running_relay() {
        // The first six were sent through carbon-c-relay 3.7.3 and read back at the server.
        let cases: [(&[u8], &[u8]); 25] = [
            (b"foo.bar", b"foo.bar"),
            (b"..a..b.", b"a.b"),
            ("hé".as_bytes(), b"h__"),
            (b"\tx y", b"x"),
            (b"foo;tag=1", b"foo"),
            (b"a b", b"a"),
            (b"foo.;x", b"foo."),
            (b"a. b", b"a"),
            (b"a..", b"a"),
            (b"a\nb", b"b"),
            (b"a b\nc", b"a"),
            (b"x\0y", b"x_y"),
            (b"a-b_c:d#e", b"a-b_c:d#e"),
            (b"a/b\\c*d", b"a_b_c_d"),
            (b" . .x", b"x"),
            (b"..", b""),
            (b";a", b""),
            (b"\xff.\x80", b"_._"),
            // A `;` later in the line moves the name end past the first space.
            (b"a b;c", b"a b"),
            (b"a b.c;t", b"a b.c"),
            (b"a  b;t", b"a b"),
            (b"a .b;t", b"a b"),
            (b"a. \xff;t", b"a \xff"),
            (b"a\tb\tc;", b"a b c"),
            (b"x\ny z;", b"y z"),
        ];
        for (key, expected) in cases {
            assert_eq!(
                name(Names::Cleansed, key),
                expected,
                "{}",
                key.escape_ascii()
            );
        }
        assert_eq!(name(Names::Raw, b"\tx..y. 1 2"), b"\tx..y.");
        assert_eq!(name(Names::Raw, b"a\nb"), b"a");
        assert_eq!(name(Names::Raw, "hé".as_bytes()), "hé".as_bytes());
    }

    #[test]
    fn streaming_hashes_equal_whole_hashes() {
        let long: Vec<u8> = (0..1000u32).map(|i| b'a' + (i % 26) as u8).collect();
        for key in [
            &b""[..],
            b"foo.bar",
            b"..x..y.",
            "héllo wörld".as_bytes(),
            &long,
        ] {
            for names in [Names::Cleansed, Names::Raw] {
                let whole = name(names, key);
                let mut md5 = Md5Sink::new();
                names.feed(key, &mut md5);
                let d = md5_digest(&whole);
                assert_eq!(md5.position(), u16::from_be_bytes([d[0], d[1]]));
                let mut fnv = Fnv32Sink(FNV32_BASIS);
                names.feed(key, &mut fnv);
                assert_eq!(fnv.0, fnv1a_32(&whole));
            }
        }
    }

    #[test]
    fn carbon_ch_ring_matches_the_relay() {
        // carbon-c-relay 3.7.3 -d -t: "hash ring for c1" of
        // `cluster c1 carbon_ch 10.0.0.1:2003 10.0.0.2:2003=a;`.
        let nodes = [
            node("10.0.0.1:2003", None),
            node("10.0.0.2:2003", Some("a")),
        ];
        let p = placement(Algo::CarbonCh, &nodes, false);
        let points = p.points().unwrap();
        assert_eq!(points.len(), 200);
        let head: Vec<(u64, NodeId)> = points[..6].iter().map(|p| (p.position, p.node)).collect();
        assert_eq!(
            head,
            [
                (824, 0),
                (884, 0),
                (1213, 0),
                (1448, 1),
                (1478, 0),
                (1799, 1)
            ]
        );
        let at = |pos| {
            points
                .iter()
                .filter(|p| p.position == pos)
                .map(|p| p.node)
                .collect::<Vec<_>>()
        };
        assert_eq!(at(17207), [0, 0]);
        assert_eq!(at(53909), [0, 0]);
        assert_eq!(
            (points[199].position, points[199].node),
            (65306, 1),
            "last entry"
        );
        // "-> foo.bar  hash_pos(1273)  10.0.0.2:2003", "hello hash_pos(23873) 10.0.0.2:2003".
        assert_eq!(RingKind::Carbon.key_position(Names::Raw, b"foo.bar"), 1273);
        assert_eq!(RingKind::Carbon.key_position(Names::Raw, b"hello"), 23873);
        assert_eq!(p.locate(b"foo.bar"), Some(1));
        assert_eq!(p.locate(b"hello"), Some(1));
    }

    #[test]
    fn fnv1a_ch_ring_matches_the_relay() {
        // carbon-c-relay 3.7.3 -d -t: `cluster f1 fnv1a_ch 10.0.0.1:2003 10.0.0.2:2004=a;`.
        let nodes = [
            node("10.0.0.1:2003", None),
            node("10.0.0.2:2004", Some("a")),
        ];
        let p = placement(Algo::Fnv1aCh, &nodes, false);
        let points = p.points().unwrap();
        let head: Vec<(u64, NodeId)> = points[..6].iter().map(|p| (p.position, p.node)).collect();
        assert_eq!(
            head,
            [
                (611, 1),
                (1625, 1),
                (2000, 1),
                (2470, 1),
                (2662, 0),
                (3112, 1)
            ]
        );
        assert_eq!(RingKind::Fnv1a.key_position(Names::Raw, b"foo.bar"), 58720);
        assert_eq!(RingKind::Fnv1a.key_position(Names::Raw, b"hello"), 25396);
        assert_eq!(p.locate(b"foo.bar"), Some(1));
        assert_eq!(p.locate(b"hello"), Some(0));
    }

    #[test]
    fn jump_order_matches_the_relay() {
        // carbon-c-relay 3.7.3 -d -t prints the order 9, 10, 5a, then the two without an
        // instance: 9 < 10 as numbers, 10 < 5a and 5a < 9 as strings, so only the merge order
        // decides. foo.bar goes to bucket 1, hello to bucket 2.
        let nodes = [
            node("10.0.1.1:2003", None),
            node("10.0.1.2:2004", Some("9")),
            node("10.0.1.3:2004", Some("10")),
            node("10.0.1.4:2004", Some("5a")),
            node("10.0.1.5:2003", None),
        ];
        let servers = servers(&nodes, "jump_fnv1a_ch").unwrap();
        let ring = JumpRing::build(&servers, Names::Raw);
        assert_eq!(ring.order, [1, 2, 3, 0, 4]);
        assert_eq!(ring.locate(b"foo.bar"), Some(2));
        assert_eq!(ring.locate(b"hello"), Some(3));
        let ownership = ring.ownership();
        assert_eq!(ownership.basis, ShareBasis::Analytic);
        assert_eq!(ownership.shares, vec![0.2; 5]);
    }

    #[test]
    fn carbon_ch_ignores_the_port() {
        let nodes = [
            node("10.0.0.1:2003", None),
            node("10.0.0.1:2004", None),
            node("10.0.0.2:2003", None),
        ];
        let p = placement(Algo::CarbonCh, &nodes, false);
        let ownership = p.ownership();
        assert_eq!(ownership.points[1], Some(0));
        assert_eq!(ownership.shares[1], 0.0);
        assert_eq!(
            ownership.points[0],
            Some(200),
            "its own points and the twin's"
        );
        assert!((ownership.shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        for i in 0..2000 {
            assert_ne!(p.locate(format!("m.{i}").as_bytes()), Some(1));
        }
        // fnv1a_ch hashes the port: both get points.
        let f = placement(Algo::Fnv1aCh, &nodes, false);
        assert!(f.ownership().shares.iter().all(|&s| s > 0.1));
    }

    #[test]
    fn shares_count_every_position() {
        let nodes: Vec<Node> = (1..=7)
            .map(|i| node(&format!("10.0.0.{i}:2003"), (i % 2 == 0).then_some("x")))
            .collect();
        for kind in [RingKind::Carbon, RingKind::Fnv1a] {
            let servers = servers(&nodes, "t").unwrap();
            let ring = ChRing::build(&servers, kind, Names::Cleansed);
            let mut counts = vec![0u32; nodes.len()];
            for pos in 0..=u16::MAX {
                counts[ring.ring.locate(pos).unwrap() as usize] += 1;
            }
            let expected: Vec<f64> = counts.iter().map(|&c| f64::from(c) / 65536.0).collect();
            assert_eq!(ring.ownership().shares, expected, "{kind:?}");
        }
    }

    #[test]
    fn raw_and_cleansed_maps_do_not_compare() {
        let nodes = [node("10.0.0.1:2003", None), node("10.0.0.2:2003", None)];
        let a = placement(Algo::CarbonCh, &nodes, false)
            .owner_map()
            .unwrap();
        let b = placement(Algo::CarbonCh, &nodes, true).owner_map().unwrap();
        assert_ne!(a.input, b.input);
        assert!(
            placement(Algo::JumpFnv1aCh, &nodes, false)
                .owner_map()
                .is_none()
        );
        // Cleansing changes where a name goes only through the bytes it changes.
        let p = placement(Algo::CarbonCh, &nodes, false);
        let raw = placement(Algo::CarbonCh, &nodes, true);
        assert_eq!(p.locate(b"..a..b. 1"), raw.locate(b"a.b"));
    }

    #[test]
    fn long_point_strings_are_cut_at_255_bytes() {
        let host = "h".repeat(300);
        let server = Server {
            ip: host,
            port: 2003,
            instance: None,
        };
        let mut buf = Vec::new();
        RingKind::Carbon.point_string(&server, 7, &mut buf);
        assert_eq!(buf.len(), 255);
        assert!(buf.starts_with(b"('hhh"));
    }

    #[test]
    fn glibc_merge_order() {
        // Stable for a consistent order.
        let mut v = [(3, 'a'), (1, 'b'), (3, 'c'), (1, 'd'), (2, 'e')];
        glibc_msort(&mut v, &|a, b| a.0.cmp(&b.0));
        assert_eq!(v, [(1, 'b'), (1, 'd'), (2, 'e'), (3, 'a'), (3, 'c')]);
        assert_eq!(strtol_whole("10"), Some(10));
        assert_eq!(strtol_whole("5a"), None);
        assert_eq!(strtol_whole(" -7"), Some(-7));
        assert_eq!(strtol_whole(""), Some(0));
    }

    #[test]
    fn refusals() {
        let mut weighted = node("10.0.0.1:2003", None);
        weighted.weight = 2;
        let config = RingConfig::new(Algo::CarbonCh, hash::by_name("md5").unwrap());
        let err = build(&[weighted], &config).err().unwrap().to_string();
        assert!(err.contains("carry no weights"), "{err}");
        let many: Vec<Node> = (0..65)
            .map(|i| node(&format!("10.0.{}.{}:2003", i / 200, i % 200), None))
            .collect();
        let err = build(&many, &config).err().unwrap().to_string();
        assert!(err.contains("65 servers"), "{err}");
        assert!(build(&many[..64], &config).is_ok());
        let mut tagged = config.clone();
        tagged.hash_tag = Some(crate::ring::HashTag::REDIS);
        assert!(build(&many[..2], &tagged).is_err());
        let bare = Node::new(
            Address::Bare {
                name: "graphite-a".into(),
            },
            1,
            None,
            Location::new("t", None),
        );
        let p = build(&[bare], &config).unwrap();
        assert_eq!(p.locate(b"x"), Some(0));
    }
}
