//! Resolving user-typed names (hashes, algorithms, presets, formats) with a suggestion of the
//! nearest valid one when nothing matches.

use crate::error::Error;

/// Finds `wanted` among `(name, value)` pairs, or builds an error that lists the valid names
/// and suggests the closest.
pub fn resolve<T: Copy>(what: &str, wanted: &str, table: &[(&str, T)]) -> Result<T, Error> {
    if let Some((_, value)) = table.iter().find(|(name, _)| *name == wanted) {
        return Ok(*value);
    }
    let names: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
    Err(Error::usage(unknown(what, wanted, &names)))
}

/// Valid names a message lists; a pool of 100,000 nodes is not one line.
const LISTED: usize = 32;
/// Characters of the unknown name a message quotes.
const QUOTED: usize = 60;

/// The message for an unknown name: the nearest valid name when one is close, then the valid
/// ones (the first [`LISTED`] of a long list, and how many more).
pub fn unknown(what: &str, wanted: &str, valid: &[&str]) -> String {
    let quoted = crate::keys::shown(wanted.as_bytes(), QUOTED);
    if valid.is_empty() {
        return format!("unknown {what} '{quoted}' (there is none)");
    }
    let wanted_lower = wanted.to_lowercase();
    // Fewest edits first; among equals, the name sharing the longest start (Jaro-Winkler).
    let score = |name: &str| {
        let similarity = strsim::jaro_winkler(&wanted_lower, name);
        (
            strsim::damerau_levenshtein(&wanted_lower, name),
            std::cmp::Reverse((similarity * 1e6) as u64),
        )
    };
    // Edit distance costs the product of the lengths: a name far longer than any valid one
    // is near none of them, and is not compared.
    let longest = valid.iter().map(|name| name.len()).max().unwrap_or(0);
    let nearest = valid
        .iter()
        .filter(|_| wanted.len() <= 2 * longest + 8)
        .min_by_key(|name| score(name))
        .map(|name| (score(name).0, *name));
    // A name that shares nothing with what was typed is no suggestion ('x' is not near 'a').
    let typed = wanted.chars().count();
    let hint = match nearest {
        Some((distance, name)) if distance <= 2.max(typed / 3) && distance < typed => {
            format!("; did you mean '{name}'?")
        }
        _ => String::new(),
    };
    let listed = if valid.len() > LISTED {
        format!(
            "{}, … and {} more",
            valid[..LISTED].join(", "),
            valid.len() - LISTED
        )
    } else {
        valid.join(", ")
    };
    format!("unknown {what} '{quoted}'{hint} (valid: {listed})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_and_long_names_are_cut_short() {
        let names: Vec<String> = (0..100_000).map(|i| format!("node-{i}")).collect();
        let valid: Vec<&str> = names.iter().map(String::as_str).collect();
        let message = unknown("node", &"x".repeat(1 << 20), &valid);
        assert!(message.len() < 400, "{}", message.len());
        assert!(message.ends_with("node-31, … and 99968 more)"), "{message}");
        let near = unknown("node", "node-99999x", &valid);
        assert!(near.contains("did you mean 'node-99999'?"), "{near}");
    }

    #[test]
    fn suggests_the_nearest_name() {
        let table = [("fnv1a_64", 1), ("fnv1_64", 2), ("md5", 3)];
        let err = resolve("hash", "fnv1a64", &table).unwrap_err().to_string();
        assert!(err.contains("did you mean 'fnv1a_64'"), "{err}");
        assert_eq!(resolve("hash", "md5", &table).unwrap(), 3);
    }

    #[test]
    fn no_suggestion_for_a_distant_name() {
        let err = unknown("hash", "zzzzzzzz", &["md5", "sha1"]);
        assert!(!err.contains("did you mean"), "{err}");
        assert!(err.contains("valid: md5, sha1"), "{err}");
        // Every letter replaced is no suggestion, however short the names.
        let err = unknown("pool", "x", &["a", "b"]);
        assert_eq!(err, "unknown pool 'x' (valid: a, b)");
        let err = unknown("format", "jsn", &["table", "csv", "json"]);
        assert!(err.contains("did you mean 'json'"), "{err}");
    }
}
