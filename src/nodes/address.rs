//! Server addresses as node lists write them: `host:port`, `[v6]:port`, a unix socket path or a
//! bare name. The text is kept as written because twemproxy hashes it verbatim.

use std::fmt;

use crate::error::{Error, Location, Result};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    /// `host:port`; `text` is exactly what the source wrote (e.g. a port `06379` stays so).
    Tcp {
        host: String,
        port: u16,
        text: String,
    },
    /// A unix socket path.
    Unix { path: String },
    /// A name without a port.
    Bare { name: String },
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp { text, .. } => f.write_str(text),
            Address::Unix { path } => f.write_str(path),
            Address::Bare { name } => f.write_str(name),
        }
    }
}

impl Address {
    /// Parses `host:port`, `[v6]:port`, `/path` or a bare name.
    pub fn parse(text: &str, at: &Location) -> Result<Address> {
        if text.is_empty() {
            return Err(Error::input(at.clone(), "empty address"));
        }
        if text.starts_with('/') {
            return Ok(Address::Unix {
                path: text.to_string(),
            });
        }
        let Some(colon) = port_colon(text) else {
            if text.starts_with('[') {
                return Err(Error::input(
                    at.clone(),
                    format!("address '{text}' has no port; write [v6]:port"),
                ));
            }
            return Ok(Address::Bare {
                name: text.to_string(),
            });
        };
        let (host, port_text) = (&text[..colon], &text[colon + 1..]);
        if host.is_empty() || host == "[]" {
            return Err(Error::input(
                at.clone(),
                format!("address '{text}' has no host; write host:port"),
            ));
        }
        if host.contains(':') && !host.starts_with('[') {
            return Err(Error::input(
                at.clone(),
                format!(
                    "address '{text}' is ambiguous; write IPv6 addresses in brackets, e.g. [::1]:6379"
                ),
            ));
        }
        let port = parse_port(port_text).ok_or_else(|| {
            Error::input(
                at.clone(),
                format!("port '{port_text}' in '{text}' is not a port number (1-65535)"),
            )
        })?;
        Ok(Address::Tcp {
            host: host.to_string(),
            port,
            text: text.to_string(),
        })
    }
}

impl Address {
    /// `host:port` split at the last ':' with the host kept verbatim, as twemproxy's
    /// `conf_add_server` and Redis's `CLUSTER NODES` write them: a bare IPv6 address
    /// (`2001:db8::1:6379`) keeps its colons, and the host may be empty (Redis prints
    /// `:7000` for a node that does not know its own address yet).
    pub fn parse_verbatim(text: &str, at: &Location) -> Result<Address> {
        let (host, port_text) = text.rsplit_once(':').ok_or_else(|| {
            Error::input(
                at.clone(),
                format!("address '{text}' has no port; write host:port"),
            )
        })?;
        let port = parse_port(port_text).ok_or_else(|| {
            Error::input(
                at.clone(),
                format!("port '{port_text}' in '{text}' is not a port number (1-65535)"),
            )
        })?;
        Ok(Address::Tcp {
            host: host.to_string(),
            port,
            text: text.to_string(),
        })
    }
}

/// The colon that separates host and port: the last one, outside any `[v6]` brackets.
fn port_colon(text: &str) -> Option<usize> {
    let search_from = if text.starts_with('[') {
        text.find(']')?
    } else {
        0
    };
    text[search_from..].rfind(':').map(|i| i + search_from)
}

fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u16>().ok().filter(|&p| p > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Address> {
        Address::parse(text, &Location::new("t", Some(1)))
    }

    #[test]
    fn forms() {
        assert_eq!(
            parse("10.0.0.1:06379").unwrap(),
            Address::Tcp {
                host: "10.0.0.1".into(),
                port: 6379,
                text: "10.0.0.1:06379".into()
            }
        );
        assert_eq!(
            parse("[::1]:6379").unwrap(),
            Address::Tcp {
                host: "[::1]".into(),
                port: 6379,
                text: "[::1]:6379".into()
            }
        );
        assert_eq!(
            parse("/var/run/r.sock").unwrap(),
            Address::Unix {
                path: "/var/run/r.sock".into()
            }
        );
        assert_eq!(
            parse("cache-a").unwrap(),
            Address::Bare {
                name: "cache-a".into()
            }
        );
    }

    #[test]
    fn redis_prints_ipv6_without_brackets() {
        let at = Location::new("t", Some(1));
        assert_eq!(
            Address::parse_verbatim("2001:db8::1:6379", &at).unwrap(),
            Address::Tcp {
                host: "2001:db8::1".into(),
                port: 6379,
                text: "2001:db8::1:6379".into()
            }
        );
        assert_eq!(
            Address::parse_verbatim("10.0.0.1:7000", &at).unwrap(),
            parse("10.0.0.1:7000").unwrap()
        );
        assert!(Address::parse_verbatim("2001:db8::1:x", &at).is_err());
        assert_eq!(
            Address::parse_verbatim(":7000", &at).unwrap(),
            Address::Tcp {
                host: String::new(),
                port: 7000,
                text: ":7000".into()
            }
        );
    }

    #[test]
    fn refusals() {
        for bad in [
            "10.0.0.1:0",
            "10.0.0.1:65536",
            "10.0.0.1:http",
            ":6379",
            "::1:6379",
            "[::1]",
            "h:",
        ] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(err.starts_with("t:1: "), "{bad}: {err}");
        }
    }
}
