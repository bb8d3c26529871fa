//! Reading one report for `merge`: the JSON that `dist`, `simulate` or `diff` wrote with
//! `--format json`, recognised by its fields and read into the parts `merge` sums.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{NamedPart, Part};
use crate::analysis::NodeLoad;
use crate::analysis::movement::{Flow, HashSpaceMovement, SideLoad};
use crate::analysis::top::MovedHotKey;
use crate::error::{Error, Location, Result};
use crate::files::{MAX_REPORT, read_bounded, read_file_bounded};
use crate::fingerprint::RingId;
use crate::scenario::RebalancePlan;

/// A `dist` report as `merge` reads it: the counts it sums, what must agree, and the figures
/// derived from the counts, which are checked against the counts and then recomputed. It
/// serializes as the report does, so that a report can be compared with the one its counts
/// give.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct DistPart {
    pub keys: u64,
    /// `--key-weight` reports: the total load, and the load of the unassigned keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<u64>,
    pub nodes: Vec<NodeLoad>,
    pub unassigned: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unassigned_load: Option<u64>,
    /// Kept as written: a statistic of no keys is NaN, which JSON writes as `null`.
    pub stats: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_stats: Option<Value>,
    /// `--top N` reports: the N.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_n: Option<usize>,
    pub ring: RingId,
}

/// A `simulate` or `diff` report as `merge` reads it, like [`DistPart`].
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct MovementPart {
    pub keys: u64,
    /// `--key-weight` reports: the load twins of the key figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<u64>,
    pub moved: u64,
    pub moved_share: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_load: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_load_share: Option<f64>,
    pub ideal_moved_share: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ideal_moved_load_share: Option<f64>,
    pub excess_moved: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excess_moved_load: Option<u64>,
    pub unavailable: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable_load: Option<u64>,
    pub basis: String,
    pub before: Vec<SideLoad>,
    pub after: Vec<SideLoad>,
    pub flows: Vec<Flow>,
    /// `--top N` reports: the heaviest moved keys, and the N.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_moved: Option<Vec<MovedHotKey>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_n: Option<usize>,
    pub hash_space: HashSpaceMovement,
    pub ring: RingId,
    /// Redis Cluster: the rebalance, the same in every part of one change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebalance: Option<RebalancePlan>,
}

/// The name `-` reads standard input; messages call it `<stdin>`.
pub const STDIN: &str = "-";

/// Reads the report in file `name` (`-`: standard input).
pub fn read(name: &str) -> Result<NamedPart> {
    let (limit, what) = (MAX_REPORT, "a report");
    let (shown, bytes) = if name == STDIN {
        let stdin = std::io::stdin().lock();
        let shown = Path::new("<stdin>");
        let bytes = read_bounded(stdin, shown, "cannot read report", limit, what, WANTED)?;
        ("<stdin>".to_string(), bytes)
    } else {
        let path = Path::new(name);
        let bytes = read_file_bounded(path, "cannot read report", limit, what, WANTED)?;
        (name.to_string(), bytes)
    };
    let part = parse(&shown, &bytes)?;
    Ok(NamedPart { name: shown, part })
}

/// Recognises and reads one report; `name` says where it came from in messages.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Part> {
    let fail = |message: String| Error::input(Location::new(name, None), message);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(fail(format!("empty; {WANTED}")));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let at = Location::new(name, Some(e.line()));
        Error::input(at, format!("not JSON ({}); {WANTED}", without_position(&e)))
    })?;
    let Value::Object(fields) = &value else {
        return Err(fail(format!(
            "not a ringscope report: a JSON {} instead of an object; {WANTED}",
            kind_of(&value)
        )));
    };
    let kind = detect(fields).map_err(fail)?;
    if !fields.contains_key("ring") {
        return Err(fail(format!(
            "this {} report has no \"ring\" field, which says what ring it was made with \
             (a ringscope older than merge wrote it); make every report with this version",
            kind.name()
        )));
    }
    match kind {
        Kind::Dist => typed(value, kind).map(Part::Dist),
        Kind::Movement => typed(value, kind).map(|part| Part::Movement(Box::new(part))),
    }
    .map_err(fail)
}

const WANTED: &str = "merge reads the reports of dist, simulate or diff written with --format json";

/// The kinds of report `merge` sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Dist,
    Movement,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Dist => "dist",
            Kind::Movement => "simulate/diff",
        }
    }
}

/// Which report this is, from the fields only that report has; the reports `merge` cannot
/// sum are named, so the message says why.
fn detect(fields: &Map<String, Value>) -> Result<Kind, String> {
    let has = |name: &str| fields.contains_key(name);
    if has("rows") {
        return Err(
            "a simulate --fail-each report: its rows keep no per-node key counts, so a merge \
             could not recompute the ideal; merge one simulate --fail LABEL report per node instead"
                .into(),
        );
    }
    if has("moved") && has("before") && has("after") {
        return Ok(Kind::Movement);
    }
    if has("nodes") && has("stats") {
        if has("keys") {
            return Ok(Kind::Dist);
        }
        return Err(
            "a ring report: it counts no keys and is the same on every host, so there is \
             nothing to merge; merge dist reports instead"
                .into(),
        );
    }
    Err(format!(
        "not a ringscope report (no dist or simulate/diff fields); {WANTED}"
    ))
}

fn typed<T: DeserializeOwned>(value: Value, kind: Kind) -> Result<T, String> {
    serde_json::from_value(value)
        .map_err(|e| format!("not a complete {} report: {e}; {WANTED}", kind.name()))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// serde_json's message without its trailing `at line L column C`: the line goes into the
/// location, where every other input error puts it.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(bytes: &str) -> String {
        parse("r.json", bytes.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn bad_input_is_named_not_panicked_on() {
        assert!(message("").starts_with("r.json: empty;"));
        assert!(message("{\"keys\": 1,").starts_with("r.json:1: not JSON (EOF while parsing"));
        assert!(message("[1, 2]").contains("a JSON array instead of an object"));
        assert!(message("{\"hello\": 1}").contains("not a ringscope report"));
        assert!(message("{\"rows\": []}").contains("--fail-each"));
        assert!(message("{\"nodes\": [], \"stats\": {}}").contains("a ring report"));
        assert!(
            message("{\"nodes\": [], \"stats\": {}, \"keys\": 3}").contains("no \"ring\" field")
        );
        let partial = "{\"nodes\": [], \"stats\": {}, \"keys\": 3, \"ring\": {\"description\": \"x\", \"fingerprint\": \"y\"}}";
        assert!(
            message(partial).contains("not a complete dist report: missing field `unassigned`")
        );
        let negative = "{\"nodes\": [], \"stats\": {}, \"keys\": -3, \"unassigned\": 0, \"ring\": {\"description\": \"x\", \"fingerprint\": \"y\"}}";
        assert!(message(negative).contains("not a complete dist report: invalid value"));
    }
}
