//! Format auto-detection (no `--nodes-format`) on any bytes: no panic, and the detected
//! format parses exactly as naming that format would.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ringscope::nodes::{self, Format};

fuzz_target!(|data: &[u8]| {
    ringscope_fuzz::check_node_list(data, None);
    if let Ok(text) = std::str::from_utf8(data) {
        let pool = ringscope_fuzz::pool_of(data);
        let detected = Format::detect(text.strip_prefix('\u{feff}').unwrap_or(text));
        let auto = nodes::parse(text, "fuzz", None, pool.as_deref());
        let named = nodes::parse(text, "fuzz", Some(detected), pool.as_deref());
        match (auto, named) {
            (Ok(auto), Ok(named)) => {
                assert_eq!(auto.format, detected);
                assert_eq!(auto.nodes, named.nodes);
            }
            (Err(auto), Err(named)) => assert_eq!(auto.to_string(), named.to_string()),
            (auto, named) => panic!("detected {detected:?}: {auto:?} vs {named:?}"),
        }
    }
});
