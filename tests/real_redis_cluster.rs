//! Compatibility with real Redis Cluster (Debian `redis-server`/`redis-tools` 7.0.15).
//!
//! (a) `CLUSTER KEYSLOT` of a real cluster-enabled server against the `"slot"` that
//!     `ringscope map --preset redis-cluster` prints, for every test key.
//! (b) A real 3-master cluster made by `redis-cli --cluster create`: the owner of every key
//!     (node 1 answers the GET itself, or `-MOVED <slot> <ip:port>`) against
//!     `ringscope map --nodes <CLUSTER NODES output>` and against
//!     `ringscope map --preset redis-cluster --node ... --node ... --node ...`
//!     (addresses only: ringscope reproduces the even split of `--cluster create`).

mod support;

use std::ffi::{OsStr, OsString};
use std::time::{Duration, Instant};

use support::{
    REDIS_CLI, REDIS_SERVER, Resp, mismatch_report, parse_map_json, require_programs,
    run_ringscope, run_with_timeout, show_key, start_redis, test_keys, wait_for, write_keyfile,
};

fn map_json(args: &[&OsStr], keyfile: &std::path::Path) -> Vec<OsString> {
    let mut v: Vec<OsString> = vec!["map".into()];
    v.extend(args.iter().map(|a| a.to_os_string()));
    v.extend(["-0".into(), "--format".into(), "json".into()]);
    v.push(keyfile.as_os_str().to_os_string());
    v
}

fn run_map(args: &[OsString]) -> support::RunOutput {
    let refs: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
    run_ringscope(&refs)
}

#[test]
fn keyslot_matches_real_redis() {
    let Some(bins) = require_programs("real_redis_cluster (keyslot)", &[REDIS_SERVER]) else {
        return;
    };
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = test_keys();
    let keyfile = tmp.path().join("keys.bin");
    write_keyfile(&keyfile, &keys);

    let server = start_redis(&bins[0], tmp.path(), "keyslot", true);
    let mut conn = server.connect();
    let cmds: Vec<Vec<&[u8]>> = keys
        .iter()
        .map(|k| vec![&b"CLUSTER"[..], b"KEYSLOT", k.as_slice()])
        .collect();
    let replies = conn.pipeline(&cmds).expect("pipelined CLUSTER KEYSLOT");
    let real: Vec<String> = replies
        .iter()
        .zip(&keys)
        .map(|(r, k)| match r {
            Resp::Int(s) if (0..16384).contains(s) => s.to_string(),
            other => panic!(
                "CLUSTER KEYSLOT {} answered {}",
                show_key(k),
                other.describe()
            ),
        })
        .collect();
    let real_elapsed = started.elapsed();

    let label = server.label();
    let out = run_map(&map_json(
        &[
            OsStr::new("--preset"),
            OsStr::new("redis-cluster"),
            OsStr::new("--node"),
            OsStr::new(&label),
        ],
        &keyfile,
    ));
    let rows = parse_map_json(&out.stdout, &keys).unwrap_or_else(|e| panic!("{e}"));
    let predicted: Vec<String> = rows
        .iter()
        .map(|r| match r.slot {
            Some(s) => s.to_string(),
            None => "(no \"slot\" field)".to_string(),
        })
        .collect();
    let wrong_node = rows.iter().filter(|r| r.node != label).count();
    let report = mismatch_report(
        "CLUSTER KEYSLOT vs ringscope \"slot\"",
        &keys,
        &predicted,
        &real,
    );
    eprintln!(
        "real_redis_cluster (keyslot): {} keys; redis {:.2?}, ringscope {:.2?}, total {:.2?}",
        keys.len(),
        real_elapsed,
        out.elapsed,
        started.elapsed()
    );
    assert!(report.is_none(), "{}", report.unwrap_or_default());
    assert_eq!(
        wrong_node, 0,
        "with the single node {label}, {wrong_node} keys were given another label"
    );
}

/// Parses `MOVED <slot> <host:port>`.
fn moved_target(err: &[u8]) -> Option<(u16, String)> {
    let text = std::str::from_utf8(err).ok()?;
    let mut parts = text.split(' ');
    if parts.next()? != "MOVED" {
        return None;
    }
    let slot = parts.next()?.parse().ok()?;
    let addr = parts.next()?.to_string();
    parts.next().is_none().then_some((slot, addr))
}

