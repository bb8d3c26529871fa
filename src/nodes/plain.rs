//! The plain node list: one node per line, `ADDR[:WEIGHT] [NAME]` or `ADDR [WEIGHT] [NAME]`,
//! with `#` comments and blank lines.

use super::{Address, Node, parse_weight};
use crate::error::{Error, Location, Result};

pub fn parse(text: &str, source: &str) -> Result<Vec<Node>> {
    let mut nodes = Vec::new();
    for (index, line) in text.lines().enumerate() {
        match parse_line(line, Location::new(source, Some(index + 1))) {
            Ok(Some(node)) => nodes.push(node),
            Ok(None) => {}
            // Not even the first line reads as a node: perhaps keys were given as --nodes.
            Err(Error::Input { location, message }) if nodes.is_empty() => {
                return Err(Error::input(
                    location,
                    format!(
                        "{message}; if {source} holds keys, give it after the options, not to --nodes"
                    ),
                ));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(nodes)
}

/// One line; `None` for blank and comment lines.
pub fn parse_line(line: &str, at: Location) -> Result<Option<Node>> {
    let content = strip_comment(line).trim();
    if content.is_empty() {
        return Ok(None);
    }
    let mut fields = content.split_whitespace();
    let first = fields.next().expect("content is not blank");
    let (address_text, mut weight) = split_colon_weight(first, &at)?;
    let mut name = None;
    for field in fields {
        if weight.is_none() && name.is_none() && looks_numeric(field) {
            weight = Some(parse_weight(field, &at)?);
        } else if name.is_none() {
            name = Some(field.to_string());
        } else {
            return Err(Error::input(
                at,
                format!(
                    "unexpected '{field}'; a node line is ADDR[:WEIGHT] [NAME] or ADDR [WEIGHT] [NAME]"
                ),
            ));
        }
    }
    let address = Address::parse(address_text, &at).map_err(|e| match e {
        // The address the message quotes is not what was typed when a weight was split off.
        Error::Input { location, message } if address_text != first => Error::input(
            location,
            format!("{message} (in '{first}', read as ADDR:WEIGHT)"),
        ),
        other => other,
    })?;
    if weight.is_none() {
        check_port_is_no_weight(&address, &at)?;
    }
    Ok(Some(Node::new(address, weight.unwrap_or(1), name, at)))
}

/// Ports below 1024 that the servers people shard over do listen on (HTTP behind nginx,
/// haproxy or Envoy); any other port that low after a bare name is a weight in disguise.
const LOW_PORTS_IN_USE: [u16; 2] = [80, 443];

/// `cache-a:3` reads as host `cache-a`, port 3: nearly always a weight written the way
/// `ADDR:WEIGHT` is written after a port. Refused with how to write either.
fn check_port_is_no_weight(address: &Address, at: &Location) -> Result<()> {
    let Address::Tcp { host, port, text } = address else {
        return Ok(());
    };
    let bare_name = !host.contains(['.', ':', '[']);
    if bare_name && *port < 1024 && !LOW_PORTS_IN_USE.contains(port) {
        return Err(Error::input(
            at.clone(),
            format!(
                "'{text}' reads as host {host}, port {port}, which no cache listens on; for a weight write {host}:PORT:{port} or '{host} {port}' (a port that low needs the host's address or full name)"
            ),
        ));
    }
    Ok(())
}

/// `#` starts a comment at the start of a line or after whitespace (so `#` inside a name stays).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// Splits a trailing `:WEIGHT` off an address: `host:port:weight`, `[v6]:port:weight` and
/// `/path:weight` carry one; `host:port` and bare names do not.
fn split_colon_weight<'a>(field: &'a str, at: &Location) -> Result<(&'a str, Option<u32>)> {
    let after_brackets = if field.starts_with('[') {
        field.find(']').unwrap_or(0)
    } else {
        0
    };
    let colons = field[after_brackets..].matches(':').count();
    let has_weight = if field.starts_with('/') {
        colons >= 1
    } else {
        colons >= 2
    };
    if !has_weight {
        return Ok((field, None));
    }
    let colon = field.rfind(':').expect("counted a colon");
    Ok((
        &field[..colon],
        Some(parse_weight(&field[colon + 1..], at)?),
    ))
}

fn looks_numeric(field: &str) -> bool {
    let digits = field.trim_start_matches(['-', '+']);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Node {
        parse_line(line, Location::new("p", Some(1)))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn all_line_forms() {
        let n = one("10.0.0.1:6379:2 cache-a");
        assert_eq!(
            (n.label.as_str(), n.weight, n.address.to_string()),
            ("cache-a", 2, "10.0.0.1:6379".into())
        );
        let n = one("10.0.0.1:6379 3 cache-b  # comment");
        assert_eq!((n.label.as_str(), n.weight), ("cache-b", 3));
        let n = one("10.0.0.1:6379 cache-c");
        assert_eq!((n.label.as_str(), n.weight), ("cache-c", 1));
        let n = one("[::1]:6379:4");
        assert_eq!((n.label.as_str(), n.weight), ("[::1]:6379", 4));
        let n = one("/tmp/r.sock:2 local");
        assert_eq!((n.address.to_string(), n.weight), ("/tmp/r.sock".into(), 2));
        let n = one("memcache-1 5");
        assert_eq!((n.label.as_str(), n.weight), ("memcache-1", 5));
        let n = one("web-1:80");
        assert_eq!((n.label.as_str(), n.weight), ("web-1:80", 1));
        let n = one("10.0.0.1:3");
        assert_eq!((n.label.as_str(), n.weight), ("10.0.0.1:3", 1));
    }

    #[test]
    fn a_low_port_after_a_bare_name_is_taken_for_a_weight() {
        let err = parse_line("cache-a:3", Location::new("--node #1", None))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "--node #1: 'cache-a:3' reads as host cache-a, port 3, which no cache listens on; for a weight write cache-a:PORT:3 or 'cache-a 3' (a port that low needs the host's address or full name)"
        );
        assert_eq!(one("cache-a 3").weight, 3);
        assert_eq!(one("cache-a:6379").weight, 1);
    }

    #[test]
    fn a_first_line_that_is_no_node_may_be_a_key_file() {
        let err = parse("# keys\nuser:1000:profile\n", "keys.txt").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("keys.txt:2: weight 'profile' is not a whole number")
                && err.to_string().ends_with(
                    "; if keys.txt holds keys, give it after the options, not to --nodes"
                ),
            "{err}"
        );
        let err = parse("10.0.0.1:6379\n10.0.0.2:x:y\n", "p").unwrap_err();
        assert!(!err.to_string().contains("holds keys"), "{err}");
    }

    #[test]
    fn comments_and_blanks() {
        let nodes = parse("# pool\n\n  10.0.0.1:6379 # first\n10.0.0.2:6379\n", "p").unwrap();
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[1].origin, Location::new("p", Some(4)));
    }

    #[test]
    fn errors_name_the_line() {
        for bad in [
            "10.0.0.1:6379:0",
            "10.0.0.1:6379 -2",
            "10.0.0.1:6379:x",
            "10.0.0.1:6379 a b",
            "10.0.0.1:99999",
            "10.0.0.1::6379",
        ] {
            let err = parse_line(bad, Location::new("p", Some(7)))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("p:7: "), "{bad}: {err}");
        }
        let err = parse_line("10.0.0.1::6379", Location::new("p", Some(1))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "p:1: port '' in '10.0.0.1:' is not a port number (1-65535) (in '10.0.0.1::6379', read as ADDR:WEIGHT)"
        );
    }
}
