//! nginx configuration: the `upstream NAME { ... }` blocks of an `nginx.conf` (inside `http`
//! or `stream`, or at the top of a snippet); `--pool` names the upstream.
//!
//! Inside the upstream, `server ADDR [weight=N] [down] [backup] [max_fails=N]
//! [fail_timeout=T] [max_conns=N];` lines are the peers and `hash KEY [consistent];` picks
//! the algorithm. Labels are the server addresses as written (nginx's `peer->server`, e.g.
//! `127.0.0.1:23001`, `backend.example:80`, `unix:/run/app.sock`). The key expression is
//! not evaluated: the keys given to ringscope are the bytes nginx hashes (for `hash $arg_k`,
//! the query value exactly as sent, still percent-encoded).
//!
//! Backup servers never take part in hash selection: nginx only reaches them through round
//! robin (which ringscope reports as unassigned), so they are not nodes. nginx itself refuses
//! `backup` after a `hash` line and accepts it before one.
//!
//! Tokens follow `ngx_conf_read_token`: words end at whitespace, `;` or `{` (but `${` stays
//! in a word and `}` ends a block only at the start of a token); `"…"` and `'…'` quote;
//! `\` escapes; `#` at the start of a token comments out the rest of the line. `include`
//! is not followed.

use super::{Address, Format, Node, Pool, PoolSettings, parse_weight};
use crate::error::{Error, Location, Result};
use crate::ring::Algo;

pub fn parse(text: &str, source: &str, wanted: Option<&str>) -> Result<Pool> {
    let tokens = tokenize(text, source)?;
    let directives = Parser {
        tokens: &tokens,
        next: 0,
        source,
        depth: 0,
    }
    .block(None)?;
    let mut upstreams = Vec::new();
    collect_upstreams(&directives, "", source, &mut upstreams)?;
    let upstream = choose(&upstreams, wanted, source).map_err(|e| match includes(&directives) {
        // Debian's layout keeps upstreams in included files (sites-enabled/, conf.d/).
        Some(line) => Error::usage(format!(
            "{e}; {source}:{line} includes other files, which ringscope does not follow: give the file that holds the upstream to --nodes"
        )),
        None => e,
    })?;
    read_upstream(upstream, source)
}

// ---------------------------------------------------------------------------------------
// Tokens and directives
// ---------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
enum Kind {
    Word(String),
    /// `;`
    End,
    /// `{`
    Open,
    /// `}`
    Close,
}

#[derive(Debug)]
struct Token {
    kind: Kind,
    line: usize,
}

fn tokenize(text: &str, source: &str) -> Result<Vec<Token>> {
    let at = |line: usize| Location::new(source, Some(line));
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b';' | b'{' | b'}' => {
                let kind = match c {
                    b';' => Kind::End,
                    b'{' => Kind::Open,
                    _ => Kind::Close,
                };
                tokens.push(Token { kind, line });
                i += 1;
            }
            b'"' | b'\'' => {
                let start_line = line;
                let start = i + 1;
                i = start;
                loop {
                    match bytes.get(i) {
                        None => {
                            return Err(Error::input(
                                at(start_line),
                                format!(
                                    "unexpected end of file, expecting {}: a quoted string is not closed",
                                    c as char
                                ),
                            ));
                        }
                        Some(b'\\') if i + 1 < bytes.len() => {
                            if bytes[i + 1] == b'\n' {
                                line += 1;
                            }
                            i += 2;
                        }
                        Some(&b) if b == c => break,
                        Some(&b) => {
                            if b == b'\n' {
                                line += 1;
                            }
                            i += 1;
                        }
                    }
                }
                tokens.push(Token {
                    kind: Kind::Word(unescape(&text[start..i])),
                    line: start_line,
                });
                i += 1;
                // nginx wants a space, ';' or '{' right after a closing quote.
                match bytes.get(i) {
                    None | Some(b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{') => {}
                    Some(_) => {
                        let next = text[i..].chars().next().expect("within the text");
                        return Err(Error::input(
                            at(line),
                            format!("unexpected \"{next}\" right after a quoted string"),
                        ));
                    }
                }
            }
            _ => {
                let start = i;
                let mut variable = false;
                while i < bytes.len() {
                    let b = bytes[i];
                    if b == b'{' && variable {
                        i += 1;
                        continue;
                    }
                    variable = false;
                    match b {
                        b'\\' if i + 1 < bytes.len() && bytes[i + 1] != b'\n' => i += 2,
                        b'$' => {
                            variable = true;
                            i += 1;
                        }
                        b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' => break,
                        _ => i += 1,
                    }
                }
                tokens.push(Token {
                    kind: Kind::Word(unescape(&text[start..i])),
                    line,
                });
            }
        }
    }
    Ok(tokens)
}

