//! Compatibility with the real twemproxy (Debian `nutcracker` 0.5.0).
//!
//! Five real `redis-server` backends sit behind one real `nutcracker` with many pools (one
//! listen port each, all on the same five backends). For each pool: flush the backends,
//! SET every test key through the pool, read back from each backend which keys it holds,
//! and check that `ringscope map --nodes nutcracker.yml --pool POOL` names that backend for
//! every key.

mod support;

use std::fmt::Write as _;
use std::time::Instant;

use support::{
    NUTCRACKER, REDIS_SERVER, RedisServer, RespConn, forwarding_conn, mismatch_report,
    parse_map_json, read_owners, require_programs, set_all, show_key, start_nutcracker,
    start_redis_servers, test_keys, try_map_pool, write_keyfile,
};

const BACKENDS: usize = 5;

/// One pool of the generated nutcracker.yml.
struct Pool {
    name: &'static str,
    /// `None` leaves `distribution:` out (twemproxy's default, ketama).
    distribution: Option<&'static str>,
    /// `None` leaves `hash:` out (twemproxy's default, fnv1a_64).
    hash: Option<&'static str>,
    hash_tag: Option<&'static str>,
    weights: [u32; BACKENDS],
    /// Server names (the label ringscope must print); `None` = unnamed (`127.0.0.1:PORT`).
    names: Option<[&'static str; BACKENDS]>,
}

const fn pool(
    name: &'static str,
    distribution: Option<&'static str>,
    hash: Option<&'static str>,
) -> Pool {
    Pool {
        name,
        distribution,
        hash,
        hash_tag: None,
        weights: [1; BACKENDS],
        names: None,
    }
}

fn pools() -> Vec<Pool> {
    vec![
        // The defaults: no `hash:` (fnv1a_64), ketama spelled out.
        pool("ketama_default_hash", Some("ketama"), None),
        // md5 with unequal weights and named servers. Names of different lengths, so that
        // twemproxy's length-first server order differs from both config and byte order.
        Pool {
            weights: [1, 2, 3, 1, 5],
            names: Some(["alpha", "b", "gamma-ray", "delta", "e5"]),
            ..pool("ketama_md5_named", Some("ketama"), Some("md5"))
        },
        pool("ketama_murmur", Some("ketama"), Some("murmur")),
        Pool {
            weights: [1, 2, 1, 3, 1],
            ..pool("modula_fnv1a_64", Some("modula"), Some("fnv1a_64"))
        },
        // hash_tag "{}"; also leaves `distribution:` out (default ketama).
        Pool {
            hash_tag: Some("{}"),
            ..pool("ketama_hash_tag", None, Some("fnv1a_64"))
        },
        // modula + named servers (slot order = length-first name order) + weights + tag.
        Pool {
            hash_tag: Some("{}"),
            weights: [2, 1, 1, 1, 3],
            names: Some(["zz", "a", "mmm", "bbbb", "c"]),
            ..pool("modula_md5_named_tag", Some("modula"), Some("md5"))
        },
        // Every other twemproxy hash, on ketama with equal weights.
        pool(
            "ketama_one_at_a_time",
            Some("ketama"),
            Some("one_at_a_time"),
        ),
        pool("ketama_fnv1_64", Some("ketama"), Some("fnv1_64")),
        pool("ketama_fnv1_32", Some("ketama"), Some("fnv1_32")),
        pool("ketama_fnv1a_32", Some("ketama"), Some("fnv1a_32")),
        pool("ketama_hsieh", Some("ketama"), Some("hsieh")),
        pool("ketama_jenkins", Some("ketama"), Some("jenkins")),
        pool("ketama_crc16", Some("ketama"), Some("crc16")),
        pool("ketama_crc32", Some("ketama"), Some("crc32")),
        pool("ketama_crc32a", Some("ketama"), Some("crc32a")),
    ]
}

fn render_conf(pools: &[Pool], listen: &[u16], backends: &[u16]) -> String {
    let mut y = String::new();
    for (p, port) in pools.iter().zip(listen) {
        let _ = writeln!(y, "{}:", p.name);
        let _ = writeln!(y, "  listen: 127.0.0.1:{port}");
        if let Some(d) = p.distribution {
            let _ = writeln!(y, "  distribution: {d}");
        }
        if let Some(h) = p.hash {
            let _ = writeln!(y, "  hash: {h}");
        }
        if let Some(t) = p.hash_tag {
            let _ = writeln!(y, "  hash_tag: \"{t}\"");
        }
        y.push_str("  redis: true\n  auto_eject_hosts: false\n  timeout: 5000\n");
        y.push_str("  server_connections: 1\n  servers:\n");
        for (i, b) in backends.iter().enumerate() {
            let _ = write!(y, "    - 127.0.0.1:{b}:{}", p.weights[i]);
            if let Some(names) = p.names {
                let _ = write!(y, " {}", names[i]);
            }
            y.push('\n');
        }
    }
    y
}

/// Where each key really went through one pool: the backend index per key, plus the keys
/// whose SET nutcracker refused.
struct Placement {
    owner: Vec<Option<usize>>,
    set_errors: Vec<(usize, String)>,
}

fn place_keys(
    pool_port: u16,
    backends: &[RedisServer],
    conns: &mut [RespConn],
    keys: &[Vec<u8>],
) -> Placement {
    for c in conns.iter_mut() {
        assert!(c.must(&[b"FLUSHALL"]).is_ok(), "FLUSHALL failed");
    }
    // Through the proxy. nutcracker may need a moment to connect to the backends; retry
    // the first SET a few times before the pipelined run.
    let mut conn = forwarding_conn(pool_port, PROBE);
    let replies = set_all(&mut conn, pool_port, keys);
    let set_errors: Vec<(usize, String)> = replies
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_ok())
        .map(|(i, r)| (i, r.describe()))
        .collect();

