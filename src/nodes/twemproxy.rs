//! twemproxy's `nutcracker.yml`: one or more pools, each a mapping with `servers:` entries
//! `host:port:weight [name]` (parsed from the right, as `conf_add_server` does) and the
//! `distribution`, `hash`, `hash_tag` and `auto_eject_hosts` keys.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, ScanError, YamlData};
use saphyr_parser::{Event, Parser};

use super::{Address, Format, Node, Pool, PoolSettings, parse_weight};
use crate::error::{Error, Location, Result};
use crate::hash;
use crate::ring::{Algo, HashTag};

/// The hash names twemproxy 0.5.0 accepts (`nc_conf.c : hash_strings`).
const TWEMPROXY_HASHES: [&str; 12] = [
    "one_at_a_time",
    "md5",
    "crc16",
    "crc32",
    "crc32a",
    "fnv1_64",
    "fnv1a_64",
    "fnv1_32",
    "fnv1a_32",
    "hsieh",
    "murmur",
    "jenkins",
];

/// The directives of a pool that nutcracker 0.5.0 knows (`nc_conf.c : conf_commands`); it
/// refuses any other (`conf_handler`: "directive ... is unknown"), so a misspelt
/// `distribution` is an error there, never a silent default.
const TWEMPROXY_DIRECTIVES: [&str; 17] = [
    "listen",
    "hash",
    "hash_tag",
    "distribution",
    "timeout",
    "backlog",
    "client_connections",
    "redis",
    "tcpkeepalive",
    "redis_auth",
    "redis_db",
    "preconnect",
    "auto_eject_hosts",
    "server_connections",
    "server_retry_timeout",
    "server_failure_limit",
    "servers",
];

