//! `merge`: the reports of `dist`, `simulate` or `diff` run over parts of the keys (one per
//! host, say) summed into the report over all of them.
//!
//! Only counts are summed. Every figure derived from them is recomputed by the function the
//! command itself builds its report with ([`DistReport::new`],
//! [`crate::analysis::movement::build`]), so the
//! merged report is the one a single run over all the keys would print, to the bit. What
//! comes from the rings alone (expected shares, the hash-space movement) must be the same in
//! every part and is carried over. Parts are summed only when their ring fingerprints
//! ([`crate::fingerprint`]) are equal.
//!
//! Reports made with `--key-weight` sum their loads as well, and only with each other. Their
//! `--top` lists are merged as a run's heaps are ([`crate::analysis::top`]) and cut to the
//! smallest N of the parts: the N heaviest keys of all parts are among each part's N heaviest.

mod check;
mod dist;
mod figures;
mod movement;
mod read;
mod sum;

pub use read::{DistPart, Kind, MovementPart, STDIN, parse, read};
use sum::Sum;

use crate::analysis::DistReport;
use crate::analysis::movement::MovementReport;
use crate::error::{Error, Location, Result};
use crate::fingerprint::RingId;

/// One report as read, before merging.
#[derive(Clone, Debug)]
pub enum Part {
    Dist(DistPart),
    // Boxed: a movement report is several times the size of a dist report.
    Movement(Box<MovementPart>),
}

impl Part {
    pub fn kind(&self) -> Kind {
        match self {
            Part::Dist(_) => Kind::Dist,
            Part::Movement(_) => Kind::Movement,
        }
    }

    fn as_dist(&self) -> Option<&DistPart> {
        match self {
            Part::Dist(part) => Some(part),
            Part::Movement(_) => None,
        }
    }

    fn as_movement(&self) -> Option<&MovementPart> {
        match self {
            Part::Movement(part) => Some(part),
            Part::Dist(_) => None,
        }
    }

    /// Whether the report was made with `--key-weight`.
    fn weighted(&self) -> bool {
        match self {
            Part::Dist(part) => part.load.is_some(),
            Part::Movement(part) => part.load.is_some(),
        }
    }

    fn top_n(&self) -> Option<usize> {
        match self {
            Part::Dist(part) => part.top_n,
            Part::Movement(part) => part.top_n,
        }
    }

    fn ring(&self) -> &RingId {
        match self {
            Part::Dist(part) => &part.ring,
            Part::Movement(part) => &part.ring,
        }
    }

    /// Each node's label and weight (before and after, for a change), to say which node
    /// differs when two rings do.
    fn nodes(&self) -> Vec<(&str, u32, u32)> {
        match self {
            Part::Dist(part) => part
                .nodes
                .iter()
                .map(|n| (n.node.as_str(), n.weight, n.weight))
                .collect(),
            Part::Movement(part) => part
                .before
                .iter()
                .zip(&part.after)
                .map(|(b, a)| (b.node.as_str(), b.weight, a.weight))
                .collect(),
        }
    }
}

/// A report and the file it came from (`<stdin>` for `-`).
#[derive(Clone, Debug)]
pub struct NamedPart {
    pub name: String,
    pub part: Part,
}

/// The merged report, of the kind of its parts.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per run, moved once: boxing would only add an indirection"
)]
pub enum Merged {
    Dist(DistReport),
    Movement(MovementReport),
}

/// Sums `parts` (at least one) after checking each and that they are of one kind and one
/// ring.
pub fn merge(parts: &[NamedPart]) -> Result<Merged> {
    let Some(first) = parts.first() else {
        return Err(Error::usage("merge needs at least one report"));
    };
    for part in parts {
        check::part(part)?;
    }
    for other in &parts[1..] {
        same_kind_and_ring(first, other)?;
        same_weights(first, other)?;
    }
    match first.part {
        Part::Dist(_) => dist::merge(&of_kind(parts, Part::as_dist)).map(Merged::Dist),
        Part::Movement(_) => {
            movement::merge(&of_kind(parts, Part::as_movement)).map(Merged::Movement)
        }
    }
}

/// The parts, all of one kind by now, each with its name.
fn of_kind<'a, T>(
    parts: &'a [NamedPart],
    pick: fn(&'a Part) -> Option<&'a T>,
) -> Vec<(&'a str, &'a T)> {
    parts
        .iter()
        .filter_map(|p| Some((p.name.as_str(), pick(&p.part)?)))
        .collect()
}

