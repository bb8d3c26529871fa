//! carbon-c-relay 3.7 configuration: `cluster NAME carbon_ch|fnv1a_ch|jump_fnv1a_ch` blocks;
//! `--pool` names the cluster.
//!
//! Read the way the relay's own lexer and grammar read it (`conffile.l`, `conffile.y`,
//! `router.c : router_validate_address, router_add_server, router_add_cluster` at v3.7.3):
//!
//! - statements end with `;` and may span lines; `#` starts a comment up to the end of the
//!   line; `"..."` is a string (a backslash escapes the next character);
//! - `cluster NAME TYPE [replication N] [dynamic] HOST ... ;` with TYPE carbon_ch, fnv1a_ch or
//!   jump_fnv1a_ch, and HOST `host[:port][=instance] [proto udp|tcp] [type linemode|syslog]
//!   [transport plain|gzip|lz4|snappy [ssl]]`. The port defaults to 2003 and is split off at
//!   the last ':' (none when the host ends with `]`); `[v6]` loses its brackets. A numeric
//!   instance is read as a C `int` and printed back (`=007` is instance `7`);
//! - `forward`, `any_of`, `failover` and `file` clusters are read (to name them and to check
//!   shared servers) but cannot be chosen: they are not consistent-hash rings;
//! - every other statement (`match`, `rewrite`, `aggregate`, `listen`, `statistics`, `send`)
//!   is skipped; `include` is not followed.
//!
//! Refused as the relay refuses them: a cluster named twice, replication outside 1..=255 or
//! above the server count, more than 64 servers in a hash cluster (`CONN_DESTS_SIZE`; the
//! relay fails to build the ring), a server defined with different instances in two
//! clusters. Refused although the relay takes it: one server listed twice in one cluster (the
//! relay would give the same server two sets of points; always a mistake).
//!
//! Node labels are the servers as written (`10.0.0.8:2003=b`), weights are 1, and the
//! cluster's type becomes the pool's algorithm. `replication N` is checked but not kept: the
//! placement names the first of the N servers, the one a relay with replication 1 uses.

use super::{Address, Format, Node, Pool, PoolSettings};
use crate::error::{Error, Location, Result};
use crate::ring::Algo;

/// carbon-c-relay's `GRAPHITE_PORT`.
const DEFAULT_PORT: u16 = 2003;
/// `CONN_DESTS_SIZE` (`router.h`): `ch_new` refuses a ring with more servers.
const MAX_SERVERS: usize = 64;

/// Words the lexer turns into keywords inside a cluster statement (state `idcl`).
const KEYWORDS: [&str; 19] = [
    "useall",
    "replication",
    "dynamic",
    "ip",
    "proto",
    "udp",
    "tcp",
    "type",
    "linemode",
    "syslog",
    "transport",
    "plain",
    "gzip",
    "lz4",
    "snappy",
    "ssl",
    "blackhole",
    "stop",
    "file",
];

const TYPES: [&str; 7] = [
    "carbon_ch",
    "fnv1a_ch",
    "jump_fnv1a_ch",
    "forward",
    "any_of",
    "failover",
    "file",
];

