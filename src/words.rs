//! Counts in prose: "1 node", "2 nodes", never "1 nodes" or "node(s)".

/// `count` with the noun that agrees with it.
pub fn counted(count: impl Into<u64>, one: &str, many: &str) -> String {
    let count = count.into();
    format!("{count} {}", if count == 1 { one } else { many })
}

/// [`counted`] for a `usize`, the count of most lists.
pub fn listed(count: usize, one: &str, many: &str) -> String {
    counted(count as u64, one, many)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(counted(1u64, "node", "nodes"), "1 node");
        assert_eq!(counted(0u64, "node", "nodes"), "0 nodes");
        assert_eq!(listed(2, "position", "positions"), "2 positions");
    }
}
