//! `--svg FILE`: the real binary draws each report, and resvg renders what it wrote. Each
//! chart must parse, render at the size it declares, show each node in its colour (many
//! pixels of it, not a blank page), carry every node label as text, and leave the report on
//! stdout as it would be without `--svg`.

#![cfg(unix)]

mod support;

use std::collections::HashSet;

use resvg::tiny_skia::Pixmap;
use resvg::usvg;
use ringscope::output::svg::palette::{Colour, node_colour};
use support::cli::{Scratch, ok, run};

/// Labels that need escaping, and ones that are not ASCII.
const NODES: &str = "10.0.0.1:6379 a&b<c>\"d'\n\
                     10.0.0.2:6379 緩存-ä\n\
                     10.0.0.3:6379:2 cache-c\n\
                     10.0.0.4:6379 cache-d\n";
const LABELS: [&str; 4] = ["a&b<c>\"d'", "緩存-ä", "cache-c", "cache-d"];

fn keys(dir: &Scratch) -> String {
    let keys: String = (0..4000).map(|i| format!("user:{i}:profile\n")).collect();
    dir.file("keys.txt", keys)
}

/// What a chart holds: its declared size, the rendered pixels, and every text and tooltip.
struct Chart {
    size: (u32, u32),
    pixmap: Pixmap,
    /// The content of every `<text>` element.
    texts: Vec<String>,
    /// The content of every `<title>` (the document's and the tooltips).
    titles: Vec<String>,
    bytes: usize,
}

impl Chart {
    fn read(path: &str) -> Chart {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let text = std::str::from_utf8(&data).expect("the SVG is UTF-8");
        let document = roxmltree::Document::parse(text).expect("the SVG is well-formed XML");
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        let dimension = |name: &str| -> u32 {
            root.attribute(name)
                .unwrap_or_else(|| panic!("no {name}"))
                .parse()
                .unwrap_or_else(|_| panic!("{name} is not a whole number of pixels"))
        };
        let size = (dimension("width"), dimension("height"));
        assert_eq!(
            root.attribute("viewBox"),
            Some(format!("0 0 {} {}", size.0, size.1).as_str())
        );
        let all = |tag: &str| -> Vec<String> {
            document
                .descendants()
                .filter(|n| n.has_tag_name(tag))
                .map(|n| {
                    // Its own text, not that of a tooltip inside it.
                    n.children()
                        .filter(|t| t.is_text())
                        .filter_map(|t| t.text())
                        .collect()
                })
                .collect()
        };
        let tree =
            usvg::Tree::from_data(&data, &usvg::Options::default()).expect("resvg parses the SVG");
        let rendered = tree.size().to_int_size();
        let mut pixmap =
            Pixmap::new(rendered.width(), rendered.height()).expect("a non-empty picture");
        resvg::render(&tree, Default::default(), &mut pixmap.as_mut());
        Chart {
            size,
            pixmap,
            texts: all("text"),
            titles: all("title"),
            bytes: data.len(),
        }
    }

    /// Pixels exactly of `colour`, fully opaque.
    fn pixels_of(&self, colour: Colour) -> usize {
        self.pixmap
            .pixels()
            .iter()
            .filter(|p| {
                p.alpha() == 255 && (p.red(), p.green(), p.blue()) == (colour.r, colour.g, colour.b)
            })
            .count()
    }

    /// Checks what every chart must be: rendered at its declared size, on white, with a
    /// good deal drawn in several colours, its title the caption.
    fn check(&self, caption: &str) {
        assert_eq!((self.pixmap.width(), self.pixmap.height()), self.size);
        let corner = self.pixmap.pixel(0, 0).expect("a corner");
        assert_eq!(
            (corner.red(), corner.green(), corner.blue(), corner.alpha()),
            (255, 255, 255, 255),
            "a white background"
        );
        let inked: Vec<_> = self
            .pixmap
            .pixels()
            .iter()
            .filter(|p| (p.red(), p.green(), p.blue()) != (255, 255, 255))
            .collect();
        assert!(inked.len() > 5_000, "only {} pixels drawn", inked.len());
        let colours: HashSet<(u8, u8, u8)> = inked
            .iter()
            .map(|p| (p.red(), p.green(), p.blue()))
            .collect();
        assert!(colours.len() > 8, "only {} colours", colours.len());
        assert_eq!(self.titles.first().map(String::as_str), Some(caption));
    }

    /// Each node's colour covers at least `pixels`.
    fn check_colours(&self, nodes: usize, pixels: usize) {
        for i in 0..nodes {
            let found = self.pixels_of(node_colour(i));
            assert!(
                found >= pixels,
                "node {i}: {found} pixels of {}",
                node_colour(i)
            );
        }
    }