    let (owner, probe_seen) = read_owners(
        conns
            .iter_mut()
            .enumerate()
            .map(|(b, c)| (b, backends[b].port, c)),
        keys,
        Some(PROBE),
    );
    assert!(probe_seen, "the probe key landed on no backend");
    Placement { owner, set_errors }
}

/// The key of the first SET, outside the test keys.
const PROBE: &[u8] = b"ringscope:probe";

#[test]
fn twemproxy_pools_match_real_nutcracker() {
    let Some(bins) = require_programs("real_twemproxy", &[NUTCRACKER, REDIS_SERVER]) else {
        return;
    };
    let (nutcracker_bin, redis_bin) = (&bins[0], &bins[1]);
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");

    let keys = test_keys();
    let keyfile = tmp.path().join("keys.bin");
    write_keyfile(&keyfile, &keys);

    // Declared after `tmp`, so dropped (killed) before the directory is removed.
    let backends = start_redis_servers(redis_bin, tmp.path(), BACKENDS);
    let backend_ports: Vec<u16> = backends.iter().map(|b| b.port).collect();
    let pools = pools();
    let proxy = start_nutcracker(
        nutcracker_bin,
        tmp.path(),
        "nutcracker",
        pools.len(),
        |listen| render_conf(&pools, listen, &backend_ports),
    );
    let mut conns: Vec<RespConn> = backends.iter().map(RedisServer::connect).collect();
    eprintln!(
        "real_twemproxy: {} keys, {} pools, backends {:?}, conf {}; started in {:.2?}",
        keys.len(),
        pools.len(),
        backend_ports,
        proxy.conf.display(),
        started.elapsed()
    );

    let mut failures = Vec::new();
    for (p, &port) in pools.iter().zip(&proxy.listen) {
        let t = Instant::now();
        let placed = place_keys(port, &backends, &mut conns, &keys);
        let labels: Vec<String> = (0..BACKENDS)
            .map(|b| match p.names {
                Some(names) => names[b].to_string(),
                None => backends[b].label(),
            })
            .collect();
        if !placed.set_errors.is_empty() {
            let mut s = format!(
                "pool {}: nutcracker refused {} SETs:",
                p.name,
                placed.set_errors.len()
            );
            for (i, e) in placed.set_errors.iter().take(10) {
                let _ = write!(s, "\n    {}: {e}", show_key(&keys[*i]));
            }
            failures.push(s);
        }
        // Keys whose SET failed are compared only if they landed anyway (they should not).
        let compared: Vec<usize> = (0..keys.len())
            .filter(|&i| placed.owner[i].is_some())
            .collect();
        let lost = keys.len()
            - compared.len()
            - placed
                .set_errors
                .iter()
                .filter(|(i, _)| placed.owner[*i].is_none())
                .count();
        if lost > 0 {
            failures.push(format!(
                "pool {}: {lost} keys were SET successfully but found on no backend",
                p.name
            ));
        }

        let out = match try_map_pool(&proxy.conf, p.name, &keyfile) {
            Ok(out) => out,
            Err(e) => {
                failures.push(format!("pool {}: {e}", p.name));
                continue;
            }
        };
        let rows = match parse_map_json(&out.stdout, &keys) {
            Ok(rows) => rows,
            Err(e) => {
                failures.push(format!("pool {}: {e}", p.name));
                continue;
            }
        };
        let sub_keys: Vec<Vec<u8>> = compared.iter().map(|&i| keys[i].clone()).collect();
        let predicted: Vec<String> = compared.iter().map(|&i| rows[i].node.clone()).collect();
        let actual: Vec<String> = compared
            .iter()
            .map(|&i| labels[placed.owner[i].expect("compared")].clone())
            .collect();
        let mut spread = vec![0usize; BACKENDS];
        for o in placed.owner.iter().flatten() {
            spread[*o] += 1;
        }
        match mismatch_report(&format!("pool {}", p.name), &sub_keys, &predicted, &actual) {
            Some(report) => failures.push(report),
            None => eprintln!(
                "real_twemproxy: pool {:<22} {} keys all match (per backend {:?}); \
                 ringscope {:.2?}, pool total {:.2?}",
                p.name,
                compared.len(),
                spread,
                out.elapsed,
                t.elapsed()
            ),
        }
    }
    eprintln!("real_twemproxy: finished in {:.2?}", started.elapsed());
    assert!(
        failures.is_empty(),
        "{} of {} pools disagree with real nutcracker:\n{}",
        failures.len(),
        pools.len(),
        failures.join("\n")
    );
}

