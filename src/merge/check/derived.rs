//! The figures a report derives from its counts (shares, statistics, the ideal movement, the
//! order of the flows, which fields a `--key-weight` or `--top` report has), compared with
//! those of the report its counts give when built as the command builds it: a genuine report
//! is that report, to the bit, since JSON carries every float exactly.

use serde::Serialize;
use serde_json::Value;

use super::inconsistent;
use crate::error::Result;

/// Refuses `stated` unless it serializes as `rebuilt` does, naming the first field that
/// differs.
pub(super) fn compare(name: &str, stated: &impl Serialize, rebuilt: &impl Serialize) -> Result<()> {
    let value = |report: Result<Value, serde_json::Error>| {
        report
            .map_err(|e| inconsistent(name, &format!("it cannot be compared with its counts: {e}")))
    };
    let (stated, rebuilt) = (
        value(serde_json::to_value(stated))?,
        value(serde_json::to_value(rebuilt))?,
    );
    match difference(&stated, &rebuilt, "") {
        Some(what) => Err(inconsistent(name, &what)),
        None => Ok(()),
    }
}

/// What differs first between `stated` and `rebuilt` at `path`, in words.
fn difference(stated: &Value, rebuilt: &Value, path: &str) -> Option<String> {
    match (stated, rebuilt) {
        (Value::Object(stated), Value::Object(rebuilt)) => {
            let mut fields: Vec<&String> = stated.keys().chain(rebuilt.keys()).collect();
            fields.sort();
            fields.dedup();
            fields.into_iter().find_map(|field| {
                let at = if path.is_empty() {
                    field.clone()
                } else {
                    format!("{path}.{field}")
                };
                match (stated.get(field), rebuilt.get(field)) {
                    (Some(s), Some(r)) => difference(s, r, &at),
                    (None, Some(r)) => Some(format!(
                        "it has no {at}, which a report of its counts has ({})",
                        shown(r)
                    )),
                    (Some(s), None) => Some(format!(
                        "it has {at} ({}), which a report of its counts has not",
                        shown(s)
                    )),
                    (None, None) => None,
                }
            })
        }
        (Value::Array(stated), Value::Array(rebuilt)) if stated.len() == rebuilt.len() => stated
            .iter()
            .zip(rebuilt)
            .enumerate()
            .find_map(|(i, (s, r))| difference(s, r, &format!("{path}[{i}]"))),
        (Value::Array(stated), Value::Array(rebuilt)) => Some(format!(
            "its {path} has {}, where a report of its counts has {}",
            entries(stated.len()),
            entries(rebuilt.len())
        )),
        _ if stated == rebuilt => None,
        _ => Some(format!(
            "its {path} is {}, where a report of its counts has {}",
            shown(stated),
            shown(rebuilt)
        )),
    }
}

fn entries(n: usize) -> String {
    if n == 1 {
        "1 entry".to_string()
    } else {
        format!("{n} entries")
    }
}

/// A value for a message: compact JSON, cut short.
fn shown(value: &Value) -> String {
    const MOST: usize = 60;
    let text = value.to_string();
    match text.char_indices().nth(MOST) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_difference_is_named_by_its_path() {
        let rebuilt = json!({"keys": 3, "nodes": [{"share": 0.5}, {"share": 0.25}]});
        let said = |stated: Value| difference(&stated, &rebuilt, "");
        assert_eq!(said(rebuilt.clone()), None);
        assert_eq!(
            said(json!({"keys": 3, "nodes": [{"share": 0.5}, {"share": 0.3}]})).unwrap(),
            "its nodes[1].share is 0.3, where a report of its counts has 0.25"
        );
        assert_eq!(
            said(json!({"keys": 3, "nodes": [{"share": 0.5}]})).unwrap(),
            "its nodes has 1 entry, where a report of its counts has 2 entries"
        );
        assert_eq!(
            said(json!({"nodes": [{"share": 0.5}, {"share": 0.25}]})).unwrap(),
            "it has no keys, which a report of its counts has (3)"
        );
        assert_eq!(
            said(json!({"keys": 3, "top_n": 5, "nodes": [{"share": 0.5}, {"share": 0.25}]}))
                .unwrap(),
            "it has top_n (5), which a report of its counts has not"
        );
        // A whole number where a float belongs is another number to JSON, and a difference.
        assert!(said(json!({"keys": 3.0, "nodes": [{"share": 0.5}, {"share": 0.25}]})).is_some());
    }
}