    fn check_labels_as_text(&self, labels: &[&str]) {
        for label in labels {
            assert!(
                self.texts.iter().any(|t| t.contains(label)),
                "no <text> holds {label:?}: {:?}",
                self.texts
            );
        }
    }
}

/// Runs `args` (which write `--svg` into `svg`) and returns the chart and what stdout said.
fn draw(args: &[&str], svg: &str) -> (Chart, String) {
    let out = ok(args, b"");
    (Chart::read(svg), out.text())
}

/// The caption a table report prints first: what every chart is titled.
fn caption(table: &str) -> String {
    table.lines().next().expect("a caption").to_string()
}

#[test]
fn ring_draws_each_node_in_its_colour_with_its_label() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let svg = dir.join("ring.svg");
    let (chart, table) = draw(&["ring", "--nodes", &nodes, "--svg", &svg], &svg);
    let plain = ok(["ring", "--nodes", &nodes], b"");
    assert_eq!(table, plain.text(), "the report on stdout is unchanged");
    assert_eq!(caption(&table), "ketama · fnv1a_64 · 4 nodes (twemproxy)");
    chart.check(&caption(&table));
    chart.check_colours(4, 2_000);
    chart.check_labels_as_text(&LABELS);
    // The legend shows the report's own shares.
    assert!(
        chart.texts.iter().any(|t| t == "40.00%"),
        "expected share of cache-c"
    );
    assert!(
        chart
            .texts
            .iter()
            .any(|t| t.contains("values of the key hash"))
    );
    let written = std::fs::metadata(&svg).expect("the chart").permissions();
    assert_ne!(
        std::os::unix::fs::PermissionsExt::mode(&written) & 0o044,
        0,
        "readable as any new file"
    );
}

#[test]
fn an_algorithm_without_ring_positions_is_drawn_as_a_pie_and_says_so() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let svg = dir.join("jump.svg");
    let (chart, table) = draw(
        &["ring", "--nodes", &nodes, "--algo", "jump", "--svg", &svg],
        &svg,
    );
    chart.check(&caption(&table));
    // Exact shares 20, 20, 40, 20% of a band of about 85,000 pixels.
    chart.check_colours(4, 10_000);
    assert!(chart.pixels_of(node_colour(2)) > chart.pixels_of(node_colour(0)) * 3 / 2);
    chart.check_labels_as_text(&LABELS);
    assert!(
        chart
            .texts
            .iter()
            .any(|t| t.contains("without ring positions")),
        "{:?}",
        chart.texts
    );
}

#[test]
fn dist_draws_bars_against_the_expected_share_in_the_chosen_format() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let keys = keys(&dir);
    let svg = dir.join("dist.svg");
    let args = [
        "dist", "--nodes", &nodes, "--format", "json", "--svg", &svg, &keys,
    ];
    let (chart, json) = draw(&args, &svg);
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON on stdout");
    assert_eq!(report["keys"], 4000);
    let description = report["ring"]["description"].as_str().expect("a caption");
    chart.check(description);
    chart.check_colours(4, 600);
    chart.check_labels_as_text(&LABELS);
    assert!(
        chart
            .texts
            .iter()
            .any(|t| t.starts_with("4000 keys · mean"))
    );
}

#[test]
fn simulate_draws_before_and_after_and_the_flows_of_moved_keys() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let keys = keys(&dir);
    let svg = dir.join("simulate.svg");
    let change = ["simulate", "--nodes", &nodes, "--remove", "cache-c", &keys];
    let (chart, table) = draw(&[&change[..], &["--svg", &svg]].concat(), &svg);
    chart.check(&table.lines().take(2).collect::<Vec<_>>().join("\n"));
    chart.check_colours(4, 300);
    chart.check_labels_as_text(&LABELS);
    assert!(
        chart
            .texts
            .iter()
            .any(|t| t == "flows of moved keys, from → to")
    );
    // The chart's numbers are the report's: the summary line, each flow, and what leaves
    // the removed node.
    let report = ok([&change[..], &["--format", "json"]].concat(), b"").json();
    let summary = table
        .lines()
        .find(|l| l.starts_with("moved "))
        .expect("a summary");
    assert!(chart.texts.iter().any(|t| t == summary));
    let mut from_c = 0;
    for flow in report["flows"].as_array().expect("flows") {
        let (from, to, keys) = (&flow["from"], &flow["to"], &flow["keys"]);
        let tooltip = format!(
            "{} → {}: {keys} keys",
            from.as_str().unwrap(),
            to.as_str().unwrap()
        );
        assert!(
            chart.titles.iter().any(|t| t.starts_with(&tooltip)),
            "no {tooltip}"
        );
        if from == "cache-c" {
            from_c += keys.as_u64().unwrap();
        }
    }
    let leaving = format!("cache-c · {from_c} keys");
    assert!(
        chart.texts.iter().any(|t| t.starts_with(&leaving)),
        "no {leaving}: {:?}",
        chart.texts
    );
}

