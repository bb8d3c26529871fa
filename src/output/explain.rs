//! `lookup --explain`: each key's explanation as JSON (binary-safe, every field every time,
//! `null` where it does not apply), as one row per key in CSV and TSV, and for people as one
//! block per key: its fields, then the points around the one found, the scores, probes or
//! the path of a reroute.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use super::{Block, Cell, Column, Report, Tabular, columns, table};
use crate::fingerprint::RingId;
use crate::keys::shown;
use crate::ring::NodeId;
use crate::ring::explain::{Entry, Explanation, Score, Searched};

/// Characters of a key or of hashed bytes a block shows.
const SHOWN_BYTES: usize = 60;
/// Width of a field's name in a block, its value after it.
const NAME_WIDTH: usize = 9;

/// The name of the one table CSV and TSV hold, as `--table` and JSON call it.
pub const EXPLANATIONS: &str = "explanations";

pub struct ExplainReport {
    pub ring: RingId,
    /// The change the keys are placed after (`--fail`), in words.
    pub change: Option<String>,
    /// Node labels by node index.
    pub labels: Vec<String>,
    pub explained: Vec<(Vec<u8>, Explanation)>,
}

impl ExplainReport {
    fn label(&self, node: NodeId) -> &str {
        &self.labels[node as usize]
    }

    fn unassigned(&self) -> u64 {
        self.explained
            .iter()
            .filter(|(_, e)| e.node.is_none())
            .count() as u64
    }
}

/// Bytes under `name` when they are UTF-8, else base64 under `name_base64`, as `map` writes
/// keys; `null` under `name` when there are none.
struct Binary<'a> {
    name: &'static str,
    base64_name: &'static str,
    bytes: Option<&'a [u8]>,
}

impl Serialize for Binary<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match self.bytes.map(std::str::from_utf8) {
            None => map.serialize_entry(self.name, &None::<&str>)?,
            Some(Ok(text)) => map.serialize_entry(self.name, text)?,
            Some(Err(_)) => {
                map.serialize_entry(self.base64_name, &STANDARD.encode(self.bytes.unwrap()))?
            }
        }
        map.end()
    }
}

#[derive(Serialize)]
struct EntryView<'a> {
    position: u128,
    node: &'a str,
    index: u64,
}

#[derive(Serialize)]
struct RangeView {
    first: u128,
    last: u128,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ScoreValue {
    Whole(u64),
    Real(f64),
}

#[derive(Serialize)]
struct ScoreView<'a> {
    node: &'a str,
    score: ScoreValue,
}

#[derive(Serialize)]
struct ProbeView<'a> {
    value: u64,
    position: u128,
    node: &'a str,
    index: u64,
    distance: u64,
}

#[derive(Serialize)]
struct StepView<'a> {
    hash_value: Option<u128>,
    position: Option<u128>,
    index: Option<u64>,
    node: &'a str,
    usable: bool,
}

/// One key's explanation as JSON spells it.
#[derive(Serialize)]
struct KeyView<'a> {
    #[serde(flatten)]
    key: Binary<'a>,
    #[serde(flatten)]
    hashed: Binary<'a>,
    hash: Option<&'a str>,
    hash_value: Option<u128>,
    position_kind: Option<&'static str>,
    position: Option<u128>,
    rule: Option<&'static str>,
    chosen: Option<EntryView<'a>>,
    wrapped: bool,
    before: Vec<EntryView<'a>>,
    after: Vec<EntryView<'a>>,
    range: Option<RangeView>,
    scores: Vec<ScoreView<'a>>,
    probes: Vec<ProbeView<'a>>,
    path: Vec<StepView<'a>>,
    node: Option<&'a str>,
    note: Option<&'a str>,
}

impl ExplainReport {
    fn view<'a>(&'a self, key: &'a [u8], e: &'a Explanation) -> KeyView<'a> {
        let entry = |entry: &Entry| EntryView {
            position: entry.position,
            node: self.label(entry.node),
            index: entry.index,
        };
        KeyView {
            key: Binary {
                name: "key",
                base64_name: "key_base64",
                bytes: Some(key),
            },
            hashed: Binary {
                name: "hashed",
                base64_name: "hashed_base64",
                bytes: e.hashed.as_deref(),
            },
            hash: e.hash.as_deref(),
            hash_value: e.hash_value,
            position_kind: e.position.map(Searched::name),
            position: e.position_value,
            rule: e.rule,
            chosen: e.chosen.as_ref().map(entry),
            wrapped: e.wrapped,
            before: e.before.iter().map(entry).collect(),
            after: e.after.iter().map(entry).collect(),
            range: e.range.map(|(first, last)| RangeView { first, last }),
            scores: (e.scores.iter())
                .map(|s| ScoreView {
                    node: self.label(s.node),
                    score: match s.score {
                        Score::Whole(n) => ScoreValue::Whole(n),
                        Score::Real(f) => ScoreValue::Real(f),
                    },
                })
                .collect(),
            probes: (e.probes.iter())
                .map(|p| ProbeView {
                    value: p.value,
                    position: p.point.position,
                    node: self.label(p.point.node),
                    index: p.point.index,
                    distance: p.distance,
                })
                .collect(),
            path: (e.path.iter())
                .map(|s| StepView {
                    hash_value: s.hash_value,
                    position: s.position_value,
                    index: s.index,
                    node: self.label(s.node),
                    usable: s.usable,
                })
                .collect(),
            node: e.node.map(|n| self.label(n)),
            note: e.note.as_deref(),
        }
    }
}

