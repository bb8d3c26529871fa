//! haproxy configuration: the servers of one `backend` or `listen` section, with its
//! `balance`, `hash-type`, `default-server` and `option allbackups` settings, inherited from
//! `defaults` sections as haproxy 2.6 does; `--pool` names the backend.
//!
//! What is read, as Debian's haproxy 2.6.12 reads it (each rule checked against it):
//!
//! * Words split as haproxy's parser does: `"…"` and `'…'` quote, a backslash escapes a
//!   space, `#`, a quote or another backslash, an unquoted `#` starts a comment. Section
//!   keywords (`backend`, `defaults`, …) start a section wherever they are indented.
//! * A proxy takes its settings from the last `defaults` section before it, or from the
//!   named one in `backend NAME from DEFAULTS`; a `defaults` section starts empty unless it
//!   says `from` too.
//! * `server NAME ADDR [weight N] [id N] [backup] [disabled] …` and `server-template PREFIX
//!   N|LOW-HIGH ADDR …` (servers PREFIX1 … PREFIXN); `default-server` sets the defaults of
//!   the server lines after it. The label is the server's name; the address is kept for
//!   display only: haproxy places servers by their numeric id.
//! * Ids: the explicit `id`, else haproxy's automatic numbering over every server line
//!   (backup and disabled ones count): a counter starts at 1 and moves past each line; a
//!   server without an id takes the first id at or above it that no server uses.
//! * Weights range from 0 to 256 (default 1). A weight-0 server stays up in haproxy but
//!   takes no keys: it is a node of weight 0 that owns nothing.
//! * `disabled` servers (maintenance) take no keys and are left out; so are backup servers
//!   while an active server can take keys. When none can, haproxy uses its backups: all of
//!   them with `option allbackups`, else the first usable one alone — the pool is then those.
//!
//! Keys are the bytes the `balance` rule extracts, which ringscope hashes as they come:
//! `url_param P` takes the raw value of the first `P=` in the query string up to the next
//! `&` (not percent-decoded; `#`, `?`, `=` and `+` stay in it; an empty value is hashed as
//! the empty key); `hdr(H)` takes the first comma-separated value of the first `H` header,
//! without surrounding blanks (an absent or empty header is balanced round robin); `uri`
//! takes the path up to `?` (a scheme and host of an absolute URI stay unless `path-only`;
//! `whole` keeps the query, `len N` the first N bytes, `depth N` the first N directories);
//! `hash EXPR` takes the expression's result (`req.hdr(H)` is the last value). haproxy
//! answers a request without the key (no parameter, no header) round robin.

use std::collections::HashMap;

use super::{Address, Format, Node, Pool, PoolSettings};
use crate::error::{Error, Location, Result};
use crate::ring::{Algo, haproxy_ids};

/// The section keywords of haproxy 2.6.
const SECTIONS: [&str; 14] = [
    "global",
    "defaults",
    "frontend",
    "backend",
    "listen",
    "userlist",
    "peers",
    "resolvers",
    "mailers",
    "program",
    "http-errors",
    "ring",
    "cache",
    "fcgi-app",
];

/// haproxy 2.6's `balance` algorithms.
const BALANCE_ALGORITHMS: [&str; 11] = [
    "roundrobin",
    "static-rr",
    "leastconn",
    "first",
    "source",
    "uri",
    "url_param",
    "hdr(name)",
    "random",
    "rdp-cookie",
    "hash",
];

const HASH_FUNCTIONS: [&str; 4] = ["sdbm", "djb2", "crc32", "wt6"];

/// Server keywords that take one argument (haproxy 2.6 manual, section 5.2); every other
/// keyword is a flag, except `source`, read apart.
const SERVER_KEYWORDS_WITH_ARGUMENT: [&str; 57] = [
    "addr",
    "agent-addr",
    "agent-inter",
    "agent-port",
    "agent-send",
    "alpn",
    "ca-file",
    "check-alpn",
    "check-proto",
    "check-sni",
    "ciphers",
    "ciphersuites",
    "cookie",
    "crl-file",
    "crt",
    "downinter",
    "error-limit",
    "fall",
    "fastinter",
    "id",
    "init-addr",
    "inter",
    "log-proto",
    "max-reuse",
    "maxconn",
    "maxqueue",
    "minconn",
    "namespace",
    "npn",
    "observe",
    "on-error",
    "on-marked-down",
    "on-marked-up",
    "pool-low-conn",
    "pool-max-conn",
    "pool-purge-delay",
    "port",
    "proto",
    "proxy-v2-options",
    "redir",
    "resolve-net",
    "resolve-opts",
    "resolve-prefer",
    "resolvers",
    "rise",
    "slowstart",
    "sni",
    "socks4",
    "ssl-max-ver",
    "ssl-min-ver",
    "tcp-ut",
    "track",
    "verify",
    "verifyhost",
    "weight",
    "ws",
    "usesrc",
];

/// The largest server id haproxy accepts (a positive C `int`).
const MAX_ID: u32 = i32::MAX as u32;
const MAX_WEIGHT: u32 = 256;
/// `server-template` makes at most this many servers here.
const MAX_TEMPLATE: u32 = 100_000;

