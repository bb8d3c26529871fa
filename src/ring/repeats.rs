//! The first value of a list that repeats an earlier one, found in one pass: node lists run
//! to a million entries, where comparing each entry with every one before it takes hours.

use std::collections::HashMap;
use std::hash::Hash;

/// `(earlier, later)`: the smallest index `later` whose value equals that of an earlier one,
/// and the first index holding that value; `None` when all values differ.
pub fn first_repeat<K: Hash + Eq>(values: impl IntoIterator<Item = K>) -> Option<(usize, usize)> {
    let values = values.into_iter();
    let mut seen: HashMap<K, usize> = HashMap::with_capacity(values.size_hint().0);
    for (later, value) in values.enumerate() {
        if let Some(&earlier) = seen.get(&value) {
            return Some((earlier, later));
        }
        seen.insert(value, later);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::first_repeat;

    #[test]
    fn finds_the_first_later_repeat_and_its_first_occurrence() {
        assert_eq!(first_repeat(["a", "b", "c"]), None);
        assert_eq!(first_repeat(Vec::<&str>::new()), None);
        assert_eq!(first_repeat(["a", "b", "a", "b", "a"]), Some((0, 2)));
        assert_eq!(first_repeat(["x", "b", "c", "b", "x"]), Some((1, 3)));
    }

    #[test]
    fn a_hundred_thousand_distinct_values_in_one_pass() {
        let values: Vec<String> = (0..100_000).map(|i| format!("10.0.{i}:80")).collect();
        assert_eq!(first_repeat(&values), None);
        let mut repeated = values.clone();
        repeated.push(values[77_777].clone());
        assert_eq!(first_repeat(&repeated), Some((77_777, 100_000)));
    }
}