pub fn parse(text: &str, source: &str, wanted: Option<&str>) -> Result<Pool> {
    refuse_anchors(text, source)?;
    let documents = MarkedYaml::load_from_str(text).map_err(|e| syntax_error(&e, source))?;
    let at = |node: &MarkedYaml| Location::new(source, Some(node.span.start.line()));
    if let Some(second) = documents.get(1) {
        return Err(Error::input(
            at(second),
            "a second YAML document ('---'); nutcracker reads one: put every pool in one document",
        ));
    }
    let root = documents.first().ok_or_else(|| {
        Error::input(
            Location::new(source, None),
            "empty nutcracker.yml; define at least one pool",
        )
    })?;
    let YamlData::Mapping(pools) = &root.data else {
        return Err(Error::input(
            at(root),
            "a nutcracker.yml is a mapping of pool names to pools",
        ));
    };
    let names: Vec<String> = pools
        .keys()
        .map(|k| scalar_text(k).unwrap_or_default())
        .collect();
    let index = match wanted {
        Some(wanted) => names.iter().position(|n| n == wanted).ok_or_else(|| {
            let valid: Vec<&str> = names.iter().map(String::as_str).collect();
            Error::usage(format!(
                "{source}: {}",
                crate::names::unknown("pool", wanted, &valid)
            ))
        })?,
        None if names.len() == 1 => 0,
        None => {
            return Err(Error::usage(format!(
                "{source} has {} pools ({}); choose one with --pool NAME",
                names.len(),
                names.join(", ")
            )));
        }
    };
    let (pool_key, pool) = pools.iter().nth(index).expect("index is within the pools");
    let YamlData::Mapping(pool) = &pool.data else {
        return Err(Error::input(
            at(pool_key),
            format!("pool '{}' is not a mapping of settings", names[index]),
        ));
    };

    let mut settings = PoolSettings::default();
    let mut nodes = Vec::new();
    for (key, value) in pool {
        let location = at(value);
        let text = scalar_text(value);
        let text_or_err = |what: &str| {
            text.clone().ok_or_else(|| {
                Error::input(location.clone(), format!("'{what}' must be a single value"))
            })
        };
        match scalar_text(key).as_deref() {
            Some("distribution") => {
                settings.algo = Some(match text_or_err("distribution")?.as_str() {
                    "ketama" => Algo::Ketama,
                    "modula" => Algo::Modula,
                    "random" => {
                        return Err(Error::input(
                            location,
                            "distribution 'random' picks servers with random(): no tool can predict it",
                        ));
                    }
                    other => {
                        return Err(Error::input(
                            location,
                            crate::names::unknown(
                                "distribution",
                                other,
                                &["ketama", "modula", "random"],
                            ),
                        ));
                    }
                })
            }
            Some("hash") => {
                let name = text_or_err("hash")?;
                if !TWEMPROXY_HASHES.contains(&name.as_str()) {
                    return Err(Error::input(
                        location,
                        crate::names::unknown("hash", &name, &TWEMPROXY_HASHES),
                    ));
                }
                settings.hash = Some(hash::by_name(&name)?);
            }
            Some("hash_tag") => {
                let tag = text_or_err("hash_tag")?;
                settings.hash_tag =
                    Some(HashTag::parse(&tag).map_err(|e| Error::input(location, e.to_string()))?);
            }
            Some("auto_eject_hosts") => {
                // nutcracker reads the scalar's text, so a quoted "true" is true too.
                settings.auto_eject_hosts = match text.as_deref() {
                    Some("true") => true,
                    Some("false") => false,
                    _ => {
                        return Err(Error::input(
                            location,
                            "auto_eject_hosts must be true or false",
                        ));
                    }
                }
            }
            Some("servers") => {
                if matches!(value.data, YamlData::Value(Scalar::Null)) {
                    continue;
                }
                let YamlData::Sequence(servers) = &value.data else {
                    return Err(Error::input(
                        location,
                        "servers must be a list of 'host:port:weight [name]' entries",
                    ));
                };
                for server in servers {
                    let location = at(server);
                    let text = scalar_text(server).ok_or_else(|| {
                        Error::input(
                            location.clone(),
                            "a server entry must be a string 'host:port:weight [name]'",
                        )
                    })?;
                    nodes.push(parse_server(&text, location)?);
                }
            }
            Some(directive) if TWEMPROXY_DIRECTIVES.contains(&directive) => {}
            other => {
                let name =
                    other.map_or_else(|| "?".to_string(), |n| crate::keys::shown(n.as_bytes(), 40));
                return Err(Error::input(
                    at(key),
                    format!(
                        "nutcracker refuses this pool: {}",
                        crate::names::unknown("directive", &name, &TWEMPROXY_DIRECTIVES)
                    ),
                ));
            }
        }
    }
    if nodes.is_empty() {
        return Err(Error::input(
            at(pool_key),
            format!(
                "pool '{}' has no servers; add a servers: list",
                names[index]
            ),
        ));
    }
    Ok(Pool {
        format: Format::Twemproxy,
        nodes,
        settings,
    })
}

fn syntax_error(error: &ScanError, source: &str) -> Error {
    Error::input(
        Location::new(source, Some(error.marker().line())),
        format!("YAML syntax error: {}", error.info()),
    )
}

/// Refuses anchors (`&name`) and aliases (`*name`) from the parser's events, before any
/// document is built. nutcracker refuses them (`conf_validate_tokens` in `nc_conf.c`), and
/// expanding aliases is how a file of a few hundred bytes becomes billions of nodes ("billion
/// laughs"; saphyr's own budget does not count what aliases put inside mapping keys).
fn refuse_anchors(text: &str, source: &str) -> Result<()> {
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| syntax_error(&e, source))?;
        let what = match event {
            Event::Alias(_) => "an alias",
            Event::Scalar(_, _, anchor, _)
            | Event::SequenceStart(anchor, _)
            | Event::MappingStart(anchor, _)
                if anchor > 0 =>
            {
                "an anchor"
            }
            _ => continue,
        };
        return Err(Error::input(
            Location::new(source, Some(span.start.line())),
            format!(
                "{what}; nutcracker refuses YAML anchors (&name) and aliases (*name): write each value out"
            ),
        ));
    }
    Ok(())
}