/// Directives: what `nutcracker -t` accepts, ringscope accepts, and what it refuses (a
/// misspelt `distribution`, a directive of a later version), ringscope refuses too.
#[test]
fn pool_directives_are_accepted_and_refused_as_nutcracker_does() {
    let Some(bins) = require_programs("real_twemproxy directives", &[NUTCRACKER]) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let directives = [
        "listen: 127.0.0.1:22121",
        "hash: md5",
        "hash_tag: \"{}\"",
        "distribution: modula",
        "timeout: 400",
        "backlog: 1024",
        "client_connections: 10",
        "redis: true",
        "tcpkeepalive: true",
        "redis_db: 0",
        "preconnect: false",
        "auto_eject_hosts: true",
        "server_connections: 1",
        "server_retry_timeout: 2000",
        "server_failure_limit: 3",
        "distrbution: modula",
        "reuseport: true",
        "hash_tags: \"{}\"",
        "servers_: [\"127.0.0.1:6380:1\"]",
    ];
    for (i, directive) in directives.iter().enumerate() {
        let listen = if directive.starts_with("listen") {
            ""
        } else {
            "  listen: 127.0.0.1:22121\n"
        };
        let conf = tmp.path().join(format!("pool{i}.yml"));
        std::fs::write(
            &conf,
            format!("alpha:\n{listen}  {directive}\n  servers:\n   - 127.0.0.1:6379:1 a\n"),
        )
        .unwrap();
        let real = std::process::Command::new(&bins[0])
            .arg("-t")
            .arg("-c")
            .arg(&conf)
            .output()
            .expect("nutcracker -t runs");
        let ours = std::process::Command::new(support::ringscope_bin())
            .args(["ring", "--nodes"])
            .arg(&conf)
            .output()
            .expect("ringscope runs");
        assert_eq!(
            ours.status.success(),
            real.status.success(),
            "{directive}: nutcracker says {}, ringscope {}",
            String::from_utf8_lossy(&real.stderr).trim(),
            String::from_utf8_lossy(&ours.stderr).trim()
        );
    }
}