#[test]
fn without_keys_the_charts_show_the_hash_space() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let svg = dir.join("space.svg");
    let args = [
        "simulate",
        "--nodes",
        &nodes,
        "--fail",
        "cache-d",
        "--auto-eject",
        "true",
        "--svg",
        &svg,
    ];
    let (chart, table) = draw(&args, &svg);
    chart.check(&table.lines().take(2).collect::<Vec<_>>().join("\n"));
    chart.check_labels_as_text(&LABELS);
    assert!(
        chart
            .texts
            .iter()
            .any(|t| t == "flows of the hash space (exact), from → to")
    );
    assert!(chart.texts.iter().any(|t| t == "share of the hash space"));
}

#[test]
fn diff_draws_the_change_between_two_pools() {
    let dir = Scratch::new();
    let from = dir.file("from.txt", NODES);
    let to = dir.file("to.txt", format!("{NODES}10.0.0.5:6379 cache-e\n"));
    let keys = keys(&dir);
    let svg = dir.join("diff.svg");
    let args = ["diff", "--from", &from, "--to", &to, "--svg", &svg, &keys];
    let (chart, table) = draw(&args, &svg);
    chart.check(&caption(&table));
    chart.check_colours(5, 300);
    chart.check_labels_as_text(&LABELS);
    chart.check_labels_as_text(&["cache-e", "added · 0.00% → "]);
}

#[test]
fn fail_each_draws_one_row_per_failure() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let keys = keys(&dir);
    let svg = dir.join("each.svg");
    let args = [
        "simulate",
        "--nodes",
        &nodes,
        "--fail-each",
        "--auto-eject",
        "true",
        "--svg",
        &svg,
        &keys,
    ];
    let (chart, table) = draw(&args, &svg);
    chart.check(&table.lines().take(2).collect::<Vec<_>>().join("\n"));
    chart.check_colours(4, 600);
    chart.check_labels_as_text(&LABELS);
    assert!(
        chart
            .texts
            .iter()
            .any(|t| t.starts_with("worst single failure: "))
    );
}

#[test]
fn merge_draws_the_merged_report() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let keys = keys(&dir);
    let part = ok(["dist", "--nodes", &nodes, "--format", "json", &keys], b"");
    let part = dir.file("part.json", part.stdout);
    let svg = dir.join("merged.svg");
    let (chart, table) = draw(&["merge", &part, &part, "--svg", &svg], &svg);
    chart.check(&caption(&table));
    assert!(
        chart
            .texts
            .iter()
            .any(|t| t.starts_with("8000 keys · mean"))
    );
}

#[test]
fn ten_thousand_nodes_make_a_chart_of_reasonable_size_naming_every_node() {
    let dir = Scratch::new();
    let list: String = (0..10_000)
        .map(|i| format!("10.{}.{}.1:6379 cache-{i:05}\n", i / 250, i % 250))
        .collect();
    let nodes = dir.file("nodes.txt", list);
    let svg = dir.join("big.svg");
    let (chart, table) = draw(&["ring", "--nodes", &nodes, "--svg", &svg], &svg);
    assert!(chart.bytes < 3 << 20, "{} bytes", chart.bytes);
    chart.check(&caption(&table));
    assert!(
        chart
            .texts
            .iter()
            .any(|t| t.contains("drawn in steps of 1/"))
    );
    let mut named: HashSet<&str> = HashSet::new();
    for text in chart.texts.iter().chain(&chart.titles) {
        named.extend(text.lines().map(|l| l.split(" · ").next().unwrap_or(l)));
    }
    for i in 0..10_000 {
        assert!(
            named.contains(format!("cache-{i:05}").as_str()),
            "cache-{i:05} is not in the chart"
        );
    }
}