pub fn parse(text: &str, source: &str, wanted: Option<&str>) -> Result<Pool> {
    let tokens = lex(text, source)?;
    let at = |line: usize| Location::new(source, Some(line));
    let mut clusters: Vec<Cluster> = Vec::new();
    let mut includes = false;
    for statement in statements(&tokens, source)? {
        let first = &statement[0];
        match first.word() {
            Some("cluster") => {
                let cluster = parse_cluster(&statement[1..], first.line, source)?;
                if let Some(earlier) = clusters.iter().find(|c| c.name == cluster.name) {
                    return Err(Error::input(
                        at(first.line),
                        format!(
                            "cluster '{}' is already defined at line {}; carbon-c-relay refuses a second cluster with the same name",
                            cluster.name, earlier.line
                        ),
                    ));
                }
                clusters.push(cluster);
            }
            Some("include") => includes = true,
            _ => {}
        }
    }
    check_shared_instances(&clusters, source)?;

    let include_hint = if includes {
        " (the include statements of this file are not followed; give the included file with --nodes)"
    } else {
        ""
    };
    let index = match wanted {
        Some(wanted) => clusters
            .iter()
            .position(|c| c.name == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
                if names.is_empty() {
                    Error::usage(format!(
                        "{source} defines no cluster, so --pool {wanted} names nothing{include_hint}"
                    ))
                } else {
                    Error::usage(format!(
                        "{source}: {}{include_hint}",
                        crate::names::unknown("cluster", wanted, &names)
                    ))
                }
            })?,
        None => match clusters.len() {
            0 => {
                return Err(Error::input(
                    Location::new(source, None),
                    format!(
                        "no cluster statement; a carbon-c-relay config defines servers as 'cluster NAME carbon_ch HOST[:PORT][=INSTANCE] ... ;'{include_hint}"
                    ),
                ));
            }
            1 => 0,
            n => {
                let list: Vec<String> = clusters
                    .iter()
                    .map(|c| format!("{} {}", c.name, c.kind))
                    .collect();
                return Err(Error::usage(format!(
                    "{source} has {n} clusters ({}); choose one with --pool NAME",
                    list.join(", ")
                )));
            }
        },
    };
    let cluster = clusters.swap_remove(index);
    let algo = match cluster.kind {
        "carbon_ch" => Algo::CarbonCh,
        "fnv1a_ch" => Algo::Fnv1aCh,
        "jump_fnv1a_ch" => Algo::JumpFnv1aCh,
        other => {
            let what = match other {
                "forward" => "sends every metric to every one of its servers",
                "any_of" => {
                    "spreads metrics by FNV-1a modulo the number of servers that are up, rerouting when one fails"
                }
                "failover" => "sends every metric to its first server that is up",
                _ => "writes metrics to files",
            };
            return Err(Error::input(
                at(cluster.line),
                format!(
                    "cluster '{}' is a {other} cluster: it {what}, not a consistent-hash ring; ringscope models carbon_ch, fnv1a_ch and jump_fnv1a_ch clusters",
                    cluster.name
                ),
            ));
        }
    };
    let nodes = cluster
        .servers
        .into_iter()
        .map(|s| {
            let mut node = Node::new(s.address, 1, None, at(s.line));
            node.label = s.label;
            node.instance = s.instance;
            node
        })
        .collect();
    Ok(Pool {
        format: Format::Carbon,
        nodes,
        settings: PoolSettings {
            algo: Some(algo),
            ..PoolSettings::default()
        },
    })
}

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// An unquoted run of characters.
    Word(String),
    /// A `"..."` string, unescaped.
    Quoted(String),
    Eq,
    Semi,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: usize,
}

impl Token {
    fn word(&self) -> Option<&str> {
        match &self.tok {
            Tok::Word(w) => Some(w),
            _ => None,
        }
    }

    /// The text of a word or a quoted string.
    fn text(&self) -> Option<&str> {
        match &self.tok {
            Tok::Word(w) | Tok::Quoted(w) => Some(w),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match &self.tok {
            Tok::Word(w) => format!("'{w}'"),
            Tok::Quoted(q) => format!("\"{q}\""),
            Tok::Eq => "'='".into(),
            Tok::Semi => "';'".into(),
        }
    }
}

/// Splits the text into words, strings, `=` and `;`, dropping whitespace and `#` comments.
fn lex(text: &str, source: &str) -> Result<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '#' => while chars.next_if(|&c| c != '\n').is_some() {},
            ';' => tokens.push(Token {
                tok: Tok::Semi,
                line,
            }),
            '=' => tokens.push(Token { tok: Tok::Eq, line }),
            '"' => {
                let start = line;
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('\n') | None => {
                                return Err(Error::input(
                                    Location::new(source, Some(start)),
                                    "unterminated string",
                                ));
                            }
                            Some(escaped) => s.push(escaped),
                        },
                        Some('\n') | None => {
                            return Err(Error::input(
                                Location::new(source, Some(start)),
                                "unterminated string",
                            ));
                        }
                        Some(c) => s.push(c),
                    }
                }
                if s.is_empty() {
                    return Err(Error::input(
                        Location::new(source, Some(start)),
                        "empty string \"\"",
                    ));
                }
                tokens.push(Token {
                    tok: Tok::Quoted(s),
                    line: start,
                });
            }
            c => {
                let mut w = String::from(c);
                loop {
                    match chars.peek() {
                        Some(&'\\') => {
                            // `\ ` keeps a space inside a word (backslash included, as the
                            // relay's lexer does).
                            w.push('\\');
                            chars.next();
                            if chars.peek() == Some(&' ') {
                                w.push(' ');
                                chars.next();
                            }
                        }
                        Some(&c) if !c.is_whitespace() && !matches!(c, ';' | '#' | '"' | '=') => {
                            w.push(c);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                tokens.push(Token {
                    tok: Tok::Word(w),
                    line,
                });
            }
        }
    }
    Ok(tokens)
}