/// `host:port:weight [name]` or `/socket/path:weight [name]`, split from the right as
/// `conf_add_server` does: the name follows the last space (a trailing space gives an empty
/// name, which twemproxy keeps), the weight the last ':', the port the one before; the host
/// is kept verbatim, so a bare IPv6 address keeps its colons.
fn parse_server(text: &str, at: Location) -> Result<Node> {
    let shape_error = || {
        Error::input(
            at.clone(),
            format!(
                "server '{text}' is not 'host:port:weight [name]' (or '/socket/path:weight [name]'), as twemproxy requires"
            ),
        )
    };
    let (spec, name) = match text.rsplit_once(' ') {
        Some((spec, name)) => (spec, Some(name.to_string())),
        None => (text, None),
    };
    if spec.is_empty() || spec.contains(' ') {
        return Err(shape_error());
    }
    let (address, weight) = spec.rsplit_once(':').ok_or_else(shape_error)?;
    let weight = parse_weight(weight, &at)?;
    let address = if address.starts_with('/') {
        Address::Unix {
            path: address.to_string(),
        }
    } else if !address.contains(':') {
        return Err(shape_error());
    } else {
        match Address::parse_verbatim(address, &at)? {
            Address::Tcp { host, .. } if host.is_empty() => return Err(shape_error()),
            address => address,
        }
    };
    Ok(Node::new(address, weight, name, at))
}