#[test]
fn odd_inputs_still_make_charts() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let empty = dir.file("empty.txt", "");
    let haproxy = dir.file(
        "haproxy.cfg",
        "backend app\n  balance url_param k\n  hash-type consistent\n  server a 10.0.0.1:80\n  server b 10.0.0.2:80 weight 0\n",
    );
    let svg = dir.join("chart.svg");
    // One node; a node with weight 0 and no share; no keys; a change that moves nothing.
    let runs: [&[&str]; 5] = [
        &["ring", "--node", "10.0.0.1:6379"],
        &["ring", "--nodes", &haproxy],
        &["dist", "--nodes", &nodes, &empty],
        &[
            "simulate",
            "--nodes",
            &nodes,
            "--weight",
            "cache-c=2",
            &empty,
        ],
        &["diff", "--from", &nodes, "--to", &nodes],
    ];
    for args in runs {
        let mut args = args.to_vec();
        args.extend(["--svg", svg.as_str()]);
        let out = run(&args, b"");
        assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
        let chart = Chart::read(&svg);
        assert_eq!(
            (chart.pixmap.width(), chart.pixmap.height()),
            chart.size,
            "{args:?}"
        );
    }
    // 200 nodes: the 40 farthest from their share are drawn, the rest named in a tooltip.
    let many: Vec<String> = (0..200)
        .map(|i| format!("10.0.{}.{}:6379", i / 250, i % 250))
        .collect();
    let list = dir.file("many.txt", many.join("\n"));
    let (chart, _) = draw(
        &["dist", "--nodes", &list, "--random", "20000", "--svg", &svg],
        &svg,
    );
    assert!(
        chart
            .texts
            .iter()
            .any(|t| t == "40 of 200 nodes drawn: those farthest from their expected share")
    );
    assert!(
        chart
            .texts
            .iter()
            .any(|t| t == "… and 160 more (hover for the list)")
    );
    let named: HashSet<&str> = chart
        .texts
        .iter()
        .chain(&chart.titles)
        .flat_map(|t| t.lines())
        .map(|l| l.split(": ").next().unwrap_or(l))
        .collect();
    for label in &many {
        assert!(
            named.contains(label.as_str()),
            "{label} is not in the chart"
        );
    }
}

#[test]
fn a_failed_run_leaves_no_chart_and_an_old_one_as_it_was() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let old = dir.file("chart.svg", "old");
    let out = run(
        [
            "dist",
            "--nodes",
            &nodes,
            "--svg",
            &old,
            &dir.join("missing.txt"),
        ],
        b"",
    );
    assert_eq!(out.code, Some(2));
    assert_eq!(std::fs::read_to_string(&old).expect("the old chart"), "old");
    assert_eq!(dir.entries(), ["chart.svg", "nodes.txt"]);
    let out = run(["ring", "--nodes", &nodes, "--points", "--svg", &old], b"");
    assert_eq!(
        out.code,
        Some(2),
        "--points dumps the continuum and draws nothing"
    );
}

#[test]
fn sweep_draws_max_over_mean_against_vnodes() {
    let dir = Scratch::new();
    let nodes = format!("{}/samples/pool-10.txt", env!("CARGO_MANIFEST_DIR"));
    let svg = dir.join("sweep.svg");
    let args = [
        "sweep",
        "--nodes",
        &nodes,
        "--algos",
        "ketama,vnode,maglev",
        "--vnodes",
        "40,160,1000",
        "--format",
        "json",
        "--svg",
        &svg,
    ];
    let (chart, json) = draw(&args, &svg);
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON on stdout");
    assert_eq!(report["rows"].as_array().map(Vec::len), Some(5));
    let title = chart.titles.first().cloned().unwrap_or_default();
    assert!(
        title.starts_with("sweep: max/mean by vnodes, 10 nodes"),
        "{title}"
    );
    chart.check(&title);
    // ketama, vnode and maglev, each in its colour; the target is a grey reference line.
    chart.check_colours(3, 150);
    chart.check_labels_as_text(&["ketama", "vnode", "maglev", "target 1.05"]);
    // Every row's figure is in a tooltip of its point.
    for row in report["rows"].as_array().unwrap() {
        let figure = format!("{:.3}", row["max_over_mean"].as_f64().unwrap());
        let figure = figure.trim_end_matches('0').trim_end_matches('.');
        assert!(
            chart
                .titles
                .iter()
                .any(|t| t.contains(row["algo"].as_str().unwrap()) && t.contains(figure)),
            "no tooltip for {row}: {:?}",
            chart.titles
        );
    }
}

#[test]
fn the_readme_charts_are_what_the_samples_draw() {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = Scratch::new();
    let sample = |name: &str| format!("{root}/samples/{name}");
    let (nutcracker, keys) = (sample("nutcracker.yml"), sample("keys.txt"));
    let pool = ["--nodes", &nutcracker, "--pool", "cache"];
    let ring = dir.join("ring.svg");
    ok([&["ring"][..], &pool, &["--svg", &ring]].concat(), b"");
    let simulate = dir.join("simulate.svg");
    let change = [
        "--fail",
        "cache-b",
        "--auto-eject",
        "true",
        &keys,
        "--svg",
        &simulate,
    ];
    ok([&["simulate"][..], &pool, &change].concat(), b"");
    let sweep = dir.join("sweep.svg");
    ok(
        ["sweep", "--nodes", &sample("pool-10.txt"), "--svg", &sweep],
        b"",
    );
    for (drawn, committed) in [
        (ring, "docs/ring.svg"),
        (simulate, "docs/simulate.svg"),
        (sweep, "docs/sweep.svg"),
    ] {
        let committed_bytes = std::fs::read(format!("{root}/{committed}")).expect(committed);
        assert!(
            std::fs::read(&drawn).expect("drawn") == committed_bytes,
            "{committed} is out of date: run the commands in README.md § --svg"
        );
    }
}