pub fn parse(text: &str, source: &str, wanted: Option<&str>) -> Result<Pool> {
    let sections = sections(text, source)?;
    let proxies: Vec<usize> = (0..sections.len())
        .filter(|&i| matches!(sections[i].kind, "backend" | "listen"))
        .collect();
    let names: Vec<&str> = proxies
        .iter()
        .map(|&i| sections[i].name.as_deref().unwrap_or(""))
        .collect();
    let chosen = match wanted {
        Some(wanted) => {
            let mut matching = proxies
                .iter()
                .filter(|&&i| sections[i].name.as_deref() == Some(wanted));
            let first = *matching
                .next()
                .ok_or_else(|| unknown_pool(&sections, &names, wanted, source))?;
            if let Some(&second) = matching.next() {
                return Err(Error::input(
                    at(source, sections[second].line),
                    format!(
                        "a second proxy named '{wanted}' (the first is at line {}); haproxy refuses two",
                        sections[first].line
                    ),
                ));
            }
            first
        }
        None => match proxies.as_slice() {
            [only] => *only,
            [] => {
                return Err(Error::input(
                    Location::new(source, None),
                    "no backend or listen section; ringscope reads the servers of one",
                ));
            }
            _ => {
                return Err(Error::usage(format!(
                    "{source} has {} backends ({}); choose one with --pool NAME",
                    names.len(),
                    names.join(", ")
                )));
            }
        },
    };
    let settings = inherited(&sections, chosen, source)?;
    let backend = read_proxy(&sections[chosen], settings, source)?;
    backend.into_pool(source)
}

fn at(source: &str, line: usize) -> Location {
    Location::new(source, Some(line))
}

fn unknown_pool(sections: &[Section], names: &[&str], wanted: &str, source: &str) -> Error {
    let frontend = sections
        .iter()
        .find(|s| s.kind == "frontend" && s.name.as_deref() == Some(wanted));
    if let Some(frontend) = frontend {
        let target = frontend
            .lines
            .iter()
            .find(|l| l.words[0] == "default_backend")
            .and_then(|l| l.words.get(1));
        let hint = match target {
            Some(backend) => format!("; its default_backend is {backend}: --pool {backend}"),
            None => String::new(),
        };
        return Error::usage(format!(
            "{source}: '{wanted}' is a frontend, which has no servers; --pool names a backend or listen section{hint}"
        ));
    }
    Error::usage(format!(
        "{source}: {}",
        crate::names::unknown("backend", wanted, names)
    ))
}

// ---------------------------------------------------------------------------------------
// Words and sections
// ---------------------------------------------------------------------------------------

struct Line {
    number: usize,
    words: Vec<String>,
}

struct Section {
    kind: &'static str,
    name: Option<String>,
    /// `from NAME`: the named defaults section it inherits from.
    from: Option<String>,
    line: usize,
    lines: Vec<Line>,
}

fn sections(text: &str, source: &str) -> Result<Vec<Section>> {
    let mut sections: Vec<Section> = Vec::new();
    for (index, text) in text.lines().enumerate() {
        let number = index + 1;
        let words = words(text).map_err(|e| Error::input(at(source, number), e))?;
        let Some(first) = words.first() else {
            continue;
        };
        if let Some(&kind) = SECTIONS.iter().find(|&&k| k == first) {
            let args = &words[1..];
            let (name, from) = match args {
                [from, parent, ..] if from == "from" => (None, Some(parent.clone())),
                [name, from, parent, ..] if from == "from" => {
                    (Some(name.clone()), Some(parent.clone()))
                }
                [name, ..] => (Some(name.clone()), None),
                [] => (None, None),
            };
            if name.is_none() && matches!(kind, "backend" | "listen" | "frontend") {
                return Err(Error::input(
                    at(source, number),
                    format!("'{kind}' needs a name"),
                ));
            }
            sections.push(Section {
                kind,
                name,
                from,
                line: number,
                lines: Vec::new(),
            });
            continue;
        }
        match sections.last_mut() {
            Some(section) => section.lines.push(Line { number, words }),
            None => {
                return Err(Error::input(
                    at(source, number),
                    format!(
                        "'{first}' outside any section; a haproxy configuration is made of sections (global, defaults, frontend, backend, listen)"
                    ),
                ));
            }
        }
    }
    Ok(sections)
}

/// Splits a line into words as haproxy's `parse_line` does: blanks separate, `"…"` and `'…'`
/// quote (`''` is an empty word), a backslash escapes a blank, `#`, `\`, a quote or `$`
/// (and gives `\r`, `\n`, `\t`), an unquoted `#` starts a comment. Environment variables are
/// not expanded.
fn words(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, ' ' | '\t' | '\r') => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            (None, '#') => break,
            (None | Some('"'), '\\') => {
                let w = word.get_or_insert_with(String::new);
                match chars.next() {
                    Some(e @ (' ' | '\t' | '#' | '\\' | '\'' | '"' | '$')) => w.push(e),
                    Some('r') => w.push('\r'),
                    Some('n') => w.push('\n'),
                    Some('t') => w.push('\t'),
                    Some(other) => {
                        w.push('\\');
                        w.push(other);
                    }
                    None => w.push('\\'),
                }
            }
            (_, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    if let Some(q) = quote {
        return Err(format!("unmatched {q} quote"));
    }
    if let Some(w) = word {
        words.push(w);
    }
    Ok(words)
}

