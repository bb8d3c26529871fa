//! Seeded synthetic keys, the same on every platform and in every release.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

use crate::error::{Error, Result};
use crate::keys::BATCH;

/// Synthetic keys: `pattern` with every `{}` replaced by a random 64-bit number and every
/// `{n}` by the key's sequence number, from ChaCha8 seeded with `seed` (the same keys on
/// every platform).
#[derive(Clone, Debug)]
pub struct RandomKeys {
    pub count: u64,
    pub seed: u64,
    pub pattern: String,
}

pub const DEFAULT_PATTERN: &str = "key:{}";

pub(super) fn check_pattern(pattern: &str) -> Result<()> {
    if !pattern.contains("{}") && !pattern.contains("{n}") {
        return Err(Error::usage(format!(
            "--pattern '{pattern}' has no '{{}}' (random number) or '{{n}}' (sequence number); every key would be the same"
        )));
    }
    Ok(())
}

/// Calls `each` with the keys in order, [`BATCH`] at a time (the last batch may be shorter).
pub fn generate_batches(
    random: &RandomKeys,
    each: &mut impl FnMut(&[&[u8]]) -> Result<()>,
) -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(random.seed);
    let pieces: Vec<&str> = random.pattern.split('{').collect();
    let mut bytes = Vec::with_capacity(BATCH * (random.pattern.len() + 40));
    let mut ends = [0usize; BATCH];
    let mut digits = itoa::Buffer::new();
    let mut n = 0;
    while n < random.count {
        bytes.clear();
        let in_batch = (random.count - n).min(BATCH as u64) as usize;
        for end in &mut ends[..in_batch] {
            bytes.extend_from_slice(pieces[0].as_bytes());
            for piece in &pieces[1..] {
                if let Some(rest) = piece.strip_prefix('}') {
                    bytes.extend_from_slice(digits.format(rng.next_u64()).as_bytes());
                    bytes.extend_from_slice(rest.as_bytes());
                } else if let Some(rest) = piece.strip_prefix("n}") {
                    bytes.extend_from_slice(digits.format(n).as_bytes());
                    bytes.extend_from_slice(rest.as_bytes());
                } else {
                    bytes.push(b'{');
                    bytes.extend_from_slice(piece.as_bytes());
                }
            }
            *end = bytes.len();
            n += 1;
        }
        let mut keys: [&[u8]; BATCH] = [&[]; BATCH];
        let mut start = 0;
        for (key, &end) in keys.iter_mut().zip(&ends[..in_batch]) {
            *key = &bytes[start..end];
            start = end;
        }
        each(&keys[..in_batch])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyFormat, KeySource};

    fn random_keys(pattern: &str, seed: u64, count: u64) -> Vec<String> {
        let source = KeySource::Random(RandomKeys {
            count,
            seed,
            pattern: pattern.into(),
        });
        let mut keys = Vec::new();
        source
            .for_each(KeyFormat::default(), |k| {
                keys.push(String::from_utf8(k.to_vec()).unwrap());
                Ok(())
            })
            .unwrap();
        keys
    }

    #[test]
    fn random_keys_are_reproducible() {
        let a = random_keys("user:{}:{n}", 42, 3);
        assert_eq!(a, random_keys("user:{}:{n}", 42, 3));
        assert_ne!(a, random_keys("user:{}:{n}", 43, 3));
        assert!(a[2].starts_with("user:") && a[2].ends_with(":2"), "{a:?}");
        // Pinned: ChaCha8 and rand_core's seed_from_u64 are specified algorithms, so a seed
        // gives these keys on every platform and in every release.
        assert_eq!(
            random_keys("{}", 42, 2),
            ["12578764544318200737", "17529487244874322312"]
        );
        assert_eq!(random_keys("x{y}{n}", 0, 2), ["x{y}0", "x{y}1"]);
    }

    #[test]
    fn pattern_needs_a_placeholder() {
        assert!(check_pattern("user:").is_err());
        assert!(check_pattern("user:{n}").is_ok());
    }
}