fn scalar_text(node: &MarkedYaml) -> Option<String> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        YamlData::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
        YamlData::Representation(s, _, _) => Some(s.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_POOLS: &str = "\
alpha:
  listen: 127.0.0.1:22121
  hash: md5
  distribution: ketama
  hash_tag: \"{}\"
  auto_eject_hosts: true
  servers:
   - 127.0.0.1:6379:1 cache-a
   - 127.0.0.1:6380:2
beta:
  listen: 127.0.0.1:22122
  distribution: modula
  servers:
   - 10.0.0.1:11211:1
";

    #[test]
    fn reads_a_chosen_pool_with_its_settings() {
        let pool = parse(TWO_POOLS, "n.yml", Some("alpha")).unwrap();
        assert_eq!(pool.settings.algo, Some(Algo::Ketama));
        assert_eq!(pool.settings.hash.unwrap().name, "md5");
        assert_eq!(pool.settings.hash_tag, Some(HashTag::REDIS));
        assert!(pool.settings.auto_eject_hosts);
        let labels: Vec<&str> = pool.nodes.iter().map(|n| n.label.as_str()).collect();
        assert_eq!(labels, ["cache-a", "127.0.0.1:6380"]);
        assert_eq!(pool.nodes[1].weight, 2);
        assert_eq!(pool.nodes[1].origin, Location::new("n.yml", Some(9)));
        let beta = parse(TWO_POOLS, "n.yml", Some("beta")).unwrap();
        assert_eq!(beta.settings.algo, Some(Algo::Modula));
        assert!(beta.settings.hash.is_none());
    }

    #[test]
    fn several_pools_need_a_choice() {
        let err = parse(TWO_POOLS, "n.yml", None).unwrap_err().to_string();
        assert_eq!(
            err,
            "n.yml has 2 pools (alpha, beta); choose one with --pool NAME"
        );
        let err = parse(TWO_POOLS, "n.yml", Some("alpah"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean 'alpha'"), "{err}");
    }

    #[test]
    fn errors_carry_lines() {
        let bad_hash = "p:\n  hash: xxh3\n  servers:\n   - 127.0.0.1:6379:1\n";
        assert!(
            parse(bad_hash, "n.yml", None)
                .unwrap_err()
                .to_string()
                .starts_with("n.yml:2: unknown hash 'xxh3'")
        );
        let zero = "p:\n  servers:\n   - 127.0.0.1:6379:1\n   - 127.0.0.1:6380:0\n";
        assert!(
            parse(zero, "n.yml", None)
                .unwrap_err()
                .to_string()
                .starts_with("n.yml:4: weight '0' is not a whole number")
        );
        let no_weight = "p:\n  servers:\n   - 127.0.0.1:6379\n";
        assert!(
            parse(no_weight, "n.yml", None)
                .unwrap_err()
                .to_string()
                .starts_with("n.yml:3: server")
        );
        let syntax = "p:\n  servers: [\n";
        assert!(
            parse(syntax, "n.yml", None)
                .unwrap_err()
                .to_string()
                .contains("YAML syntax error")
        );
        let empty = "p:\n  listen: 127.0.0.1:1\n  servers:\n";
        assert!(
            parse(empty, "n.yml", None)
                .unwrap_err()
                .to_string()
                .contains("has no servers")
        );
    }

    #[test]
    fn anchors_and_aliases_are_refused_as_nutcracker_does() {
        let aliased = "a:\n  servers: &s\n   - 127.0.0.1:6379:1\nb:\n  servers: *s\n";
        let err = parse(aliased, "n.yml", Some("a")).unwrap_err().to_string();
        assert!(
            err.starts_with("n.yml:2: an anchor; nutcracker refuses"),
            "{err}"
        );
        let anchored = "a:\n  hash: &h md5\n  servers:\n   - 127.0.0.1:6379:1\n";
        let err = parse(anchored, "n.yml", None).unwrap_err().to_string();
        assert!(err.starts_with("n.yml:2: an anchor;"), "{err}");
        // An alias of an unknown anchor is still an alias.
        let alias = "a:\n  servers:\n   - 127.0.0.1:6379:1\n  hash: *h\n";
        let err = parse(alias, "n.yml", None).unwrap_err().to_string();
        assert!(err.starts_with("n.yml:4: "), "{err}");
        // '&' and '*' inside a value are text, not anchors.
        let text = "a:\n  servers:\n   - 127.0.0.1:6379:1 x&y*z\n";
        assert_eq!(parse(text, "n.yml", None).unwrap().nodes[0].label, "x&y*z");
    }

    #[test]
    fn unix_sockets() {
        let yml = "p:\n  servers:\n   - /tmp/redis.sock:2 local\n";
        let pool = parse(yml, "n.yml", None).unwrap();
        assert_eq!(
            pool.nodes[0].address,
            Address::Unix {
                path: "/tmp/redis.sock".into()
            }
        );
        assert_eq!(pool.nodes[0].weight, 2);
    }

    #[test]
    fn server_strings_parse_from_the_right_as_twemproxy_does() {
        let yml = "p:\n  servers:\n   - ::1:23001:1\n   - \"127.0.0.1:23002:1 \"\n";
        let pool = parse(yml, "n.yml", None).unwrap();
        // A bare IPv6 host keeps its colons; nutcracker labels it `::1:23001`.
        assert_eq!(pool.nodes[0].label, "::1:23001");
        assert_eq!(pool.nodes[0].continuum_name(), "::1:23001");
        // A trailing space gives an empty name: twemproxy hashes "-0", "-1", ...
        assert_eq!(pool.nodes[1].continuum_name(), "");
        assert_eq!(pool.nodes[1].label, "127.0.0.1:23002");
        for refused in [
            "127.0.0.1:23001:1  a",
            "127.0.0.1:23001:+1",
            "127.0.0.1:23001",
            ":23001:1",
        ] {
            let yml = format!("p:\n  servers:\n   - \"{refused}\"\n");
            let err = parse(&yml, "n.yml", None).unwrap_err().to_string();
            assert!(err.starts_with("n.yml:3: "), "{refused}: {err}");
        }
    }
}