// ---------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Consistent,
    MapBased,
}

#[derive(Clone, Debug)]
struct HashType {
    method: Method,
    function: Option<&'static str>,
    avalanche: bool,
    line: usize,
}

#[derive(Clone, Debug)]
struct Balance {
    /// The algorithm as written (`url_param`, `hdr(X-Key)`, `roundrobin`, …).
    algorithm: String,
    line: usize,
}

/// What `default-server` sets and `server` lines override (`id` only on `server`).
#[derive(Clone, Copy, Debug, Default)]
struct ServerParams {
    weight: Option<u32>,
    backup: Option<bool>,
    disabled: Option<bool>,
    id: Option<u32>,
}

impl ServerParams {
    fn over(self, base: ServerParams) -> ServerParams {
        ServerParams {
            weight: self.weight.or(base.weight),
            backup: self.backup.or(base.backup),
            disabled: self.disabled.or(base.disabled),
            id: self.id,
        }
    }
}

/// The settings a proxy inherits from a `defaults` section and may change.
#[derive(Clone, Debug, Default)]
struct Settings {
    balance: Option<Balance>,
    hash_type: Option<HashType>,
    server_defaults: ServerParams,
    all_backups: bool,
}

/// The settings of the defaults section proxy `index` inherits.
fn inherited(sections: &[Section], index: usize, source: &str) -> Result<Settings> {
    let mut chain: Vec<usize> = Vec::new();
    let mut current = index;
    loop {
        let section = &sections[current];
        let parent = match &section.from {
            Some(name) => {
                let found = (0..current).rev().find(|&i| {
                    sections[i].kind == "defaults" && sections[i].name.as_deref() == Some(name)
                });
                Some(found.ok_or_else(|| {
                    Error::input(
                        at(source, section.line),
                        format!("no defaults section named '{name}' before this line"),
                    )
                })?)
            }
            None if section.kind == "defaults" => None,
            None => (0..current).rev().find(|&i| sections[i].kind == "defaults"),
        };
        // Parents are always declared earlier: the chain ends.
        match parent {
            Some(parent) => {
                chain.push(parent);
                current = parent;
            }
            None => break,
        }
    }
    let mut settings = Settings::default();
    for &defaults in chain.iter().rev() {
        for line in &sections[defaults].lines {
            apply_setting(&mut settings, line, source)?;
        }
    }
    Ok(settings)
}

