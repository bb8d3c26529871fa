//! The CLUSTER SHARDS parser (`--nodes-format cluster-shards`: redis-cli's one-value-a-line,
//! numbered and JSON forms) on any bytes: no panic, a pool that keeps the parser's promises,
//! and the same answer through `build_ring` and a file.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ringscope::nodes::Format;

fuzz_target!(|data: &[u8]| {
    ringscope_fuzz::check_node_list(data, Some(Format::ClusterShards));
});
