//! `ring --svg` geometry, read back from the path data the binary writes: every sector is a
//! closed annular sector whose edges are a pixel long at least (no slivers, no arcs from a
//! point to itself), each node's sectors add up to its share, and a ring of one node is a
//! full annulus.

#![cfg(unix)]

mod support;

use std::collections::HashMap;
use std::f64::consts::{PI, TAU};

use ringscope::output::svg::palette::node_colour;
use support::cli::{Scratch, f64_of, ok};

/// How far a node's drawn turn may be from its share: arcs under a pixel are merged into
/// pieces of a pixel or two, a pixel being 1/917 of a turn along the inner edge.
const TOLERANCE: f64 = 2.5 / 917.0;
/// Coordinates are written to a hundredth of a pixel.
const PIXEL: f64 = 0.95;

#[derive(Clone, Copy, Debug)]
enum Step {
    Move(f64, f64),
    Line(f64, f64),
    Arc {
        radius: f64,
        large: bool,
        clockwise: bool,
        to: (f64, f64),
    },
    Close,
}

fn parse(d: &str) -> Vec<Step> {
    let spaced: String = d
        .chars()
        .flat_map(|c| {
            if c.is_ascii_alphabetic() {
                vec![' ', c, ' ']
            } else {
                vec![c]
            }
        })
        .collect();
    let mut tokens = spaced.split_whitespace();
    let mut steps = Vec::new();
    let number = |tokens: &mut std::str::SplitWhitespace| -> f64 {
        let token = tokens.next().expect("a number");
        token.parse().unwrap_or_else(|_| panic!("{token:?} in {d}"))
    };
    while let Some(command) = tokens.next() {
        let step = match command {
            "M" => Step::Move(number(&mut tokens), number(&mut tokens)),
            "L" => Step::Line(number(&mut tokens), number(&mut tokens)),
            "A" => {
                let (rx, ry, _rotation) = (
                    number(&mut tokens),
                    number(&mut tokens),
                    number(&mut tokens),
                );
                assert_eq!(rx, ry, "circular arcs");
                let large = number(&mut tokens) == 1.0;
                let clockwise = number(&mut tokens) == 1.0;
                let to = (number(&mut tokens), number(&mut tokens));
                Step::Arc {
                    radius: rx,
                    large,
                    clockwise,
                    to,
                }
            }
            "Z" => Step::Close,
            other => panic!("unexpected command {other:?} in {d}"),
        };
        steps.push(step);
    }
    steps
}

/// What one `<path>` draws: its subpaths checked, and its turns clockwise (along outer
/// edges) and back (along inner edges).
#[derive(Debug, Default)]
struct Drawn {
    subpaths: usize,
    clockwise: f64,
    back: f64,
}

fn measure(d: &str) -> Drawn {
    let distance = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);
    let mut drawn = Drawn::default();
    let mut at = (0.0, 0.0);
    let mut open = false;
    for step in parse(d) {
        match step {
            Step::Move(x, y) => {
                assert!(!open, "every subpath is closed: {d}");
                (at, open) = ((x, y), true);
                drawn.subpaths += 1;
            }
            Step::Line(x, y) => {
                assert!(distance(at, (x, y)) >= PIXEL, "a sub-pixel line in {d}");
                at = (x, y);
            }
            Step::Arc {
                radius,
                large,
                clockwise,
                to,
            } => {
                let chord = distance(at, to);
                assert!(
                    chord >= PIXEL,
                    "a sub-pixel or degenerate arc {at:?} → {to:?}"
                );
                let mut angle = 2.0 * (chord / (2.0 * radius)).min(1.0).asin();
                if large {
                    angle = TAU - angle;
                }
                assert_eq!(large, angle > PI, "the large-arc flag of {at:?} → {to:?}");
                if clockwise {
                    drawn.clockwise += angle / TAU;
                } else {
                    drawn.back += angle / TAU;
                }
                at = to;
            }
            Step::Close => open = false,
        }
    }
    assert!(!open, "the last subpath is closed: {d}");
    drawn
}

/// Every `<path>` of the chart with a fill, by fill colour.
fn filled_paths(svg: &str) -> HashMap<String, Drawn> {
    let document = roxmltree::Document::parse(svg).expect("well-formed XML");
    let mut paths = HashMap::new();
    for node in document.descendants().filter(|n| n.has_tag_name("path")) {
        let (Some(fill), Some(d)) = (node.attribute("fill"), node.attribute("d")) else {
            continue;
        };
        assert!(
            paths.insert(fill.to_string(), measure(d)).is_none(),
            "one path per colour"
        );
    }
    paths
}

/// Draws `ring` with `args` and checks each node's turn against its share in the report.
fn check_shares(args: &[&str]) -> HashMap<String, Drawn> {
    let dir = Scratch::new();
    let svg = dir.join("ring.svg");
    let report = ok([args, &["--format", "json"]].concat(), b"").json();
    ok([args, &["--svg", &svg]].concat(), b"");
    let text = std::fs::read_to_string(&svg).expect("the chart");
    let paths = filled_paths(&text);
    let nodes = report["nodes"].as_array().expect("nodes");
    let mut total = 0.0;
    for (i, node) in nodes.iter().enumerate() {
        let share = f64_of(&node["share"]);
        let drawn = paths.get(&node_colour(i).to_string());
        let turn = drawn.map_or(0.0, |d| d.clockwise);
        assert!(
            (turn - share).abs() <= TOLERANCE,
            "{}: drawn {turn}, share {share}",
            node["node"]
        );
        if let Some(drawn) = drawn {
            assert!(
                (drawn.clockwise - drawn.back).abs() < 1e-3,
                "each outer edge has its inner edge: {drawn:?}"
            );
        }
        total += turn;
    }
    assert!((total - 1.0).abs() < 1e-3, "the ring is covered: {total}");
    paths
}

fn sample(name: &str) -> String {
    format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn ketama_arcs_are_clean_sectors_that_add_up_to_each_nodes_share() {
    // 1,600 arcs, most of them far under a pixel.
    let pool = sample("pool-10.txt");
    let paths = check_shares(&["ring", "--nodes", &pool]);
    assert_eq!(paths.len(), 10);
    let nutcracker = sample("nutcracker.yml");
    check_shares(&["ring", "--nodes", &nutcracker, "--pool", "cache"]);
}

#[test]
fn a_table_and_a_pie_are_drawn_as_clean_sectors_too() {
    let pool = sample("pool-10.txt");
    check_shares(&["ring", "--nodes", &pool, "--algo", "maglev"]);
    let paths = check_shares(&["ring", "--nodes", &pool, "--algo", "jump"]);
    assert!(
        paths.values().all(|d| d.subpaths == 1),
        "a pie: one arc each"
    );
}

#[test]
fn a_single_node_ring_is_a_full_annulus() {
    let paths = check_shares(&["ring", "--node", "10.0.0.1:6379"]);
    let drawn = &paths[&node_colour(0).to_string()];
    assert_eq!(drawn.subpaths, 2, "an outer and an inner circle");
    assert!((drawn.clockwise - 1.0).abs() < 1e-3 && (drawn.back - 1.0).abs() < 1e-3);
}