/// The statements, each without its closing `;`.
fn statements<'t>(tokens: &'t [Token], source: &str) -> Result<Vec<&'t [Token]>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        if token.tok == Tok::Semi {
            if i > start {
                out.push(&tokens[start..i]);
            }
            start = i + 1;
        }
    }
    if let Some(first) = tokens.get(start) {
        return Err(Error::input(
            Location::new(source, Some(first.line)),
            format!(
                "the statement starting with {} has no closing ';'",
                first.describe()
            ),
        ));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Clusters
// ---------------------------------------------------------------------------------------

struct Cluster {
    name: String,
    kind: &'static str,
    line: usize,
    servers: Vec<Server>,
}

struct Server {
    label: String,
    address: Address,
    /// The host as the relay keeps it (`server_ip`): brackets of `[v6]` removed.
    ip: String,
    port: u16,
    instance: Option<String>,
    line: usize,
}

/// Characters of an unquoted string in the relay's lexer (`IDCHR`).
fn is_idchr(c: char) -> bool {
    c.is_ascii_alphanumeric() || "[](){}|\\^?*$&%<>:/,._+-".contains(c)
}

fn is_number(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit())
}

/// `cluster` has been read; `rest` is everything up to the `;`.
fn parse_cluster(rest: &[Token], line: usize, source: &str) -> Result<Cluster> {
    let at = |line: usize| Location::new(source, Some(line));
    for token in rest {
        if let Tok::Word(w) = &token.tok
            && let Some(bad) = w.chars().find(|&c| !is_idchr(c) && c != ' ')
        {
            return Err(Error::input(
                at(token.line),
                format!("unexpected character '{bad}' in {}", token.describe()),
            ));
        }
    }
    let mut tokens = rest.iter().peekable();
    let name_token = tokens
        .next()
        .ok_or_else(|| Error::input(at(line), "'cluster' needs a name and a type"))?;
    let name = match &name_token.tok {
        Tok::Word(w) if is_number(w) => {
            return Err(Error::input(
                at(name_token.line),
                format!(
                    "cluster name '{w}' is a number, which carbon-c-relay does not accept; quote it or choose another name"
                ),
            ));
        }
        Tok::Word(w) | Tok::Quoted(w) => w.clone(),
        _ => {
            return Err(Error::input(
                at(name_token.line),
                format!("expected a cluster name, found {}", name_token.describe()),
            ));
        }
    };
    let type_token = tokens.next().ok_or_else(|| {
        Error::input(
            at(line),
            format!("cluster '{name}' needs a type: carbon_ch, fnv1a_ch or jump_fnv1a_ch"),
        )
    })?;
    let kind = type_token
        .word()
        .and_then(|w| TYPES.iter().copied().find(|t| *t == w))
        .ok_or_else(|| {
            Error::input(
                at(type_token.line),
                crate::names::unknown("cluster type", type_token.text().unwrap_or("="), &TYPES),
            )
        })?;
    let hashed = matches!(kind, "carbon_ch" | "fnv1a_ch" | "jump_fnv1a_ch");

    let mut replication = 1u64;
    if hashed {
        if tokens
            .next_if(|t| t.word() == Some("replication"))
            .is_some()
        {
            let count = tokens.next();
            replication = match count.and_then(Token::word).filter(|w| is_number(w)) {
                Some(w) => w.parse().unwrap_or(u64::MAX),
                None => {
                    return Err(Error::input(
                        at(count.map_or(line, |t| t.line)),
                        "'replication' needs a count, e.g. replication 2",
                    ));
                }
            };
            if !(1..=255).contains(&replication) {
                return Err(Error::input(
                    at(count.map_or(line, |t| t.line)),
                    "replication count must be between 1 and 255",
                ));
            }
        }
        tokens.next_if(|t| t.word() == Some("dynamic"));
    } else if kind == "file" {
        tokens.next_if(|t| t.word() == Some("ip"));
    } else {
        tokens.next_if(|t| t.word() == Some("useall"));
    }

    let mut servers: Vec<Server> = Vec::new();
    while let Some(host_token) = tokens.next() {
        if kind == "file" {
            // Paths; nothing about them matters here.
            continue;
        }
        let host_text = match &host_token.tok {
            Tok::Word(w) if is_number(w) || KEYWORDS.contains(&w.as_str()) => None,
            Tok::Word(w) | Tok::Quoted(w) => Some(w.as_str()),
            _ => None,
        }
        .ok_or_else(|| {
            Error::input(
                at(host_token.line),
                format!(
                    "expected a server HOST[:PORT][=INSTANCE] in cluster '{name}', found {}",
                    host_token.describe()
                ),
            )
        })?;
        let (ip, port, host_part) = split_host(host_text).map_err(|message| {
            Error::input(
                at(host_token.line),
                format!("server '{host_text}': {message}"),
            )
        })?;
        let mut label = host_text.to_string();
        let mut instance = None;
        if tokens.next_if(|t| t.tok == Tok::Eq).is_some() {
            let inst = tokens.next();
            let text = match inst.map(|t| &t.tok) {
                Some(Tok::Word(w)) if is_number(w) => Some((w, c_int_text(w))),
                Some(Tok::Word(w)) if !KEYWORDS.contains(&w.as_str()) => Some((w, w.clone())),
                Some(Tok::Quoted(q)) => Some((q, q.clone())),
                _ => None,
            };
            let (written, value) = text.ok_or_else(|| {
                Error::input(
                    at(inst.map_or(host_token.line, |t| t.line)),
                    format!("'=' after server '{host_text}' needs an instance name"),
                )
            })?;
            label = format!("{host_text}={written}");
            instance = Some(value);
        }
        // Options, in the order the grammar takes them.
        if tokens.next_if(|t| t.word() == Some("proto")).is_some() {
            expect_word(
                &mut tokens,
                &["udp", "tcp"],
                "proto",
                host_token.line,
                source,
            )?;
        }
        if tokens.next_if(|t| t.word() == Some("type")).is_some() {
            expect_word(
                &mut tokens,
                &["linemode", "syslog"],
                "type",
                host_token.line,
                source,
            )?;
        }
        if tokens.next_if(|t| t.word() == Some("transport")).is_some() {
            expect_word(
                &mut tokens,
                &["plain", "gzip", "lz4", "snappy"],
                "transport",
                host_token.line,
                source,
            )?;
            tokens.next_if(|t| t.word() == Some("ssl"));
        }
        if let Some(twin) = servers
            .iter()
            .find(|s| hashed && s.ip == ip && s.port == port)
        {
            return Err(Error::input(
                at(host_token.line),
                format!(
                    "server '{host_text}' is already in cluster '{name}' as '{}' (the relay would send it the same metrics twice); list each server once",
                    twin.label
                ),
            ));
        }
        servers.push(Server {
            label,
            address: Address::Tcp {
                host: host_part,
                port,
                text: host_text.to_string(),
            },
            ip,
            port,
            instance,
            line: host_token.line,
        });
    }
    if kind != "file" && servers.is_empty() {
        return Err(Error::input(
            at(line),
            format!("cluster '{name}' lists no servers"),
        ));
    }
    if hashed {
        if servers.len() > MAX_SERVERS {
            return Err(Error::input(
                at(line),
                format!(
                    "cluster '{name}' has {} servers; carbon-c-relay cannot build a {kind} ring of more than {MAX_SERVERS} (CONN_DESTS_SIZE) and refuses the config",
                    servers.len()
                ),
            ));
        }
        if replication > servers.len() as u64 {
            return Err(Error::input(
                at(line),
                format!(
                    "cluster '{name}': replication count ({replication}) is larger than the number of servers ({})",
                    servers.len()
                ),
            ));
        }
    }
    Ok(Cluster {
        name,
        kind,
        line,
        servers,
    })
}