/// nginx's escapes: `\"`, `\'`, `\\` lose the backslash; `\t`, `\r`, `\n` become the control
/// characters; any other backslash stays.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some(&next @ ('"' | '\'' | '\\')) => {
                    out.push(next);
                    chars.next();
                    continue;
                }
                Some('t') => {
                    out.push('\t');
                    chars.next();
                    continue;
                }
                Some('r') => {
                    out.push('\r');
                    chars.next();
                    continue;
                }
                Some('n') => {
                    out.push('\n');
                    chars.next();
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

/// One directive: its words (name first) with their lines, and its block if it has one.
#[derive(Debug)]
struct Directive {
    words: Vec<(String, usize)>,
    block: Option<Vec<Directive>>,
}

impl Directive {
    fn name(&self) -> &str {
        &self.words[0].0
    }

    fn line(&self) -> usize {
        self.words[0].1
    }

    fn args(&self) -> &[(String, usize)] {
        &self.words[1..]
    }
}

struct Parser<'t> {
    tokens: &'t [Token],
    next: usize,
    source: &'t str,
    /// Blocks open around the current one: bounded, so a hostile file cannot exhaust the stack.
    depth: usize,
}

/// Far deeper than any real nginx.conf nests (`http { server { location { if {} } } }`).
const MAX_DEPTH: usize = 64;

impl Parser<'_> {
    fn at(&self, line: usize) -> Location {
        Location::new(self.source, Some(line))
    }

    /// Directives up to the `}` that closes the block opened at `opened` (or the end of the
    /// file at the top level).
    fn block(&mut self, opened: Option<usize>) -> Result<Vec<Directive>> {
        let mut directives = Vec::new();
        let mut words: Vec<(String, usize)> = Vec::new();
        while let Some(token) = self.tokens.get(self.next) {
            self.next += 1;
            match &token.kind {
                Kind::Word(word) => words.push((word.clone(), token.line)),
                Kind::End | Kind::Open if words.is_empty() => {
                    let c = if token.kind == Kind::End { ';' } else { '{' };
                    return Err(Error::input(
                        self.at(token.line),
                        format!("unexpected \"{c}\" with no directive before it"),
                    ));
                }
                Kind::End => directives.push(Directive {
                    words: std::mem::take(&mut words),
                    block: None,
                }),
                Kind::Open => {
                    let line = token.line;
                    let words = std::mem::take(&mut words);
                    if self.depth >= MAX_DEPTH {
                        return Err(Error::input(
                            self.at(line),
                            format!(
                                "blocks nested deeper than {MAX_DEPTH}; is this an nginx.conf?"
                            ),
                        ));
                    }
                    self.depth += 1;
                    let block = self.block(Some(line))?;
                    self.depth -= 1;
                    directives.push(Directive {
                        words,
                        block: Some(block),
                    });
                }
                Kind::Close => {
                    if let Some((word, line)) = words.first() {
                        return Err(Error::input(
                            self.at(*line),
                            format!("directive \"{word}\" is not terminated by \";\""),
                        ));
                    }
                    if opened.is_none() {
                        return Err(Error::input(
                            self.at(token.line),
                            "unexpected \"}\": no block is open",
                        ));
                    }
                    return Ok(directives);
                }
            }
        }
        if let Some((word, line)) = words.first() {
            return Err(Error::input(
                self.at(*line),
                format!("unexpected end of file: directive \"{word}\" is not terminated by \";\""),
            ));
        }
        if let Some(line) = opened {
            return Err(Error::input(
                self.at(line),
                "unexpected end of file: the block opened here is not closed with \"}\"",
            ));
        }
        Ok(directives)
    }
}

// ---------------------------------------------------------------------------------------
// Upstreams
// ---------------------------------------------------------------------------------------

struct Upstream<'d> {
    name: String,
    /// `http`, `stream` or empty (a snippet's top level).
    context: &'static str,
    directive: &'d Directive,
}