#[test]
fn cluster_owners_match_real_cluster() {
    let Some(bins) = require_programs("real_redis_cluster (3 masters)", &[REDIS_SERVER, REDIS_CLI])
    else {
        return;
    };
    let (redis_bin, cli_bin) = (&bins[0], &bins[1]);
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = test_keys();
    let keyfile = tmp.path().join("keys.bin");
    write_keyfile(&keyfile, &keys);

    let servers: Vec<_> = (1..=3)
        .map(|i| start_redis(redis_bin, tmp.path(), &format!("node{i}"), true))
        .collect();
    let labels: Vec<String> = servers.iter().map(|s| s.label()).collect();

    let mut create_args: Vec<OsString> = vec!["--cluster".into(), "create".into()];
    create_args.extend(labels.iter().map(OsString::from));
    create_args.extend(
        ["--cluster-replicas", "0", "--cluster-yes"]
            .iter()
            .map(OsString::from),
    );
    let create_refs: Vec<&OsStr> = create_args.iter().map(OsString::as_os_str).collect();
    let create = run_with_timeout(cli_bin, &create_refs, Duration::from_secs(60));
    assert!(
        create.status.success(),
        "redis-cli --cluster create failed ({}):\n{}{}",
        create.status,
        String::from_utf8_lossy(&create.stdout),
        String::from_utf8_lossy(&create.stderr)
    );

    let mut conns: Vec<_> = servers.iter().map(|s| s.connect()).collect();
    for (i, c) in conns.iter_mut().enumerate() {
        wait_for(
            &format!("cluster_state:ok on {}", labels[i]),
            Duration::from_secs(60),
            || match c.command(&[b"CLUSTER", b"INFO"]) {
                Ok(Resp::Bulk(Some(info)))
                    if String::from_utf8_lossy(&info)
                        .lines()
                        .any(|l| l.trim() == "cluster_state:ok") =>
                {
                    Some(())
                }
                _ => None,
            },
        );
    }
    let nodes_text = match conns[0].must(&[b"CLUSTER", b"NODES"]) {
        Resp::Bulk(Some(t)) => t,
        other => panic!("CLUSTER NODES answered {}", other.describe()),
    };
    let nodes_file = tmp.path().join("cluster-nodes.txt");
    std::fs::write(&nodes_file, &nodes_text).expect("write cluster nodes");
    let cluster_elapsed = started.elapsed();

    // Ask node 1 for every key: a nil reply means node 1 owns it, else MOVED says who does.
    let cmds: Vec<Vec<&[u8]>> = keys.iter().map(|k| vec![&b"GET"[..], k]).collect();
    let replies = conns[0].pipeline(&cmds).expect("pipelined GET on node 1");
    let real: Vec<String> = replies
        .iter()
        .zip(&keys)
        .map(|(r, k)| match r {
            Resp::Bulk(None) => labels[0].clone(),
            Resp::Error(e) => match moved_target(e) {
                Some((_, addr)) => addr,
                None => panic!("GET {} on node 1: -{}", show_key(k), e.escape_ascii()),
            },
            other => panic!("GET {} on node 1: {}", show_key(k), other.describe()),
        })
        .collect();
    let mut spread = [0usize; 3];
    for owner in &real {
        let i = labels
            .iter()
            .position(|l| l == owner)
            .unwrap_or_else(|| panic!("MOVED to {owner}, which is not one of {labels:?}"));
        spread[i] += 1;
    }
    let real_elapsed = started.elapsed();

    let mut failures = Vec::new();
    let from_nodes = run_map(&map_json(
        &[OsStr::new("--nodes"), nodes_file.as_os_str()],
        &keyfile,
    ));
    let mut node_args: Vec<OsString> = vec!["--preset".into(), "redis-cluster".into()];
    for l in &labels {
        node_args.push("--node".into());
        node_args.push(l.into());
    }
    let node_refs: Vec<&OsStr> = node_args.iter().map(OsString::as_os_str).collect();
    let from_addrs = run_map(&map_json(&node_refs, &keyfile));

    for (what, out) in [
        ("--nodes <CLUSTER NODES>", &from_nodes),
        ("--preset redis-cluster --node x3", &from_addrs),
    ] {
        match parse_map_json(&out.stdout, &keys) {
            Err(e) => failures.push(format!("{what}: {e}")),
            Ok(rows) => {
                let predicted: Vec<String> = rows.iter().map(|r| r.node.clone()).collect();
                if let Some(r) = mismatch_report(what, &keys, &predicted, &real) {
                    failures.push(r);
                }
            }
        }
    }
    eprintln!(
        "real_redis_cluster (3 masters): {} keys, per node {:?}; cluster up {:.2?}, \
         GETs {:.2?}, ringscope {:.2?} + {:.2?}, total {:.2?}",
        keys.len(),
        spread,
        cluster_elapsed,
        real_elapsed - cluster_elapsed,
        from_nodes.elapsed,
        from_addrs.elapsed,
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "ringscope disagrees with the real cluster (CLUSTER NODES:\n{}):\n{}",
        String::from_utf8_lossy(&nodes_text),
        failures.join("\n")
    );
}