fn expect_word<'t>(
    tokens: &mut std::iter::Peekable<std::slice::Iter<'t, Token>>,
    valid: &[&str],
    option: &str,
    line: usize,
    source: &str,
) -> Result<()> {
    match tokens.next() {
        Some(t) if t.word().is_some_and(|w| valid.contains(&w)) => Ok(()),
        other => Err(Error::input(
            Location::new(source, Some(other.map_or(line, |t| t.line))),
            format!(
                "'{option}' takes {}, found {}",
                valid.join(" or "),
                other.map_or("nothing".to_string(), Token::describe)
            ),
        )),
    }
}

/// `router_validate_address`: the port follows the last ':' unless the text ends with ']';
/// `[v6]` loses its brackets. Returns the relay's `server_ip`, the port and the host as
/// written (brackets kept).
fn split_host(text: &str) -> std::result::Result<(String, u16, String), String> {
    let colon = if text.ends_with(']') {
        None
    } else {
        text.rfind(':')
    };
    let (host, port) = match colon {
        Some(colon) => {
            let port_text = &text[colon + 1..];
            let port = match strtol(port_text) {
                (value, true) if (1..=i64::from(u16::MAX)).contains(&value) => value as u16,
                _ => return Err(format!("invalid port number '{port_text}'")),
            };
            (&text[..colon], port)
        }
        None => (text, DEFAULT_PORT),
    };
    let ip = match host.strip_prefix('[') {
        Some(inner) => inner
            .strip_suffix(']')
            .ok_or_else(|| "expected ']'".to_string())?,
        None => host,
    };
    if ip.is_empty() {
        return Err("no host; write HOST[:PORT]".to_string());
    }
    Ok((ip.to_string(), port, host.to_string()))
}

