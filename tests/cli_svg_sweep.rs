//! `sweep --svg` read back from the document the binary writes: every algorithm has a
//! marker shape of its own and its name at its line, those names do not overlap, the y axis
//! spans the data rather than starting at 0, and the target is a labelled reference line,
//! named as a reference in the legend.

#![cfg(unix)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use ringscope::output::svg::palette::node_colour;
use support::cli::{Scratch, f64_of, ok};

/// The least distance between the centres of two direct labels that share room across.
const LABEL_GAP: f64 = 12.0;

struct Sweep {
    algos: BTreeSet<String>,
    target: f64,
    svg: String,
}

fn sweep(extra: &[&str]) -> Sweep {
    let dir = Scratch::new();
    let nodes = format!("{}/samples/pool-10.txt", env!("CARGO_MANIFEST_DIR"));
    let svg = dir.join("sweep.svg");
    let args = [&["sweep", "--nodes", &nodes, "--format", "json"][..], extra].concat();
    let report = ok([&args[..], &["--svg", &svg]].concat(), b"").json();
    let algos = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["algo"].as_str().expect("an algo").to_string())
        .collect();
    Sweep {
        algos,
        target: f64_of(&report["target_imbalance"]),
        svg: std::fs::read_to_string(&svg).expect("the chart"),
    }
}

fn own_text<'a>(node: roxmltree::Node<'a, '_>) -> String {
    node.children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect()
}

fn tooltip(node: roxmltree::Node) -> String {
    node.children()
        .find(|c| c.has_tag_name("title"))
        .map(own_text)
        .unwrap_or_default()
}

fn number(node: roxmltree::Node, name: &str) -> f64 {
    node.attribute(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number"))
}

fn classed<'a, 'i>(
    document: &'a roxmltree::Document<'i>,
    tag: &'a str,
    class: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
    document
        .descendants()
        .filter(move |n| n.has_tag_name(tag) && n.attribute("class") == Some(class))
}

#[test]
fn every_algorithm_has_its_own_marker_and_a_label_that_overlaps_none() {
    // Jump, rendezvous and maglev are all perfectly balanced: drawn over each other.
    let algos = "ketama,vnode,jump,rendezvous,maglev";
    let sweep = sweep(&["--algos", algos, "--vnodes", "40,1000"]);
    assert_eq!(sweep.algos.len(), 5, "{:?}", sweep.algos);
    let document = roxmltree::Document::parse(&sweep.svg).expect("well-formed XML");
    // Marker classes per algorithm, read off the markers' tooltips.
    let mut markers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for node in document.descendants().filter(|n| {
        n.has_tag_name("path")
            && n.attribute("class")
                .is_some_and(|c| c.starts_with("marker "))
    }) {
        let tip = tooltip(node);
        let algo = tip.split(':').next().unwrap_or_default().to_string();
        let class = node.attribute("class").unwrap_or_default().to_string();
        markers.entry(algo).or_default().insert(class);
    }
    assert_eq!(
        markers.keys().cloned().collect::<BTreeSet<_>>(),
        sweep.algos
    );
    let shapes: BTreeSet<&String> = markers
        .values()
        .map(|classes| {
            assert_eq!(classes.len(), 1, "one marker shape per series: {classes:?}");
            classes.first().expect("a shape")
        })
        .collect();
    assert_eq!(
        shapes.len(),
        sweep.algos.len(),
        "distinct shapes: {shapes:?}"
    );

    let labels: Vec<(String, f64, f64)> = document
        .descendants()
        .filter(|n| {
            n.has_tag_name("text")
                && matches!(
                    n.attribute("class"),
                    Some("direct-label" | "reference-label")
                )
        })
        .map(|n| (own_text(n), number(n, "x"), number(n, "y")))
        .collect();
    let named: BTreeSet<String> = classed(&document, "text", "direct-label")
        .map(own_text)
        .collect();
    assert_eq!(named, sweep.algos, "every series is named at its line");
    // Jump, rendezvous and maglev all end at 1.0: their names must still be apart.
    for (i, a) in labels.iter().enumerate() {
        for b in &labels[i + 1..] {
            let side_by_side = (a.1 - b.1).abs() > 60.0;
            assert!(
                side_by_side || (a.2 - b.2).abs() >= LABEL_GAP,
                "{a:?} and {b:?} overlap"
            );
        }
    }
}

#[test]
fn the_y_axis_spans_the_data_and_the_target_is_a_labelled_reference_line() {
    let sweep = sweep(&[
        "--algos",
        "ketama,vnode,maglev",
        "--target-imbalance",
        "1.1",
    ]);
    assert_eq!(sweep.target, 1.1);
    let document = roxmltree::Document::parse(&sweep.svg).expect("well-formed XML");
    // The y axis ticks: numbers written right-aligned before the plot.
    let ticks: Vec<f64> = document
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("text-anchor") == Some("end"))
        .filter_map(|n| own_text(n).parse().ok())
        .collect();
    let lowest = ticks.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(ticks.len() >= 3, "{ticks:?}");
    assert!(
        lowest > 0.0 && lowest <= 1.0,
        "every max/mean is at least 1, the axis starts just under: {ticks:?}"
    );

    let lines: Vec<_> = classed(&document, "line", "reference").collect();
    assert_eq!(lines.len(), 1, "one reference line");
    let line = lines[0];
    assert_eq!(number(line, "y1"), number(line, "y2"), "level");
    assert!(line.attribute("stroke-dasharray").is_some(), "dashed");
    let stroke = line.attribute("stroke").expect("a stroke");
    assert!(
        (0..sweep.algos.len()).all(|i| node_colour(i).to_string() != stroke),
        "not in a series' colour"
    );
    assert!(tooltip(line).starts_with("target 1.1: reference"));
    let label: Vec<String> = classed(&document, "text", "reference-label")
        .map(own_text)
        .collect();
    assert_eq!(label, ["target 1.1"]);
    let legend: Vec<String> = classed(&document, "text", "legend reference")
        .map(own_text)
        .collect();
    assert_eq!(legend, ["target 1.1 (reference)"]);
    let series_in_legend: BTreeSet<String> =
        classed(&document, "text", "legend").map(own_text).collect();
    assert_eq!(series_in_legend, sweep.algos, "the target is no series");
}

#[test]
fn the_same_sweep_draws_the_same_bytes() {
    let first = sweep(&["--algos", "ketama,maglev"]);
    let second = sweep(&["--algos", "ketama,maglev"]);
    assert_eq!(first.svg, second.svg);
}