/// Refuses `other` unless it is of `first`'s kind and ring, saying what differs.
fn same_kind_and_ring(first: &NamedPart, other: &NamedPart) -> Result<()> {
    let refuse = |message: String| {
        Err(Error::input(
            Location::new(other.name.as_str(), None),
            format!(
                "{message}; merge sums only reports made with the same ring options and changes"
            ),
        ))
    };
    let (kind, first_kind) = (other.part.kind(), first.part.kind());
    if kind != first_kind {
        return Err(Error::input(
            Location::new(other.name.as_str(), None),
            format!(
                "a {} report, but {} is a {} report; merge reports of one kind",
                kind.name(),
                first.name,
                first_kind.name()
            ),
        ));
    }
    let (ring, first_ring) = (other.part.ring(), first.part.ring());
    if ring.fingerprint == first_ring.fingerprint {
        if ring.description != first_ring.description {
            return Err(inconsistent(
                &other.name,
                &format!(
                    "its ring is described as {} where {} has {} although the ring fingerprints match",
                    one_line(&ring.description),
                    first.name,
                    one_line(&first_ring.description)
                ),
            ));
        }
        return Ok(());
    }
    // The fingerprints differ: say what, as precisely as the reports allow.
    let (nodes, first_nodes) = (other.part.nodes(), first.part.nodes());
    if !nodes
        .iter()
        .map(|n| n.0)
        .eq(first_nodes.iter().map(|n| n.0))
    {
        let extra = nodes
            .iter()
            .find(|n| !first_nodes.iter().any(|f| f.0 == n.0));
        let missing = first_nodes
            .iter()
            .find(|f| !nodes.iter().any(|n| n.0 == f.0));
        let what = match (extra, missing) {
            (Some(n), _) => format!("has node {}, which {} does not", n.0, first.name),
            (None, Some(f)) => format!("lacks node {} of {}", f.0, first.name),
            (None, None) => format!("lists its nodes in another order than {}", first.name),
        };
        return refuse(format!("other nodes: it {what}"));
    }
    if ring.description != first_ring.description {
        return refuse(format!(
            "made with other options: {} where {} has {}",
            one_line(&ring.description),
            first.name,
            one_line(&first_ring.description)
        ));
    }
    if let Some(((label, before, after), (_, first_before, first_after))) = nodes
        .iter()
        .zip(&first_nodes)
        .find(|(n, f)| (n.1, n.2) != (f.1, f.2))
    {
        let weights = |b: &u32, a: &u32| {
            if b == a {
                format!("weight {b}")
            } else {
                format!("weight {b}, then {a}")
            }
        };
        return refuse(format!(
            "node {label} has {} where {} has {}",
            weights(before, after),
            first.name,
            weights(first_before, first_after)
        ));
    }
    refuse(format!(
        "its ring fingerprint {} differs from {}'s {} though both say {}: a node's address or \
         name, or a setting the description does not show, differs",
        ring.fingerprint,
        first.name,
        first_ring.fingerprint,
        one_line(&ring.description)
    ))
}

/// Refuses `other` unless it was made with `--key-weight` (and `--top`) as `first` was: a
/// load summed over part of the keys would pass for the load of all of them.
fn same_weights(first: &NamedPart, other: &NamedPart) -> Result<()> {
    let with = |yes: bool| if yes { "with" } else { "without" };
    let options = [
        ("--key-weight", other.part.weighted(), first.part.weighted()),
        (
            "--top",
            other.part.top_n().is_some(),
            first.part.top_n().is_some(),
        ),
    ];
    match options
        .into_iter()
        .find(|(_, it, first_had)| it != first_had)
    {
        Some((option, it, first_had)) => Err(Error::input(
            Location::new(other.name.as_str(), None),
            format!(
                "made {} {option}, but {} was made {} it; merge sums reports made alike",
                with(it),
                first.name,
                with(first_had)
            ),
        )),
        None => Ok(()),
    }
}

/// A description of several lines (a ring and a change), on one line for a message.
fn one_line(description: &str) -> String {
    format!("'{}'", description.lines().collect::<Vec<_>>().join("; "))
}

/// The N of merged `--top` lists: the smallest of the parts' (all have one, or none does).
fn merged_top_n(parts: impl Iterator<Item = Option<usize>>) -> Option<usize> {
    parts.collect::<Option<Vec<usize>>>()?.into_iter().min()
}

/// An error in one part that the fingerprints should have made impossible: a file edited by
/// hand, or made by a different ringscope.
fn inconsistent(name: &str, what: &str) -> Error {
    Error::input(
        Location::new(name, None),
        format!("{what}; was the report edited? Make it again with ringscope"),
    )
}
