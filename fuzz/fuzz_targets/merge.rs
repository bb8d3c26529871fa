//! `merge`'s reader and checks on any bytes: no panic; a report they accept merges alone into
//! itself (every figure it states is the one its counts give), and with itself into twice its
//! counts or, when twice does not fit, a refusal: never a wrapped sum.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ringscope::merge::{self, Merged, NamedPart, Part};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(part) = merge::parse("r.json", data) else {
        return;
    };
    let stated = match &part {
        Part::Dist(part) => serde_json::to_value(part),
        Part::Movement(part) => serde_json::to_value(part),
    }
    .expect("a part serializes");
    let named = NamedPart {
        name: "r.json".to_string(),
        part,
    };
    let Ok(alone) = merge::merge(std::slice::from_ref(&named)) else {
        return;
    };
    assert_eq!(
        value(alone),
        stated,
        "an accepted report merges into itself"
    );
    let twice = merge::merge(&[named.clone(), named]);
    for total in ["keys", "load"] {
        let Some(once) = stated[total].as_u64() else {
            continue;
        };
        match (&twice, once.checked_mul(2)) {
            (Ok(twice), Some(doubled)) => {
                assert_eq!(
                    value_of(twice)[total],
                    Value::from(doubled),
                    "{total} twice"
                );
            }
            (Ok(_), None) => panic!("{total} twice past u64 accepted"),
            (Err(e), _) => assert!(
                e.to_string().contains("add up to more than"),
                "merged with itself, refused for another reason: {e}"
            ),
        }
    }
});

fn value(merged: Merged) -> Value {
    value_of(&merged)
}

fn value_of(merged: &Merged) -> Value {
    match merged {
        Merged::Dist(report) => serde_json::to_value(report),
        Merged::Movement(report) => serde_json::to_value(report),
    }
    .expect("a report serializes")
}
