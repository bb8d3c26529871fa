//! Each report checked before it is summed, so that a report edited by hand (or damaged, or
//! written by another program) is refused with what does not add up instead of being summed
//! into figures that no longer do.
//!
//! A report is what ringscope writes from its counts, so a genuine one passes every check
//! here exactly: its counts add up as the counting makes them ([`accounts`], [`dist`]), its
//! loads weigh nothing where there are no keys, its `--top` lists hold as many keys as the
//! counts allow and weigh no more than their loads ([`top`]), and every figure derived from
//! the counts (shares, statistics, the ideal, the order of the flows) is the one the
//! report's own builder gives ([`derived`]). What comes from the ring alone is checked to be
//! well formed ([`hash_space`]); that it is the same in every part is the merge's to check.

mod accounts;
mod derived;
mod dist;
mod hash_space;
mod movement;
mod top;

#[cfg(test)]
mod tests;

use std::collections::HashSet;

use super::{NamedPart, Part, inconsistent};
use crate::analysis::top::MAX_TOP;
use crate::error::Result;

/// Refuses `named` unless it is a report as ringscope writes it.
pub(super) fn part(named: &NamedPart) -> Result<()> {
    match &named.part {
        Part::Dist(part) => dist::check(&named.name, part),
        Part::Movement(part) => movement::check(&named.name, part),
    }
}

/// Refuses a report that lists no node, or a node twice: a ring has nodes, each once.
fn nodes_once<'a>(name: &str, labels: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut seen = HashSet::new();
    for label in labels {
        if !seen.insert(label) {
            return Err(inconsistent(name, &format!("it lists node {label} twice")));
        }
    }
    if seen.is_empty() {
        return Err(inconsistent(name, "it lists no nodes"));
    }
    Ok(())
}

/// `top_n` as `--top` takes it.
fn top_n(name: &str, n: usize) -> Result<()> {
    if !(1..=MAX_TOP).contains(&n) {
        return Err(inconsistent(
            name,
            &format!("its top_n is {n}, but --top takes 1 to {MAX_TOP}"),
        ));
    }
    Ok(())
}

/// A sum of counts that cannot overflow: `u64` amounts, fewer than 2^64 of them.
fn total(amounts: impl IntoIterator<Item = u64>) -> u128 {
    amounts.into_iter().map(u128::from).sum()
}

/// Refuses `stated` unless it is `sum`: "`what` do not add up to `whole`: they make …".
fn adds_up(name: &str, what: &str, whole: &str, sum: u128, stated: u64) -> Result<()> {
    if sum != u128::from(stated) {
        return Err(inconsistent(
            name,
            &format!("{what} do not add up to {whole}: they make {sum}, not {stated}"),
        ));
    }
    Ok(())
}

/// Refuses a load where there are no keys: the weights of no keys add up to nothing.
/// `figures` are `(what, keys, load)`, `what` completing "the load of".
fn no_keys_no_load(
    name: &str,
    figures: impl IntoIterator<Item = (String, u64, u64)>,
) -> Result<()> {
    match figures
        .into_iter()
        .find(|&(_, keys, load)| keys == 0 && load != 0)
    {
        Some((what, _, load)) => Err(inconsistent(
            name,
            &format!("the load of {what} is {load} with no keys in it"),
        )),
        None => Ok(()),
    }
}

/// A share of something: a number from 0 to 1.
fn is_share(share: f64) -> bool {
    (0.0..=1.0).contains(&share)
}

/// `n` keys, in words: "1 key", "3 keys".
fn keys(n: u64) -> String {
    crate::words::counted(n, "key", "keys")
}