impl Serialize for ExplainReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let views: Vec<KeyView> = (self.explained.iter())
            .map(|(key, e)| self.view(key, e))
            .collect();
        let mut fields = serializer.serialize_struct("ExplainReport", 5)?;
        fields.serialize_field("ring", &self.ring)?;
        fields.serialize_field("change", &self.change)?;
        fields.serialize_field("keys", &(self.explained.len() as u64))?;
        fields.serialize_field("unassigned", &self.unassigned())?;
        fields.serialize_field(EXPLANATIONS, &views)?;
        fields.end()
    }
}

/// A whole number as a cell: a count where it fits (right-aligned), else its digits.
fn number(value: u128) -> Cell {
    match u64::try_from(value) {
        Ok(n) => Cell::Count(n),
        Err(_) => Cell::Text(value.to_string()),
    }
}

fn optional<T>(value: Option<T>, cell: impl FnOnce(T) -> Cell) -> Cell {
    value.map_or(Cell::Missing, cell)
}

fn text(value: Option<&str>) -> Cell {
    optional(value, |t| Cell::Text(t.to_string()))
}

/// Names of a position kind's entries, for people.
fn plural(kind: Searched) -> &'static str {
    match kind {
        Searched::Point => "points",
        Searched::Slot => "slots",
        Searched::Bucket => "buckets",
        Searched::TableIndex => "entries",
    }
}

fn kind_name(kind: Searched) -> &'static str {
    match kind {
        Searched::TableIndex => "entry",
        other => other.name(),
    }
}

/// `bytes` as [`shown`] writes them in at most `room` characters (escapes take several).
fn shown_within(bytes: &[u8], room: usize) -> String {
    let mut limit = room;
    loop {
        let text = shown(bytes, limit);
        if text.chars().count() <= room || limit <= 1 {
            return text;
        }
        limit -= 1;
    }
}

/// `name` then `value`, wrapped to `width`, the lines after the first indented under the
/// value.
fn field(name: &str, value: &str, width: usize) -> Vec<String> {
    let room = width.saturating_sub(NAME_WIDTH).max(20);
    table::wrap(value, Some(room))
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let name = if i == 0 { name } else { "" };
            format!("{name:<NAME_WIDTH$}{line}").trim_end().to_string()
        })
        .collect()
}

impl ExplainReport {
    fn node_text(&self, node: Option<NodeId>) -> String {
        node.map_or_else(
            || super::keys::UNASSIGNED.to_string(),
            |n| self.label(n).to_string(),
        )
    }

    fn lines(&self, key: &[u8], e: &Explanation, width: usize) -> Vec<String> {
        let room = width.saturating_sub(NAME_WIDTH + 2).min(SHOWN_BYTES);
        let mut lines = field("key", &shown_within(key, room), width);
        lines.extend(field("node", &self.node_text(e.node), width));
        if let Some(hashed) = &e.hashed {
            let mut value = format!("\"{}\"", shown_within(hashed, room));
            match (&e.hash, e.hash_value) {
                (Some(hash), Some(v)) => value += &format!(", {hash} = {v}"),
                (None, Some(v)) => value += &format!(", not hashed: {v}"),
                _ => {}
            }
            lines.extend(field("hashed", &value, width));
        }
        if let (Some(kind), Some(position)) = (e.position, e.position_value) {
            let mut value = position.to_string();
            if let Some(rule) = e.rule {
                value += &format!(": {rule}");
            }
            lines.extend(field(kind_name(kind), &value, width));
            if e.wrapped {
                lines.extend(field(
                    "wrapped",
                    "past the last point: the search went on from the first",
                    width,
                ));
            }
            if let (Some((first, last)), Some(chosen)) = (e.range, e.chosen) {
                let value = format!(
                    "{} {first} to {last}, held by {}",
                    plural(kind),
                    self.label(chosen.node)
                );
                lines.extend(field("range", &value, width));
            }
        }
        if let Some(note) = &e.note {
            lines.extend(field("note", note, width));
        }
        lines
    }

    fn entry_row(&self, role: &'static str, entry: &Entry) -> Vec<Cell> {
        vec![
            Cell::Text(role.to_string()),
            Cell::Count(entry.index),
            number(entry.position),
            Cell::Text(self.label(entry.node).to_string()),
        ]
    }