/// Applies one line to the settings; `false` when the line is not a setting.
fn apply_setting(settings: &mut Settings, line: &Line, source: &str) -> Result<bool> {
    let words = &line.words;
    let here = || at(source, line.number);
    match words[0].as_str() {
        "balance" => {
            settings.balance = Some(read_balance(words, line.number, source)?);
        }
        "hash-type" => settings.hash_type = Some(read_hash_type(words, line.number, source)?),
        "default-server" => {
            let params = read_server_params(&words[1..], &here(), true)?;
            settings.server_defaults = params.over(settings.server_defaults);
        }
        "option" if words.get(1).map(String::as_str) == Some("allbackups") => {
            settings.all_backups = true;
        }
        "no" if words.get(1).map(String::as_str) == Some("option")
            && words.get(2).map(String::as_str) == Some("allbackups") =>
        {
            settings.all_backups = false;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn read_balance(words: &[String], line: usize, source: &str) -> Result<Balance> {
    let here = at(source, line);
    let Some(algorithm) = words.get(1) else {
        return Err(Error::input(
            here,
            format!(
                "'balance' needs an algorithm ({})",
                BALANCE_ALGORITHMS.join(", ")
            ),
        ));
    };
    let known = match algorithm.as_str() {
        "url_param" | "hash" => {
            if words.len() < 3 {
                let what = if algorithm == "hash" {
                    "an expression"
                } else {
                    "a parameter name"
                };
                return Err(Error::input(
                    here,
                    format!("'balance {algorithm}' needs {what}"),
                ));
            }
            true
        }
        "roundrobin" | "static-rr" | "leastconn" | "first" | "source" | "uri" | "random"
        | "rdp-cookie" => true,
        a if a.starts_with("random(") || a.starts_with("rdp-cookie(") => true,
        a if a.starts_with("hdr(") => {
            if !a.ends_with(')') || a.len() <= "hdr()".len() {
                return Err(Error::input(
                    here,
                    format!("'balance {a}': write hdr(<header name>)"),
                ));
            }
            true
        }
        _ => false,
    };
    if !known {
        return Err(Error::input(
            here,
            crate::names::unknown("balance algorithm", algorithm, &BALANCE_ALGORITHMS),
        ));
    }
    Ok(Balance {
        algorithm: algorithm.clone(),
        line,
    })
}

fn read_hash_type(words: &[String], line: usize, source: &str) -> Result<HashType> {
    let here = || at(source, line);
    let method = match words.get(1).map(String::as_str) {
        Some("consistent") => Method::Consistent,
        Some("map-based") => Method::MapBased,
        Some(other) => {
            return Err(Error::input(
                here(),
                crate::names::unknown("hash-type method", other, &["consistent", "map-based"]),
            ));
        }
        None => {
            return Err(Error::input(
                here(),
                "'hash-type' needs a method: consistent or map-based",
            ));
        }
    };
    let function = match words.get(2) {
        Some(name) => Some(*HASH_FUNCTIONS.iter().find(|&&f| f == name).ok_or_else(|| {
            Error::input(
                here(),
                crate::names::unknown("hash-type function", name, &HASH_FUNCTIONS),
            )
        })?),
        None => None,
    };
    let avalanche = match words.get(3).map(String::as_str) {
        Some("avalanche") => true,
        Some(other) => {
            return Err(Error::input(
                here(),
                format!("unknown hash-type modifier '{other}' (valid: avalanche)"),
            ));
        }
        None => false,
    };
    Ok(HashType {
        method,
        function,
        avalanche,
        line,
    })
}

/// The parameters of a `server` line after its address, or of a `default-server` line.
fn read_server_params(
    words: &[String],
    here: &Location,
    default_server: bool,
) -> Result<ServerParams> {
    let mut params = ServerParams::default();
    let mut rest = words.iter();
    while let Some(word) = rest.next() {
        let mut argument = |keyword: &str| {
            rest.next().ok_or_else(|| {
                Error::input(here.clone(), format!("'{keyword}' expects an argument"))
            })
        };
        match word.as_str() {
            "weight" => params.weight = Some(read_weight(argument("weight")?, here)?),
            "id" if default_server => {
                return Err(Error::input(
                    here.clone(),
                    "'id' option is not accepted in default-server sections",
                ));
            }
            "id" => params.id = Some(read_id(argument("id")?, here)?),
            "backup" => params.backup = Some(true),
            "no-backup" => params.backup = Some(false),
            "disabled" => params.disabled = Some(true),
            "enabled" => params.disabled = Some(false),
            // `source ADDR [usesrc X] [interface NAME]`: `usesrc` is in the table.
            "source" | "interface" => {
                argument(word)?;
            }
            keyword if SERVER_KEYWORDS_WITH_ARGUMENT.contains(&keyword) => {
                argument(keyword)?;
            }
            _ => {}
        }
    }
    Ok(params)
}

fn read_weight(text: &str, here: &Location) -> Result<u32> {
    match decimal(text) {
        Some(weight) if weight <= MAX_WEIGHT => Ok(weight),
        Some(_) => Err(Error::input(
            here.clone(),
            format!("weight {text} is not within 0 and {MAX_WEIGHT}, haproxy's range"),
        )),
        None => Err(Error::input(
            here.clone(),
            format!("weight '{text}' is not a whole number from 0 to {MAX_WEIGHT}"),
        )),
    }
}

fn read_id(text: &str, here: &Location) -> Result<u32> {
    decimal(text)
        .filter(|&id| (1..=MAX_ID).contains(&id))
        .ok_or_else(|| {
            Error::input(
                here.clone(),
                format!("server id '{text}' is not a whole number from 1 to {MAX_ID}"),
            )
        })
}

fn decimal(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

// ---------------------------------------------------------------------------------------
// The proxy
// ---------------------------------------------------------------------------------------

struct Server {
    name: String,
    address: String,
    weight: u32,
    id: Option<u32>,
    backup: bool,
    disabled: bool,
    line: usize,
}

struct Proxy {
    name: String,
    kind: &'static str,
    line: usize,
    settings: Settings,
    servers: Vec<Server>,
}

fn read_proxy(section: &Section, mut settings: Settings, source: &str) -> Result<Proxy> {
    let mut servers: Vec<Server> = Vec::new();
    // Names and explicit ids seen so far, to refuse repeats without rescanning the list.
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut by_id: HashMap<u32, usize> = HashMap::new();
    for line in &section.lines {
        if apply_setting(&mut settings, line, source)? {
            continue;
        }
        let here = at(source, line.number);
        let words = &line.words;
        let (names, address, params) = match words[0].as_str() {
            "server" => {
                let [_, name, address, params @ ..] = words.as_slice() else {
                    return Err(Error::input(
                        here,
                        "'server' expects <name> and <addr>[:<port>] as arguments",
                    ));
                };
                (vec![name.clone()], address, params)
            }
            "server-template" => {
                let [_, prefix, range, address, params @ ..] = words.as_slice() else {
                    return Err(Error::input(
                        here,
                        "'server-template' expects <prefix> <num | range> <fqdn>[:<port>] as arguments",
                    ));
                };
                let names = template_ids(range, &here)?
                    .map(|n| format!("{prefix}{n}"))
                    .collect();
                (names, address, params)
            }
            _ => continue,
        };
        let params = read_server_params(params, &here, false)?.over(settings.server_defaults);
        // On a template, the id goes to the first server only (haproxy 2.6.12 numbers the
        // others automatically).
        let mut id = params.id;
        for name in names {
            let id = id.take();
            check_name(&name, &here)?;
            if let Some(first) = by_name.get(&name).map(|&i| &servers[i]) {
                return Err(Error::input(
                    here,
                    format!(
                        "another server named '{name}' was already defined at line {}; haproxy refuses two",
                        first.line
                    ),
                ));
            }
            if let Some(id) = id
                && let Some(first) = by_id.get(&id).map(|&i| &servers[i])
            {
                return Err(Error::input(
                    here,
                    format!(
                        "server id {id} is already used by '{}' at line {}",
                        first.name, first.line
                    ),
                ));
            }
            by_name.insert(name.clone(), servers.len());
            if let Some(id) = id {
                by_id.insert(id, servers.len());
            }
            servers.push(Server {
                name,
                address: address.clone(),
                weight: params.weight.unwrap_or(1),
                id,
                backup: params.backup.unwrap_or(false),
                disabled: params.disabled.unwrap_or(false),
                line: line.number,
            });
        }
    }
    Ok(Proxy {
        name: section.name.clone().unwrap_or_default(),
        kind: section.kind,
        line: section.line,
        settings,
        servers,
    })
}

/// `N` (1..=N) or `LOW-HIGH`.
fn template_ids(range: &str, here: &Location) -> Result<std::ops::RangeInclusive<u32>> {
    let bounds = match range.split_once('-') {
        Some((low, high)) => decimal(low).zip(decimal(high)),
        None => decimal(range).map(|n| (1, n)),
    };
    match bounds {
        Some((low, high)) if low >= 1 && low <= high && high - low < MAX_TEMPLATE => Ok(low..=high),
        _ => Err(Error::input(
            here.clone(),
            format!(
                "server-template range '{range}' is not N or LOW-HIGH with 1 <= LOW <= HIGH (at most {MAX_TEMPLATE} servers)"
            ),
        )),
    }
}

/// The characters haproxy allows in a server name.
fn check_name(name: &str, here: &Location) -> Result<()> {
    match name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
    {
        Some(c) => Err(Error::input(
            here.clone(),
            format!("character '{c}' is not permitted in server name '{name}'"),
        )),
        None if name.is_empty() => Err(Error::input(here.clone(), "empty server name")),
        None => Ok(()),
    }
}

impl Proxy {
    fn into_pool(self, source: &str) -> Result<Pool> {
        let algo = self.algo(source)?;
        if self.servers.is_empty() {
            return Err(Error::input(
                at(source, self.line),
                format!("{} '{}' has no server lines", self.kind, self.name),
            ));
        }
        let ids = haproxy_ids(self.servers.iter().map(|s| s.id));
        let taking = |s: &&Server| !s.disabled && s.weight > 0;
        let actives: Vec<usize> = (0..self.servers.len())
            .filter(|&i| !self.servers[i].backup && !self.servers[i].disabled)
            .collect();
        let backups: Vec<usize> = (0..self.servers.len())
            .filter(|&i| self.servers[i].backup && !self.servers[i].disabled)
            .collect();
        let chosen = if actives.iter().any(|&i| taking(&&self.servers[i])) {
            actives
        } else {
            self.backup_pool(algo, &backups, source)?
        };
        let nodes = chosen
            .into_iter()
            .map(|i| {
                let server = &self.servers[i];
                let origin = at(source, server.line);
                let mut node = Node::new(
                    address(&server.address, &origin),
                    server.weight,
                    Some(server.name.clone()),
                    origin,
                );
                node.id = Some(ids[i]);
                node
            })
            .collect();
        Ok(Pool {
            format: Format::Haproxy,
            nodes,
            settings: PoolSettings {
                algo: Some(algo),
                ..PoolSettings::default()
            },
        })
    }

    /// The servers haproxy uses when no active one can take keys (`recount_servers`).
    fn backup_pool(&self, algo: Algo, backups: &[usize], source: &str) -> Result<Vec<usize>> {
        let usable: Vec<usize> = backups
            .iter()
            .copied()
            .filter(|&i| self.servers[i].weight > 0)
            .collect();
        let Some(&first) = usable.first() else {
            return Err(Error::input(
                at(source, self.line),
                format!(
                    "{} '{}' has no server that can take keys (each is disabled, a backup or of weight 0, and no backup is usable); haproxy would answer 503",
                    self.kind, self.name
                ),
            ));
        };
        if self.settings.all_backups {
            return Ok(backups.to_vec());
        }
        // map-based sizes its table by the first backup's weight but fills it from every
        // backup: only the shapes checked against haproxy are accepted.
        if algo == Algo::HaproxyMapBased && usable.len() > 1 && self.servers[first].weight > 1 {
            return Err(Error::input(
                at(source, self.line),
                format!(
                    "{} '{}' is map-based with no usable active server and several backups, the first of weight > 1: haproxy then fills a map sized by that weight from every backup, which ringscope does not reproduce; add 'option allbackups' or give the first backup weight 1",
                    self.kind, self.name
                ),
            ));
        }
        Ok(vec![first])
    }

    fn algo(&self, source: &str) -> Result<Algo> {
        let what = format!("{} '{}'", self.kind, self.name);
        let modelled =
            "ringscope reproduces hash balancing: balance url_param, hdr(...), uri or hash";
        let Some(balance) = &self.settings.balance else {
            return Err(Error::input(
                at(source, self.line),
                format!(
                    "{what} has no 'balance' line, so haproxy balances it roundrobin; {modelled}"
                ),
            ));
        };
        let here = at(source, balance.line);
        let algorithm = balance.algorithm.as_str();
        match algorithm {
            "url_param" | "uri" | "hash" => {}
            a if a.starts_with("hdr(") => {}
            "source" => {
                return Err(Error::input(
                    here,
                    format!(
                        "{what}: 'balance source' hashes the client's address as a number, not key bytes; {modelled}"
                    ),
                ));
            }
            a if a.starts_with("rdp-cookie") => {
                return Err(Error::input(
                    here,
                    format!(
                        "{what}: 'balance {a}' is not reproduced (not checked against haproxy); {modelled}"
                    ),
                ));
            }
            a => {
                return Err(Error::input(
                    here,
                    format!("{what} balances with '{a}', which does not hash keys; {modelled}"),
                ));
            }
        }
        let Some(hash_type) = &self.settings.hash_type else {
            return Ok(Algo::HaproxyMapBased);
        };
        let default = match hash_type.method {
            // "consistent hash uses sdbm and avalanche if no hash function is specified"
            Method::Consistent => {
                hash_type.function.is_none()
                    || (hash_type.function == Some("sdbm") && hash_type.avalanche)
            }
            Method::MapBased => {
                matches!(hash_type.function, None | Some("sdbm")) && !hash_type.avalanche
            }
        };
        if !default {
            let written = [
                Some(match hash_type.method {
                    Method::Consistent => "consistent",
                    Method::MapBased => "map-based",
                }),
                hash_type.function,
                hash_type.avalanche.then_some("avalanche"),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            return Err(Error::input(
                at(source, hash_type.line),
                format!(
                    "hash-type {written}: ringscope reproduces 'hash-type consistent' (sdbm with avalanche) and 'hash-type map-based' (sdbm) only"
                ),
            ));
        }
        Ok(match hash_type.method {
            Method::Consistent => Algo::HaproxyConsistent,
            Method::MapBased => Algo::HaproxyMapBased,
        })
    }
}

/// A server address for display: `ipv4@`/`ipv6@` prefixes dropped, `unix@` and paths as
/// sockets; what [`Address::parse`] does not take (a bare IPv6 address, a port offset, a
/// variable) is kept as written.
fn address(text: &str, origin: &Location) -> Address {
    let text = text
        .strip_prefix("ipv4@")
        .or_else(|| text.strip_prefix("ipv6@"))
        .unwrap_or(text);
    if let Some(path) = text.strip_prefix("unix@") {
        return Address::Unix {
            path: path.to_string(),
        };
    }
    Address::parse(text, origin).unwrap_or_else(|_| Address::Bare {
        name: text.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(cfg: &str, wanted: Option<&str>) -> Pool {
        parse(cfg, "h.cfg", wanted).unwrap()
    }

    fn error(cfg: &str, wanted: Option<&str>) -> String {
        parse(cfg, "h.cfg", wanted).unwrap_err().to_string()
    }

    /// `(label, weight, id)` of each node.
    fn servers(pool: &Pool) -> Vec<(&str, u32, u32)> {
        pool.nodes
            .iter()
            .map(|n| (n.label.as_str(), n.weight, n.id.unwrap()))
            .collect()
    }

    const TWO: &str = "\
global
    daemon
defaults
    mode http
frontend fe
    bind :80
    default_backend cache
backend cache
    balance url_param k
    hash-type consistent
    server a 10.0.0.1:80 id 2
    server b 10.0.0.2:80 weight 3
    server c 10.0.0.3:80
backend web
    balance uri
    server w1 10.0.1.1:80
";

    #[test]
    fn splits_words_as_haproxy_does() {
        let w = |line: &str| words(line).unwrap();
        assert_eq!(
            w("  server a  1.2.3.4:80\tweight 2"),
            ["server", "a", "1.2.3.4:80", "weight", "2"]
        );
        assert_eq!(w("server a b#comment"), ["server", "a", "b"]);
        assert_eq!(w("server a b # comment"), ["server", "a", "b"]);
        assert_eq!(
            w(r#"x "a b" 'c d' e\ f \#g"#),
            ["x", "a b", "c d", "e f", "#g"]
        );
        assert_eq!(w(r#"x "" '#' "\"q\"""#), ["x", "", "#", "\"q\""]);
        assert_eq!(w(r"x a\-b"), ["x", r"a\-b"]);
        assert!(w("# only a comment").is_empty());
        assert_eq!(words("x \"open").unwrap_err(), "unmatched \" quote");
    }

    #[test]
    fn reads_the_chosen_backend() {
        let p = pool(TWO, Some("cache"));
        assert_eq!(p.format, Format::Haproxy);
        assert_eq!(p.settings.algo, Some(Algo::HaproxyConsistent));
        assert!(p.settings.hash.is_none());
        assert_eq!(servers(&p), [("a", 1, 2), ("b", 3, 3), ("c", 1, 4)]);
        assert_eq!(p.nodes[1].address.to_string(), "10.0.0.2:80");
        assert_eq!(p.nodes[1].origin, Location::new("h.cfg", Some(12)));
        let web = pool(TWO, Some("web"));
        assert_eq!(web.settings.algo, Some(Algo::HaproxyMapBased));
    }

    #[test]
    fn several_backends_need_a_choice() {
        assert_eq!(
            error(TWO, None),
            "h.cfg has 2 backends (cache, web); choose one with --pool NAME"
        );
        let err = error(TWO, Some("cach"));
        assert!(
            err.contains("unknown backend 'cach'; did you mean 'cache'?"),
            "{err}"
        );
        let err = error(TWO, Some("fe"));
        assert!(err.contains("'fe' is a frontend"), "{err}");
        assert!(err.contains("--pool cache"), "{err}");
        let err = error("global\nfrontend f\n    bind :80\n", None);
        assert_eq!(
            err,
            "h.cfg: no backend or listen section; ringscope reads the servers of one"
        );
    }

    #[test]
    fn listen_sections_are_pools() {
        let cfg = "listen l\n    bind :80\n    balance hdr(Host) use_domain_only\n    server x /run/x.sock\n    server y unix@/run/y.sock weight 0\n";
        let p = pool(cfg, None);
        assert_eq!(servers(&p), [("x", 1, 1), ("y", 0, 2)]);
        assert_eq!(
            p.nodes[1].address,
            Address::Unix {
                path: "/run/y.sock".into()
            }
        );
    }

    #[test]
    fn defaults_are_inherited_as_haproxy_does() {
        let cfg = "\
defaults hashed
    balance url_param k
    hash-type consistent
    default-server weight 4
defaults child from hashed
    timeout connect 1s
backend a
    server s1 1.1.1.1:80
defaults
    mode http
backend b
    server s1 1.1.1.1:80
backend c from child
    server s1 1.1.1.1:80 weight 2
    default-server weight 7
    server s2 1.1.1.2:80
backend d from nowhere
    server s1 1.1.1.1:80
";
        let a = pool(cfg, Some("a"));
        assert_eq!(a.settings.algo, Some(Algo::HaproxyConsistent));
        assert_eq!(servers(&a), [("s1", 4, 1)]);
        // A new unnamed defaults section starts empty: no balance line, roundrobin.
        let err = error(cfg, Some("b"));
        assert!(
            err.starts_with("h.cfg:11: backend 'b' has no 'balance' line"),
            "{err}"
        );
        let c = pool(cfg, Some("c"));
        assert_eq!(c.settings.algo, Some(Algo::HaproxyConsistent));
        assert_eq!(servers(&c), [("s1", 2, 1), ("s2", 7, 2)]);
        let err = error(cfg, Some("d"));
        assert_eq!(
            err,
            "h.cfg:17: no defaults section named 'nowhere' before this line"
        );
    }

    #[test]
    fn server_parameters() {
        let cfg = "\
backend b
    balance url_param k
    default-server backup
    server a 1.1.1.1:80 cookie backup no-backup check inter 2s
    server c 1.1.1.3:80 no-backup disabled enabled source 10.0.0.1 usesrc clientip
    server d 1.1.1.4:80 no-backup id 1
    server-template t 2-3 1.1.1.5:80 no-backup weight 5 id 10
    server e 1.1.1.6:80
";
        // a: counter 1, taken by d -> 2; c -> 3; d explicit; t2 explicit 10; t3 -> 6.
        assert_eq!(
            servers(&pool(cfg, None)),
            [
                ("a", 1, 2),
                ("c", 1, 3),
                ("d", 1, 1),
                ("t2", 5, 10),
                ("t3", 5, 6)
            ]
        );
    }

    #[test]
    fn backups_serve_when_no_active_server_can() {
        let base = "backend b\n    balance url_param k\n    hash-type consistent\n    server a 1.1.1.1:80 disabled\n    server z 1.1.1.9:80 weight 0\n    server bk0 1.1.1.2:80 backup weight 0\n    server bk1 1.1.1.3:80 backup weight 2\n    server bk2 1.1.1.4:80 backup\n";
        assert_eq!(servers(&pool(base, None)), [("bk1", 2, 4)]);
        let all = format!("{base}    option allbackups\n");
        assert_eq!(
            servers(&pool(&all, None)),
            [("bk0", 0, 3), ("bk1", 2, 4), ("bk2", 1, 5)]
        );
        let map = base.replace("consistent", "map-based");
        assert!(error(&map, None).contains("does not reproduce"));
        let map_first_light = map.replace("backup weight 2", "backup weight 1");
        assert_eq!(servers(&pool(&map_first_light, None)), [("bk1", 1, 4)]);
        let none = "backend b\n    balance url_param k\n    server a 1.1.1.1:80 weight 0\n    server b 1.1.1.2:80 backup disabled\n";
        assert!(error(none, None).contains("haproxy would answer 503"));
        // An active server that can take keys: backups and disabled servers are left out,
        // weight-0 servers stay with weight 0.
        let active = format!("{base}    server on 1.1.1.5:80\n");
        assert_eq!(servers(&pool(&active, None)), [("z", 0, 2), ("on", 1, 6)]);
    }

    #[test]
    fn only_hash_balancing_is_modelled() {
        let cfg =
            |balance: &str| format!("backend b\n    balance {balance}\n    server a 1.1.1.1:80\n");
        for hashed in [
            "url_param k check_post",
            "hdr(X-Key)",
            "uri whole",
            "uri len 5 depth 2",
            "hash req.hdr(x)",
        ] {
            assert_eq!(
                pool(&cfg(hashed), None).settings.algo,
                Some(Algo::HaproxyMapBased),
                "{hashed}"
            );
        }
        let err = error(&cfg("roundrobin"), None);
        assert!(
            err.starts_with(
                "h.cfg:2: backend 'b' balances with 'roundrobin', which does not hash keys"
            ),
            "{err}"
        );
        assert!(error(&cfg("source"), None).contains("client's address as a number"));
        assert!(error(&cfg("rdp-cookie(mstshash)"), None).contains("not reproduced"));
        assert!(error(&cfg("url_parm k"), None).contains("did you mean 'url_param'"));
        assert!(error(&cfg("url_param"), None).contains("needs a parameter name"));
        assert!(error(&cfg("hdr()"), None).contains("hdr(<header name>)"));
    }

    #[test]
    fn hash_types() {
        let cfg = |ht: &str| {
            format!(
                "backend b\n    balance url_param k\n    hash-type {ht}\n    server a 1.1.1.1:80\n"
            )
        };
        for (ht, algo) in [
            ("consistent", Algo::HaproxyConsistent),
            ("consistent sdbm avalanche", Algo::HaproxyConsistent),
            ("map-based", Algo::HaproxyMapBased),
            ("map-based sdbm", Algo::HaproxyMapBased),
        ] {
            assert_eq!(pool(&cfg(ht), None).settings.algo, Some(algo), "{ht}");
        }
        for refused in [
            "consistent sdbm",
            "consistent djb2",
            "map-based sdbm avalanche",
            "map-based wt6",
            "consistent crc32 avalanche",
        ] {
            let err = error(&cfg(refused), None);
            assert!(
                err.starts_with(&format!(
                    "h.cfg:3: hash-type {refused}: ringscope reproduces"
                )),
                "{err}"
            );
        }
        assert!(error(&cfg("consistant"), None).contains("did you mean 'consistent'"));
        assert!(
            error(&cfg("consistent avalanche"), None)
                .contains("unknown hash-type function 'avalanche'")
        );
        assert!(error(&cfg("consistent sdbm fast"), None).contains("modifier 'fast'"));
    }

    #[test]
    fn errors_carry_lines() {
        let cfg = |server: &str| {
            format!("backend b\n    balance url_param k\n    server a 1.1.1.1:80\n    {server}\n")
        };
        for (server, message) in [
            (
                "server x 1.1.1.2:80 weight 257",
                "h.cfg:4: weight 257 is not within 0 and 256",
            ),
            (
                "server x 1.1.1.2:80 weight 1.5",
                "h.cfg:4: weight '1.5' is not a whole number",
            ),
            (
                "server x 1.1.1.2:80 weight",
                "h.cfg:4: 'weight' expects an argument",
            ),
            (
                "server x 1.1.1.2:80 id 0",
                "h.cfg:4: server id '0' is not a whole number from 1",
            ),
            (
                "server x 1.1.1.2:80 id 2147483648",
                "h.cfg:4: server id '2147483648'",
            ),
            (
                "server a 1.1.1.2:80",
                "h.cfg:4: another server named 'a' was already defined at line 3",
            ),
            (
                "server b$ 1.1.1.2:80",
                "h.cfg:4: character '$' is not permitted in server name 'b$'",
            ),
            ("server x", "h.cfg:4: 'server' expects <name> and <addr>"),
            (
                "server-template t 0 1.1.1.1:80",
                "h.cfg:4: server-template range '0'",
            ),
            (
                "default-server id 3",
                "h.cfg:4: 'id' option is not accepted in default-server",
            ),
        ] {
            let err = error(&cfg(server), None);
            assert!(err.starts_with(message), "{server}: {err}");
        }
        let dup_id = "backend b\n    balance url_param k\n    server a 1.1.1.1:80 id 3\n    server b 1.1.1.2:80 id 3\n";
        assert!(
            error(dup_id, None)
                .starts_with("h.cfg:4: server id 3 is already used by 'a' at line 3")
        );
        assert!(
            error("server a 1.1.1.1:80\n", None)
                .starts_with("h.cfg:1: 'server' outside any section")
        );
        assert!(error("backend\n", None).starts_with("h.cfg:1: 'backend' needs a name"));
        assert!(
            error("backend b\n    balance url_param k\n", None)
                .starts_with("h.cfg:1: backend 'b' has no server lines")
        );
        let twice = "backend b\n    balance uri\n    server a 1.1.1.1:80\nlisten b\n    balance uri\n    server a 1.1.1.1:80\n";
        assert!(error(twice, Some("b")).starts_with("h.cfg:4: a second proxy named 'b'"));
    }

    #[test]
    fn automatic_ids_match_the_ring() {
        let ids = |explicit: &[Option<u32>]| haproxy_ids(explicit.iter().copied());
        assert_eq!(ids(&[Some(2), None, None]), [2, 3, 4]);
        assert_eq!(ids(&[None, Some(1), None]), [2, 1, 4]);
        assert_eq!(ids(&[Some(100), None, Some(2), None]), [100, 3, 2, 5]);
    }
}
