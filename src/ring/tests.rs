//! Properties every algorithm must have, checked on the same node sets: keys go to existing
//! nodes, the structure's shares add up, and real keys follow those shares.

use super::*;
use crate::hash;

use crate::nodes::inline_nodes as nodes;

fn config(algo: Algo, hash_name: &str) -> RingConfig {
    RingConfig::new(algo, hash::by_name(hash_name).unwrap())
}

const ALL: [(Algo, &str); 8] = [
    (Algo::Ketama, "fnv1a_64"),
    (Algo::Modula, "fnv1a_64"),
    (Algo::Vnode, "md5"),
    (Algo::Jump, "xxh3"),
    (Algo::Rendezvous, "xxh3"),
    (Algo::Maglev, "xxh3"),
    (Algo::Slots, "crc16"),
    (Algo::MultiProbe, "siphash"),
];

#[test]
fn key_shares_follow_the_computed_shares() {
    let pool = nodes(&[
        "10.0.0.1:6379",
        "10.0.0.2:6379:3",
        "10.0.0.3:6379 c",
        "10.0.0.4:6379:2 d",
    ]);
    let keys = 200_000u32;
    // FNV over sequential keys is visibly non-uniform (a real effect, not a share error), so
    // the twemproxy algorithms use MD5 here.
    let uniform = ALL.map(|(algo, hash_name)| {
        (
            algo,
            if hash_name == "fnv1a_64" {
                "md5"
            } else {
                hash_name
            },
        )
    });
    // Redis Cluster masters carry no weights.
    let unweighted = nodes(&[
        "10.0.0.1:6379",
        "10.0.0.2:6379",
        "10.0.0.3:6379 c",
        "10.0.0.4:6379 d",
    ]);
    for (algo, hash_name) in uniform {
        let pool = if algo == Algo::Slots {
            &unweighted
        } else {
            &pool
        };
        let placement = build(pool, &config(algo, hash_name)).unwrap();
        let ownership = placement.ownership();
        assert_eq!(ownership.shares.len(), pool.len());
        let total: f64 = ownership.shares.iter().sum();
        assert!(
            (total - 1.0).abs() < 1e-9,
            "{algo:?}: shares sum to {total}"
        );
        let mut counts = vec![0u32; pool.len()];
        for i in 0..keys {
            let node = placement
                .locate(format!("key:{i}").as_bytes())
                .expect("every key is placed");
            counts[node as usize] += 1;
        }
        for (node, (&count, &share)) in counts.iter().zip(&ownership.shares).enumerate() {
            // Binomial standard deviation; 5 sigma keeps the test honest and stable.
            let expected = share * f64::from(keys);
            let sigma = (expected * (1.0 - share)).sqrt();
            assert!(
                (f64::from(count) - expected).abs() < 5.0 * sigma + 1.0,
                "{algo:?} node {node}: {count} keys, share {share} predicts {expected:.0}"
            );
        }
    }
}

#[test]
fn weights_shape_the_shares() {
    let pool = nodes(&["10.0.0.1:6379:1", "10.0.0.2:6379:4"]);
    // Multi-probe weights are copies of a node's point, which favour the heavier node beyond
    // its weight (its own test bounds that).
    let weighted = ALL
        .into_iter()
        .filter(|(a, _)| !matches!(a, Algo::Slots | Algo::MultiProbe));
    for (algo, hash_name) in weighted {
        let shares = build(&pool, &config(algo, hash_name))
            .unwrap()
            .ownership()
            .shares;
        assert!(
            (shares[1] / shares[0] - 4.0).abs() < 0.6,
            "{algo:?}: {shares:?}"
        );
    }
}

#[test]
fn single_node_takes_everything() {
    let pool = nodes(&["10.0.0.1:6379"]);
    for (algo, hash_name) in ALL {
        let placement = build(&pool, &config(algo, hash_name)).unwrap();
        assert_eq!(placement.locate(b"anything"), Some(0), "{algo:?}");
        assert!(
            (placement.ownership().shares[0] - 1.0).abs() < 1e-12,
            "{algo:?}"
        );
    }
}