impl Upstream<'_> {
    fn qualified(&self) -> String {
        if self.context.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.context, self.name)
        }
    }

    fn uses_hash(&self) -> bool {
        self.directive
            .block
            .iter()
            .flatten()
            .rev()
            .find(|d| BALANCERS.contains(&d.name()))
            .is_some_and(|d| d.name() == "hash")
    }
}

/// Directives that choose an upstream's balancer; the last one wins ("load balancing method
/// redefined").
const BALANCERS: [&str; 6] = [
    "hash",
    "ip_hash",
    "least_conn",
    "random",
    "least_time",
    "sticky",
];

/// The line of the first `include` at any depth, if any.
fn includes(directives: &[Directive]) -> Option<usize> {
    directives.iter().find_map(|d| {
        if d.name() == "include" {
            Some(d.line())
        } else {
            d.block.as_deref().and_then(includes)
        }
    })
}

fn collect_upstreams<'d>(
    directives: &'d [Directive],
    context: &'static str,
    source: &str,
    out: &mut Vec<Upstream<'d>>,
) -> Result<()> {
    for directive in directives {
        let Some(block) = &directive.block else {
            continue;
        };
        match directive.name() {
            "upstream" => {
                let [(name, _)] = directive.args() else {
                    return Err(Error::input(
                        Location::new(source, Some(directive.line())),
                        "an upstream block takes one name: upstream NAME { ... }",
                    ));
                };
                out.push(Upstream {
                    name: name.clone(),
                    context,
                    directive,
                });
            }
            "http" => collect_upstreams(block, "http", source, out)?,
            "stream" => collect_upstreams(block, "stream", source, out)?,
            _ => collect_upstreams(block, context, source, out)?,
        }
    }
    Ok(())
}