/// C `strtol(text, &end, 10)`: the value (saturated to `long`) and whether the whole text was
/// consumed (`*end == '\0'`).
fn strtol(text: &str) -> (i64, bool) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
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
    let digits_start = i;
    let mut value: i64 = 0;
    let mut overflow = false;
    while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        let digit = i64::from(d - b'0');
        match value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(digit)
            } else {
                v.checked_add(digit)
            }
        }) {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == digits_start {
        // No digits: `end` is the start of the text.
        return (0, bytes.is_empty());
    }
    if overflow {
        value = if negative { i64::MIN } else { i64::MAX };
    }
    (value, i == bytes.len())
}

/// A numeric instance: the lexer's `atoi`, printed back with `%d`.
fn c_int_text(digits: &str) -> String {
    (strtol(digits).0 as i32).to_string()
}

/// `router_add_server`: a server (ip and port) in two clusters must have the same instance,
/// or none in both.
fn check_shared_instances(clusters: &[Cluster], source: &str) -> Result<()> {
    let servers: Vec<&Server> = clusters.iter().flat_map(|c| &c.servers).collect();
    for (i, later) in servers.iter().enumerate() {
        let Some(first) = servers[..i]
            .iter()
            .find(|s| s.ip == later.ip && s.port == later.port)
        else {
            continue;
        };
        if first.instance != later.instance {
            let shown = |s: &Server| {
                s.instance
                    .as_ref()
                    .map_or("no instance".to_string(), |i| format!("instance '{i}'"))
            };
            return Err(Error::input(
                Location::new(source, Some(later.line)),
                format!(
                    "server {}:{} has {} here but {} at line {}; carbon-c-relay refuses a server with two instances",
                    later.ip,
                    later.port,
                    shown(later),
                    shown(first),
                    first.line
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONF: &str = "\
# carbon-c-relay
cluster graphite
    carbon_ch replication 2
        10.0.0.1:2003=a   # first
        10.0.0.2 proto tcp
        \"10.0.0.3:2004\"=007
        [::1]:2005 type linemode transport plain
    ;
cluster fnv fnv1a_ch 10.0.1.1:2003 10.0.1.2:2003=b;
cluster jump jump_fnv1a_ch dynamic 10.0.2.1 10.0.2.2=2;
cluster all forward 10.0.3.1;
match * send to graphite;
match ^a\\.b send to fnv stop;
";

    fn labels(pool: &Pool) -> Vec<&str> {
        pool.nodes.iter().map(|n| n.label.as_str()).collect()
    }

    #[test]
    fn reads_a_chosen_cluster() {
        let pool = parse(CONF, "relay.conf", Some("graphite")).unwrap();
        assert_eq!(pool.format, Format::Carbon);
        assert_eq!(pool.settings.algo, Some(Algo::CarbonCh));
        assert_eq!(
            labels(&pool),
            [
                "10.0.0.1:2003=a",
                "10.0.0.2",
                "10.0.0.3:2004=007",
                "[::1]:2005"
            ]
        );
        let instances: Vec<Option<&str>> =
            pool.nodes.iter().map(|n| n.instance.as_deref()).collect();
        assert_eq!(instances, [Some("a"), None, Some("7"), None]);
        assert_eq!(
            pool.nodes[1].address,
            Address::Tcp {
                host: "10.0.0.2".into(),
                port: 2003,
                text: "10.0.0.2".into()
            }
        );
        assert_eq!(
            pool.nodes[3].address,
            Address::Tcp {
                host: "[::1]".into(),
                port: 2005,
                text: "[::1]:2005".into()
            }
        );
        assert_eq!(pool.nodes[2].origin, Location::new("relay.conf", Some(6)));
        assert!(pool.nodes.iter().all(|n| n.weight == 1));

        let fnv = parse(CONF, "relay.conf", Some("fnv")).unwrap();
        assert_eq!(fnv.settings.algo, Some(Algo::Fnv1aCh));
        assert_eq!(labels(&fnv), ["10.0.1.1:2003", "10.0.1.2:2003=b"]);
        let jump = parse(CONF, "relay.conf", Some("jump")).unwrap();
        assert_eq!(jump.settings.algo, Some(Algo::JumpFnv1aCh));
        assert_eq!(jump.nodes[1].instance.as_deref(), Some("2"));
    }

    #[test]
    fn several_clusters_need_a_choice() {
        let err = parse(CONF, "relay.conf", None).unwrap_err().to_string();
        assert_eq!(
            err,
            "relay.conf has 4 clusters (graphite carbon_ch, fnv fnv1a_ch, jump jump_fnv1a_ch, all forward); choose one with --pool NAME"
        );
        let err = parse(CONF, "relay.conf", Some("graphit"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean 'graphite'"), "{err}");
        let one = "cluster c fnv1a_ch 10.0.0.1;\n";
        assert_eq!(parse(one, "r.conf", None).unwrap().nodes.len(), 1);
    }

    #[test]
    fn other_cluster_types_are_refused() {
        let err = parse(CONF, "relay.conf", Some("all"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("relay.conf:11: cluster 'all' is a forward cluster"),
            "{err}"
        );
        for kind in ["any_of", "failover"] {
            let conf = format!("cluster x {kind} 10.0.0.1:2003 10.0.0.2:2003;\n");
            let err = parse(&conf, "r.conf", None).unwrap_err().to_string();
            assert!(err.contains(&format!("is a {kind} cluster")), "{err}");
        }
        let file = "cluster x file ip /tmp/metrics.log;\n";
        assert!(
            parse(file, "r.conf", None)
                .unwrap_err()
                .to_string()
                .contains("writes metrics to files")
        );
    }

    #[test]
    fn errors_carry_lines() {
        let cases: [(&str, &str); 12] = [
            (
                "cluster c carbon_chh 10.0.0.1;\n",
                "r.conf:1: unknown cluster type 'carbon_chh'; did you mean 'carbon_ch'?",
            ),
            (
                "cluster c\n carbon_ch\n 10.0.0.1:70000;\n",
                "r.conf:3: server '10.0.0.1:70000': invalid port number '70000'",
            ),
            (
                "cluster c carbon_ch\n\n 10.0.0.1:x;\n",
                "r.conf:3: server '10.0.0.1:x': invalid port number 'x'",
            ),
            (
                "cluster c carbon_ch [::1;\n",
                "r.conf:1: server '[::1': expected ']'",
            ),
            (
                "cluster c carbon_ch :2003;\n",
                "r.conf:1: server ':2003': no host",
            ),
            (
                "cluster c carbon_ch replication 3 a b;\n",
                "r.conf:1: cluster 'c': replication count (3) is larger than the number of servers (2)",
            ),
            (
                "cluster c carbon_ch replication 0 a;\n",
                "r.conf:1: replication count must be between 1 and 255",
            ),
            (
                "cluster c carbon_ch;\n",
                "r.conf:1: cluster 'c' lists no servers",
            ),
            (
                "cluster c carbon_ch 10.0.0.1\n",
                "r.conf:1: the statement starting with 'cluster' has no closing ';'",
            ),
            (
                "cluster c fnv1a_ch 10.0.0.1;\ncluster c fnv1a_ch 10.0.0.2;\n",
                "r.conf:2: cluster 'c' is already defined at line 1",
            ),
            (
                "cluster c fnv1a_ch 10.0.0.1 10.0.0.1:2003=x;\n",
                "r.conf:1: server '10.0.0.1:2003' is already in cluster 'c' as '10.0.0.1'",
            ),
            (
                "cluster c fnv1a_ch 10.0.0.1=a;\ncluster d forward\n 10.0.0.1:2003;\n",
                "r.conf:3: server 10.0.0.1:2003 has no instance here but instance 'a' at line 1",
            ),
        ];
        for (conf, expected) in cases {
            let err = parse(conf, "r.conf", None).unwrap_err().to_string();
            assert!(err.starts_with(expected), "{conf:?}: {err}");
        }
        let many: String = (0..65).map(|i| format!(" 10.0.0.{i}")).collect();
        let err = parse(&format!("cluster big jump_fnv1a_ch{many};"), "r.conf", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("has 65 servers"), "{err}");
        let sixty_four: String = (0..64).map(|i| format!(" 10.0.0.{i}")).collect();
        let pool = parse(
            &format!("cluster ok jump_fnv1a_ch{sixty_four};"),
            "r.conf",
            None,
        );
        assert_eq!(pool.unwrap().nodes.len(), 64);
        let err = parse("cluster c carbon_ch 10.0.0.1 proto sctp;", "r.conf", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("'proto' takes udp or tcp, found 'sctp'"),
            "{err}"
        );
        let err = parse("cluster c carbon_ch 10.0.0.1 = ;", "r.conf", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs an instance name"), "{err}");
        let err = parse("cluster c carbon_ch 10.0.0.1 \"x\n", "r.conf", None)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "r.conf:1: unterminated string");
    }

    #[test]
    fn missing_cluster_mentions_includes() {
        let conf = "include /etc/carbon-c-relay.d/*.conf;\ncluster a fnv1a_ch 10.0.0.1;\n";
        let err = parse(conf, "r.conf", Some("b")).unwrap_err().to_string();
        assert!(err.contains("unknown cluster 'b'"), "{err}");
        assert!(err.contains("include statements"), "{err}");
        let err = parse("match * send to x;\n", "r.conf", None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("r.conf: no cluster statement"), "{err}");
    }

    #[test]
    fn comments_strings_and_other_statements() {
        let conf = "\
listen type linemode 2003 proto tcp ; # a listener
aggregate ^sys\\.(.*) every 10 seconds expire after 35 seconds
    compute sum write to total.\\1 ;
cluster \"my cluster\" # name in quotes
  fnv1a_ch 10.0.0.1:2003=\"a b\" 10.0.0.2#comment
  ;
";
        let pool = parse(conf, "r.conf", None).unwrap();
        assert_eq!(labels(&pool), ["10.0.0.1:2003=a b", "10.0.0.2"]);
        assert_eq!(pool.nodes[0].instance.as_deref(), Some("a b"));
        assert_eq!(pool.nodes[1].origin, Location::new("r.conf", Some(5)));
    }

    #[test]
    fn strtol_is_c() {
        assert_eq!(strtol("2003"), (2003, true));
        assert_eq!(strtol("+80"), (80, true));
        assert_eq!(strtol("-3"), (-3, true));
        assert_eq!(strtol("5a"), (5, false));
        assert_eq!(strtol("x"), (0, false));
        assert_eq!(strtol(""), (0, true));
        assert_eq!(strtol("99999999999999999999"), (i64::MAX, true));
        assert_eq!(c_int_text("007"), "7");
        assert_eq!(c_int_text("4294967297"), "1");
    }
}