    /// The entry found between its neighbours, in search order.
    fn entries(&self, e: &Explanation) -> Option<Tabular> {
        let chosen = e.chosen.as_ref()?;
        let rows = (e.before.iter().map(|b| self.entry_row("before", b)))
            .chain([self.entry_row("chosen", chosen)])
            .chain(e.after.iter().map(|a| self.entry_row("after", a)))
            .collect();
        Some(Tabular {
            name: "entries",
            title: None,
            columns: vec![
                Column::headed("role", ""),
                Column::named("index"),
                Column::named("position"),
                Column::named("node"),
            ],
            rows,
            summary: Vec::new(),
        })
    }

    fn scores(&self, e: &Explanation) -> Option<Tabular> {
        (!e.scores.is_empty()).then(|| Tabular {
            name: "scores",
            title: Some("scores".into()),
            columns: vec![
                Column::named("rank"),
                Column::named("node"),
                Column::named("score"),
            ],
            rows: (e.scores.iter().enumerate())
                .map(|(rank, s)| {
                    vec![
                        Cell::Count(rank as u64 + 1),
                        Cell::Text(self.label(s.node).to_string()),
                        match s.score {
                            Score::Whole(n) => Cell::Count(n),
                            Score::Real(f) => Cell::Number(f, 6),
                        },
                    ]
                })
                .collect(),
            summary: Vec::new(),
        })
    }

    fn probes(&self, e: &Explanation) -> Option<Tabular> {
        (!e.probes.is_empty()).then(|| Tabular {
            name: "probes",
            title: Some("probes".into()),
            columns: vec![
                Column::named("probe"),
                Column::named("value"),
                Column::headed("position", "next point"),
                Column::named("node"),
                Column::named("distance"),
            ],
            rows: (e.probes.iter().enumerate())
                .map(|(i, p)| {
                    vec![
                        Cell::Count(i as u64 + 1),
                        Cell::Count(p.value),
                        number(p.point.position),
                        Cell::Text(self.label(p.point.node).to_string()),
                        Cell::Count(p.distance),
                    ]
                })
                .collect(),
            summary: Vec::new(),
        })
    }

    fn path(&self, e: &Explanation) -> Option<Tabular> {
        (!e.path.is_empty()).then(|| Tabular {
            name: "path",
            title: Some("path".into()),
            columns: vec![
                Column::named("try"),
                Column::named("hash_value"),
                Column::named("position"),
                Column::named("index"),
                Column::named("node"),
                Column::headed("usable", ""),
            ],
            rows: (e.path.iter().enumerate())
                .map(|(i, s)| {
                    vec![
                        Cell::Count(i as u64 + 1),
                        optional(s.hash_value, number),
                        optional(s.position_value, number),
                        optional(s.index, Cell::Count),
                        Cell::Text(self.label(s.node).to_string()),
                        Cell::Text(if s.usable { "serves" } else { "unusable" }.to_string()),
                    ]
                })
                .collect(),
            summary: Vec::new(),
        })
    }
}

impl Report for ExplainReport {
    /// One row per key: the fields of one value each (neighbours, scores, probes and the
    /// path are in JSON).
    fn tables(&self) -> Vec<Tabular> {
        let rows = (self.explained.iter())
            .map(|(key, e)| {
                vec![
                    Cell::Key(key.clone()),
                    optional(e.hashed.clone(), Cell::Key),
                    text(e.hash.as_deref()),
                    optional(e.hash_value, number),
                    optional(e.position, |k| Cell::Text(k.name().to_string())),
                    optional(e.position_value, number),
                    optional(e.chosen, |c| number(c.position)),
                    optional(e.chosen, |c| Cell::Text(self.label(c.node).to_string())),
                    optional(e.chosen, |c| Cell::Count(c.index)),
                    Cell::Text(e.wrapped.to_string()),
                    optional(e.range, |r| number(r.0)),
                    optional(e.range, |r| number(r.1)),
                    text(e.node.map(|n| self.label(n))),
                    text(e.rule),
                    text(e.note.as_deref()),
                ]
            })
            .collect();
        vec![Tabular {
            name: EXPLANATIONS,
            title: None,
            columns: columns(&[
                "key",
                "hashed",
                "hash",
                "hash_value",
                "position_kind",
                "position",
                "chosen_position",
                "chosen_node",
                "chosen_index",
                "wrapped",
                "range_first",
                "range_last",
                "node",
                "rule",
                "note",
            ]),
            rows,
            summary: Vec::new(),
        }]
    }

    fn headline(&self) -> Vec<(&'static str, Cell)> {
        vec![
            ("keys", Cell::Count(self.explained.len() as u64)),
            ("unassigned", Cell::Count(self.unassigned())),
        ]
    }

    fn blocks(&self, width: usize) -> Option<Vec<Block>> {
        Some(
            (self.explained.iter())
                .map(|(key, e)| Block {
                    lines: self.lines(key, e, width),
                    tables: [
                        self.entries(e),
                        self.scores(e),
                        self.probes(e),
                        self.path(e),
                    ]
                    .into_iter()
                    .flatten()
                    .collect(),
                })
                .collect(),
        )
    }
}