/// The upstream `--pool` names (also as `http/NAME` or `stream/NAME`), or the only one.
fn choose<'u, 'd>(
    upstreams: &'u [Upstream<'d>],
    wanted: Option<&str>,
    source: &str,
) -> Result<&'u Upstream<'d>> {
    let listing = || {
        upstreams
            .iter()
            .map(|u| {
                let hash = if u.uses_hash() { "" } else { " (no hash)" };
                format!("{}{hash}", u.qualified())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(wanted) = wanted else {
        return match upstreams {
            [] => Err(Error::input(
                Location::new(source, None),
                "no upstream block; ringscope reads the servers of an 'upstream NAME { server ...; hash $key; }' block",
            )),
            [only] => Ok(only),
            _ => Err(Error::usage(format!(
                "{source} has {} upstreams ({}); choose one with --pool NAME",
                upstreams.len(),
                listing()
            ))),
        };
    };
    let matching: Vec<&Upstream> = upstreams
        .iter()
        .filter(|u| u.name == wanted || u.qualified() == wanted)
        .collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => {
            let mut names: Vec<&str> = Vec::new();
            for upstream in upstreams {
                if !names.contains(&upstream.name.as_str()) {
                    names.push(&upstream.name);
                }
            }
            Err(Error::usage(format!(
                "{source}: {}",
                crate::names::unknown("upstream", wanted, &names)
            )))
        }
        several => Err(Error::usage(format!(
            "{source} defines upstream '{wanted}' {} times ({}); name one as {}",
            several.len(),
            several
                .iter()
                .map(|u| format!("line {}", u.directive.line()))
                .collect::<Vec<_>>()
                .join(", "),
            several
                .iter()
                .map(|u| format!("--pool {}", u.qualified()))
                .collect::<Vec<_>>()
                .join(" or ")
        ))),
    }
}

/// `server` parameters nginx accepts (1.22 and later, open source and commercial); only
/// `weight`, `down` and `backup` change placement.
const SERVER_PARAMETERS: [&str; 11] = [
    "weight",
    "down",
    "backup",
    "max_fails",
    "fail_timeout",
    "max_conns",
    "resolve",
    "service",
    "slow_start",
    "route",
    "drain",
];

fn read_upstream(upstream: &Upstream, source: &str) -> Result<Pool> {
    let at = |line: usize| Location::new(source, Some(line));
    let name = &upstream.name;
    let mut nodes: Vec<Node> = Vec::new();
    let mut balancer: Option<&Directive> = None;
    for directive in upstream.directive.block.iter().flatten() {
        let line = directive.line();
        if directive.block.is_some() {
            return Err(Error::input(
                at(line),
                format!(
                    "\"{}\" opens a block inside upstream '{name}'; nginx allows none there",
                    directive.name()
                ),
            ));
        }
        match directive.name() {
            "server" => {
                if let Some(node) = read_server(directive, balancer, source)? {
                    if let Some(first) = nodes.iter().find(|n| n.label == node.label) {
                        return Err(Error::input(
                            node.origin.clone(),
                            format!(
                                "server {} is listed twice in upstream '{name}' (first at {}); nginx would make two peers with the same server text, whose keys no model can tell apart: list it once",
                                node.label, first.origin
                            ),
                        ));
                    }
                    nodes.push(node);
                }
            }
            "include" => {
                return Err(Error::input(
                    at(line),
                    format!(
                        "upstream '{name}' uses include; ringscope does not follow includes: put its server lines in the file given to --nodes"
                    ),
                ));
            }
            other if BALANCERS.contains(&other) => {
                if other == "hash" {
                    check_hash(directive, source)?;
                }
                balancer = Some(directive);
            }
            _ => {}
        }
    }
    let block_line = upstream.directive.line();
    let algo = match balancer {
        Some(d) if d.name() == "hash" => {
            if d.args().get(1).is_some() {
                Algo::NginxConsistent
            } else {
                Algo::NginxHash
            }
        }
        Some(d) => {
            let why = match d.name() {
                "ip_hash" => "places clients by their IP address, not by a key",
                _ => "does not place by a key",
            };
            return Err(Error::input(
                at(d.line()),
                format!(
                    "upstream '{name}' balances with {} (its last balancing directive), which {why}; ringscope models nginx's 'hash $key' and 'hash $key consistent'",
                    d.name()
                ),
            ));
        }
        None => {
            return Err(Error::input(
                at(block_line),
                format!(
                    "upstream '{name}' has no hash directive, so nginx balances it round robin, which is not key-based; ringscope models 'hash $key' and 'hash $key consistent'"
                ),
            ));
        }
    };
    if nodes.is_empty() {
        return Err(Error::input(
            at(block_line),
            format!(
                "upstream '{name}' has no primary server (backup servers are not hashed); add a 'server ADDR;' line"
            ),
        ));
    }
    Ok(Pool {
        format: Format::Nginx,
        nodes,
        settings: PoolSettings {
            algo: Some(algo),
            ..PoolSettings::default()
        },
    })
}

/// `hash KEY [consistent];`
fn check_hash(directive: &Directive, source: &str) -> Result<()> {
    let at = Location::new(source, Some(directive.line()));
    match directive.args() {
        [_] => Ok(()),
        [_, (flag, _)] if flag == "consistent" => Ok(()),
        [_, (flag, _)] => Err(Error::input(
            at,
            format!(
                "invalid parameter \"{flag}\" of hash: write 'hash KEY;' or 'hash KEY consistent;'"
            ),
        )),
        _ => Err(Error::input(
            at,
            "invalid number of arguments in \"hash\": write 'hash KEY;' or 'hash KEY consistent;'",
        )),
    }
}

/// One `server` line: `None` for a backup server.
fn read_server(
    directive: &Directive,
    balancer: Option<&Directive>,
    source: &str,
) -> Result<Option<Node>> {
    let at = Location::new(source, Some(directive.line()));
    let Some((address_text, _)) = directive.args().first() else {
        return Err(Error::input(
            at,
            "a server line needs an address: server ADDR [weight=N] [down];",
        ));
    };
    let mut weight = 1;
    let mut down = false;
    let mut backup = false;
    for (parameter, _) in &directive.args()[1..] {
        let (key, value) = match parameter.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (parameter.as_str(), None),
        };
        match (key, value) {
            ("weight", Some(value)) => {
                weight = parse_weight(value, &at).map_err(|_| {
                    Error::input(
                        at.clone(),
                        format!("invalid parameter \"{parameter}\": a weight is a whole number of at least 1"),
                    )
                })?;
            }
            ("down", None) => down = true,
            ("backup", None) => backup = true,
            (key, _) if SERVER_PARAMETERS.contains(&key) => {}
            _ => {
                return Err(Error::input(
                    at,
                    crate::names::unknown("server parameter", parameter, &SERVER_PARAMETERS),
                ));
            }
        }
    }
    if backup {
        if let Some(hash) = balancer.filter(|d| d.name() == "hash") {
            return Err(Error::input(
                at,
                format!(
                    "nginx refuses 'backup' after the hash directive (line {}): the hash balancing method does not support backup servers",
                    hash.line()
                ),
            ));
        }
        return Ok(None);
    }
    let address = parse_address(address_text, &at)?;
    let mut node = Node::new(address, weight, None, at);
    node.label = address_text.clone();
    node.down = down;
    Ok(Some(node))
}

/// An nginx server address: `unix:PATH`, `[v6]` or `[v6]:port`, `host:port` or a bare host
/// (port 80).
fn parse_address(text: &str, at: &Location) -> Result<Address> {
    if text.len() >= 5 && text.as_bytes()[..5].eq_ignore_ascii_case(b"unix:") {
        let path = &text[5..];
        if path.is_empty() {
            return Err(Error::input(
                at.clone(),
                "empty unix socket path after 'unix:'",
            ));
        }
        return Ok(Address::Unix {
            path: path.to_string(),
        });
    }
    if text.starts_with('[') && text.ends_with(']') {
        return Ok(Address::Bare {
            name: text.to_string(),
        });
    }
    if text.contains("://") {
        return Err(Error::input(
            at.clone(),
            format!("server '{text}' has a scheme; an upstream server is host:port or unix:PATH"),
        ));
    }
    Address::parse(text, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(text: &str, wanted: Option<&str>) -> Result<Pool> {
        parse(text, "nginx.conf", wanted)
    }

    fn error(text: &str, wanted: Option<&str>) -> String {
        pool(text, wanted).unwrap_err().to_string()
    }

    const CONF: &str = r#"
user www-data;
worker_processes auto;
events { worker_connections 768; }

http {
    # the cache tier
    upstream cache {
        zone cache 64k;
        hash $arg_k consistent;
        server 127.0.0.1:23001;
        server 127.0.0.1:23002 weight=2 max_fails=1 fail_timeout=10s;
        server "127.0.0.1:23003" down;   # in maintenance
        server unix:/run/app.sock weight=3;
        keepalive 16;
    }
    upstream web {
        server 10.0.0.1:80 backup;
        server 10.0.0.2 max_conns=10;
        server [::1]:8080;
        server [::2];
        server backend.example:80;
        hash $scheme${request_uri}x;
    }
    upstream plain { server 10.0.0.9:80; }
    server {
        listen 80;
        location / { proxy_pass http://cache; set $x "a;b{c}"; }
        location ~ "^/(a|b){2}$" { return 204; }
    }
}
stream {
    upstream cache { hash $remote_addr; server 10.1.0.1:53; }
}
"#;

    #[test]
    fn reads_servers_weights_down_and_the_mode() {
        let p = pool(CONF, Some("http/cache")).unwrap();
        assert_eq!(p.format, Format::Nginx);
        assert_eq!(p.settings.algo, Some(Algo::NginxConsistent));
        let got: Vec<(&str, u32, bool)> = p
            .nodes
            .iter()
            .map(|n| (n.label.as_str(), n.weight, n.down))
            .collect();
        assert_eq!(
            got,
            [
                ("127.0.0.1:23001", 1, false),
                ("127.0.0.1:23002", 2, false),
                ("127.0.0.1:23003", 1, true),
                ("unix:/run/app.sock", 3, false),
            ]
        );
        assert_eq!(p.nodes[0].origin.to_string(), "nginx.conf:11");
        assert_eq!(
            p.nodes[3].address,
            Address::Unix {
                path: "/run/app.sock".into()
            }
        );

        let p = pool(CONF, Some("web")).unwrap();
        assert_eq!(p.settings.algo, Some(Algo::NginxHash));
        let labels: Vec<&str> = p.nodes.iter().map(|n| n.label.as_str()).collect();
        // The backup server (before the hash line, as nginx allows) is not a node.
        assert_eq!(
            labels,
            ["10.0.0.2", "[::1]:8080", "[::2]", "backend.example:80"]
        );

        let p = pool(CONF, Some("stream/cache")).unwrap();
        assert_eq!(p.nodes[0].label, "10.1.0.1:53");
    }

    #[test]
    fn choosing_the_upstream() {
        let err = error(CONF, None);
        assert_eq!(
            err,
            "nginx.conf has 4 upstreams (http/cache, http/web, http/plain (no hash), stream/cache); choose one with --pool NAME"
        );
        let err = error(CONF, Some("cache"));
        assert!(
            err.contains("defines upstream 'cache' 2 times (line 8, line 33)"),
            "{err}"
        );
        assert!(
            err.contains("--pool http/cache or --pool stream/cache"),
            "{err}"
        );
        let err = error(CONF, Some("wbe"));
        assert!(
            err.starts_with("nginx.conf: unknown upstream 'wbe'; did you mean 'web'?"),
            "{err}"
        );
        let snippet = "upstream only {\n  hash $arg_k;\n  server 10.0.0.1:80;\n}\n";
        assert_eq!(pool(snippet, None).unwrap().nodes.len(), 1);
        assert!(error("events {}\n", None).starts_with("nginx.conf: no upstream block"));
    }

    #[test]
    fn balancers_other_than_hash_are_refused() {
        let err = error(CONF, Some("plain"));
        assert!(
            err.starts_with("nginx.conf:25: upstream 'plain' has no hash directive"),
            "{err}"
        );
        assert!(err.contains("round robin, which is not key-based"), "{err}");
        let err = error("upstream u { hash $a; ip_hash; server a:1; }", None);
        assert!(err.contains("balances with ip_hash"), "{err}");
        // The last balancing directive wins, as in nginx.
        let p = pool(
            "upstream u { least_conn; hash $a consistent; server a:1; }",
            None,
        )
        .unwrap();
        assert_eq!(p.settings.algo, Some(Algo::NginxConsistent));
    }

    #[test]
    fn nginx_refusals_are_refused_with_lines() {
        for (text, expected) in [
            (
                "upstream u {\n hash $a;\n server a:1 backup;\n}",
                "nginx.conf:3: nginx refuses 'backup' after the hash directive (line 2)",
            ),
            (
                "upstream u {\n hash $a;\n server a:1 wieght=2;\n}",
                "nginx.conf:3: unknown server parameter 'wieght=2'",
            ),
            (
                "upstream u {\n hash $a;\n server a:1 weight=0;\n}",
                "nginx.conf:3: invalid parameter \"weight=0\"",
            ),
            (
                "upstream u {\n hash $a bogus;\n server a:1;\n}",
                "nginx.conf:2: invalid parameter \"bogus\" of hash",
            ),
            (
                "upstream u {\n hash $a;\n server a:1;\n server a:1 weight=2;\n}",
                "nginx.conf:4: server a:1 is listed twice in upstream 'u' (first at nginx.conf:3)",
            ),
            (
                "upstream u {\n hash $a;\n server a:1\n}",
                "nginx.conf:3: directive \"server\" is not terminated by \";\"",
            ),
            (
                "http {\n upstream u {\n hash $a;\n server a:1;\n",
                "nginx.conf:2: unexpected end of file: the block opened here is not closed",
            ),
            (
                "upstream u { hash $a; server a:1; }\n}\n",
                "nginx.conf:2: unexpected \"}\"",
            ),
            (
                "upstream u { hash $a; server \"a:1;\n}\n",
                "nginx.conf:1: unexpected end of file, expecting \"",
            ),
            (
                "upstream u { hash $a; server a:1; include more.conf; }",
                "nginx.conf:1: upstream 'u' uses include",
            ),
            (
                "upstream u { server a:1 backup; hash $a; }",
                "nginx.conf:1: upstream 'u' has no primary server",
            ),
            (
                "upstream u { hash $a; server; }",
                "nginx.conf:1: a server line needs an address",
            ),
        ] {
            let err = error(text, None);
            assert!(err.starts_with(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn tokens_follow_nginx() {
        let text = "upstream 'u' { hash \"$arg_k\"; server 'a:1' weight=2; } # c { ;\n";
        let p = pool(text, Some("u")).unwrap();
        assert_eq!(p.nodes[0].label, "a:1");
        assert_eq!(p.nodes[0].weight, 2);
        // `#` inside a word and `}` inside a word are part of it.
        let tokens = tokenize("a#b c} ${x}y;", "t").unwrap();
        let words: Vec<&Kind> = tokens.iter().map(|t| &t.kind).collect();
        assert_eq!(
            words,
            [
                &Kind::Word("a#b".into()),
                &Kind::Word("c}".into()),
                &Kind::Word("${x}y".into()),
                &Kind::End
            ]
        );
        assert_eq!(unescape(r#"a\"b\\c\td\x"#), "a\"b\\c\td\\x");
    }
}
