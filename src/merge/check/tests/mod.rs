//! The checks on reports built here as the commands build them, from keys with weights, and
//! then edited the way a hand would: each check refuses the edit it is there for, with a
//! message that says what does not add up.

mod dist;
mod movement;

use serde_json::Value;

use crate::fingerprint::RingId;
use crate::merge::{NamedPart, merge, parse};

fn ring(description: &str) -> RingId {
    RingId {
        description: description.to_string(),
        fingerprint: "0123456789abcdef0123456789abcdef".to_string(),
    }
}

/// The reports as files `r0.json`, `r1.json`, … would give them to `merge`.
fn merged(reports: &[&Value]) -> crate::Result<()> {
    let parts = reports
        .iter()
        .enumerate()
        .map(|(i, report)| {
            let name = format!("r{i}.json");
            let bytes = serde_json::to_vec_pretty(report).unwrap();
            let part = parse(&name, &bytes)?;
            Ok(NamedPart { name, part })
        })
        .collect::<crate::Result<Vec<_>>>()?;
    merge(&parts).map(|_| ())
}

fn accepted(reports: &[&Value]) {
    if let Err(e) = merged(reports) {
        panic!("a genuine report refused: {e}");
    }
}

/// The message `merge` refuses `reports` with, checked to name the file and to ask whether
/// the report was edited.
fn refusal(reports: &[&Value]) -> String {
    let message = merged(reports)
        .expect_err("an edited report accepted")
        .to_string();
    assert!(message.starts_with('r'), "{message}");
    assert!(!message.contains('\n'), "{message}");
    message
}

/// `report` with one field set: `path` is the JSON pointer of the field.
fn with(report: &Value, path: &str, value: Value) -> Value {
    edited(report, |r| *field(r, path) = value)
}

fn edited(report: &Value, edit: impl FnOnce(&mut Value)) -> Value {
    let mut report = report.clone();
    edit(&mut report);
    report
}

fn field<'a>(report: &'a mut Value, path: &str) -> &'a mut Value {
    report
        .pointer_mut(path)
        .unwrap_or_else(|| panic!("no field {path}"))
}

/// Adds `by` to the count at `path`.
fn add(report: &mut Value, path: &str, by: i64) {
    let count = field(report, path);
    *count = Value::from(count.as_u64().unwrap().checked_add_signed(by).unwrap());
}

/// Asserts that the one-field edit of `report` is refused with a message holding `wanted`.
fn refused_with(report: &Value, edit: impl FnOnce(&mut Value), wanted: &str) {
    let message = refusal(&[&edited(report, edit)]);
    assert!(
        message.contains(wanted),
        "wanted {wanted:?} in the message: {message}"
    );
    assert!(message.contains("was the report edited?"), "{message}");
}