#[test]
fn twemproxy_continuum_routes() {
    // What a real nutcracker 0.5.0 (Debian's build) answered: docs/algorithms/test-vectors.md,
    // twemproxy 0.5.0 continuum.
    let pool = nodes(&["127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"]);
    let keys = [
        "foo",
        "bar",
        "hello",
        "user:1000",
        "a",
        "memcached",
        "twemproxy",
    ];
    let routes = [
        (
            Algo::Ketama,
            "fnv1a_64",
            [11212, 11211, 11213, 11212, 11211, 11213, 11211],
        ),
        (
            Algo::Ketama,
            "md5",
            [11211, 11212, 11211, 11213, 11212, 11213, 11211],
        ),
        (
            Algo::Ketama,
            "murmur",
            [11213, 11211, 11212, 11213, 11213, 11211, 11212],
        ),
        (
            Algo::Ketama,
            "one_at_a_time",
            [11212, 11213, 11212, 11211, 11212, 11213, 11212],
        ),
        (
            Algo::Modula,
            "fnv1a_64",
            [11213, 11212, 11211, 11213, 11212, 11213, 11211],
        ),
    ];
    for (algo, hash_name, ports) in routes {
        let placement = build(&pool, &config(algo, hash_name)).unwrap();
        for (key, port) in keys.iter().zip(ports) {
            let node = placement.locate(key.as_bytes()).unwrap() as usize;
            assert_eq!(
                pool[node].label,
                format!("127.0.0.1:{port}"),
                "{algo:?} {hash_name} {key}"
            );
        }
        if algo == Algo::Ketama {
            assert_eq!(placement.points().unwrap().len(), 480);
        }
    }
    let first: Vec<(u64, String)> = build(&pool, &config(Algo::Ketama, "md5"))
        .unwrap()
        .points()
        .unwrap()
        .iter()
        .take(4)
        .map(|p| (p.position, pool[p.node as usize].label.clone()))
        .collect();
    let label = |port: u32| format!("127.0.0.1:{port}");
    assert_eq!(
        first,
        [
            (0x00f35431, label(11212)),
            (0x00fd272f, label(11211)),
            (0x016eff02, label(11212)),
            (0x01ebb9fc, label(11212))
        ]
    );
}

#[test]
fn fifteen_bit_hash_puts_every_key_on_one_ketama_server() {
    // twemproxy issue 175: crc32 yields 15 bits, all below the first point above 32767.
    let pool = nodes(&[
        "127.0.0.1:11211",
        "127.0.0.1:11212",
        "127.0.0.1:11213",
        "127.0.0.1:11214",
    ]);
    let placement = build(&pool, &config(Algo::Ketama, "crc32")).unwrap();
    let owner = placement.locate(b"x").unwrap();
    assert!((0..3000).all(|i| placement.locate(format!("k{i}").as_bytes()) == Some(owner)));
    let shares = placement.ownership().shares;
    assert_eq!(shares[owner as usize], 1.0, "{shares:?}");
}

#[test]
fn hash_tags_group_keys() {
    let pool = nodes(&[
        "10.0.0.1:1",
        "10.0.0.2:1",
        "10.0.0.3:1",
        "10.0.0.4:1",
        "10.0.0.5:1",
    ]);
    for (algo, hash_name) in ALL {
        let mut config = config(algo, hash_name);
        config.hash_tag = Some(HashTag::REDIS);
        let placement = build(&pool, &config).unwrap();
        let home = placement.locate(b"{user:7}");
        for i in 0..200 {
            assert_eq!(
                placement.locate(format!("cart:{{user:7}}:{i}").as_bytes()),
                home,
                "{algo:?}"
            );
        }
    }
}

#[test]
fn equal_weight_rendezvous_and_jump_move_little_on_growth() {
    let before = nodes(&["a:7001", "b:7001", "c:7001", "d:7001"]);
    let after = nodes(&["a:7001", "b:7001", "c:7001", "d:7001", "e:7001"]);
    for algo in [Algo::Jump, Algo::Rendezvous, Algo::Maglev, Algo::Vnode] {
        let (old, new) = (
            build(&before, &config(algo, "xxh3")).unwrap(),
            build(&after, &config(algo, "xxh3")).unwrap(),
        );
        let keys = 20_000;
        let mut moved_elsewhere = 0;
        for i in 0..keys {
            let key = format!("k{i}");
            let (o, n) = (old.locate(key.as_bytes()), new.locate(key.as_bytes()));
            if o != n && n != Some(4) {
                moved_elsewhere += 1;
            }
        }
        // Jump, rendezvous and rings move keys only to the new node; maglev nearly so.
        let allowed = if algo == Algo::Maglev { keys / 50 } else { 0 };
        assert!(
            moved_elsewhere <= allowed,
            "{algo:?}: {moved_elsewhere} keys moved between old nodes"
        );
    }
}

#[test]
fn slots_refuse_weights() {
    let pool = nodes(&["10.0.0.1:6379", "10.0.0.2:6379:3"]);
    let err = build(&pool, &config(Algo::Slots, "crc16"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with("--node #2: Redis Cluster masters have no weights"),
        "{err}"
    );
}

#[test]
fn cluster_nodes_without_slots_leave_keys_unassigned() {
    let text = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected\n\
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 0 2 connected\n";
    let pool = crate::nodes::parse(text, "nodes.txt", None, None).unwrap();
    let placement = build(&pool.nodes, &config(Algo::Slots, "crc16")).unwrap();
    assert_eq!(placement.locate(b"foo"), None);
    assert_eq!(placement.ownership().shares, vec![0.0, 0.0]);
}
