//! The ring chart's geometry: stretches of the circle made drawable (none shorter than the
//! shortest arc a renderer shows cleanly), and each drawn as a filled annular sector.
//!
//! Arcs a fraction of a pixel long are what made stray slivers and notches: a renderer
//! cannot place their ends, nor stroke them, faithfully. So short arcs are gathered into
//! pieces at least that long, each given to the owner that has been drawn furthest short of
//! what it owns (error diffusion), and every owner's drawn total stays near its share.

use std::f64::consts::TAU;
use std::fmt::Write as _;

use super::document::num;

/// A stretch of the circle, `start..end` as fractions of a turn (`end` may pass 1 when a
/// stretch runs on across the top).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
    pub owner: Option<u32>,
}

impl Segment {
    pub fn span(&self) -> f64 {
        self.end - self.start
    }
}

/// `segments` (in order around the circle, without gaps) as stretches of at least
/// `shortest` turns where possible, neighbours of one owner joined, the last joined to the
/// first across the top when they share an owner. Owners are `0..nodes`, and `None` for
/// what no node owns.
pub fn drawable(segments: &[Segment], nodes: usize, shortest: f64) -> Vec<Segment> {
    let slot = |owner: Option<u32>| owner.map_or(nodes, |o| (o as usize).min(nodes));
    let owner_of = |slot: usize| (slot < nodes).then_some(slot as u32);
    // Owned minus drawn, per slot.
    let mut lag = vec![0.0f64; nodes + 1];
    let mut out: Vec<Segment> = Vec::new();
    // What is being gathered (start, end), and whose arcs are in it.
    let mut bucket: Option<(f64, f64)> = None;
    let mut touched: Vec<usize> = Vec::new();
    for segment in segments
        .iter()
        .filter(|s| s.start.is_finite() && s.end.is_finite() && s.end > s.start)
    {
        let own = slot(segment.owner);
        let mut start = segment.start;
        while start < segment.end {
            let rest = segment.end - start;
            let Some((low, high)) = bucket.or((rest < shortest).then_some((start, start))) else {
                push(&mut out, start, segment.end, segment.owner);
                break;
            };
            let need = shortest - (high - low);
            // Taking all when what would be left is too short itself keeps pieces whole.
            let (end, full) = if rest - need < shortest {
                (segment.end, segment.end - low >= shortest)
            } else {
                // Full by construction: rounding must not leave it a hair short forever.
                (start + need, true)
            };
            lag[own] += end - start;
            touched.push(own);
            start = end;
            if full {
                let winner = most_behind(&touched, &lag);
                lag[winner] -= end - low;
                push(&mut out, low, end, owner_of(winner));
                bucket = None;
                touched.clear();
            } else {
                bucket = Some((low, end));
            }
        }
    }
    if let Some((low, high)) = bucket {
        // Too short to stand alone: it goes to the stretch before it, when there is one.
        match out.last_mut() {
            Some(last) => last.end = high,
            None => push(&mut out, low, high, owner_of(most_behind(&touched, &lag))),
        }
    }
    if out.len() > 1 && out[0].owner == out[out.len() - 1].owner {
        let first = out.remove(0);
        let last = out.last_mut().expect("two stretches at least");
        last.end += first.span();
    }
    out
}

/// The slot among `touched` furthest behind; the first of equals, so every run draws alike.
fn most_behind(touched: &[usize], lag: &[f64]) -> usize {
    touched
        .iter()
        .copied()
        .reduce(|best, slot| if lag[slot] > lag[best] { slot } else { best })
        .unwrap_or(lag.len() - 1)
}

fn push(out: &mut Vec<Segment>, start: f64, end: f64, owner: Option<u32>) {
    match out.last_mut() {
        Some(last) if last.owner == owner && last.end >= start => last.end = end,
        _ => out.push(Segment { start, end, owner }),
    }
}

/// The ring's centre and its inner and outer radii.
#[derive(Clone, Copy, Debug)]
pub struct Ring {
    pub centre: (f64, f64),
    pub inner: f64,
    pub outer: f64,
}

impl Ring {
    /// The point at `turn` (0 at the top, clockwise) on the circle of `radius`.
    fn point(&self, radius: f64, turn: f64) -> (f64, f64) {
        let angle = turn * TAU - TAU / 4.0;
        let (cx, cy) = self.centre;
        (cx + radius * angle.cos(), cy + radius * angle.sin())
    }

    /// Appends the closed sector `start..end`: along the outer edge clockwise, in to the
    /// inner edge, back along it, and closed. A whole turn or more is the full annulus,
    /// since an arc cannot run from a point back to itself.
    pub fn sector(&self, d: &mut String, start: f64, end: f64) {
        if end.partial_cmp(&start) != Some(std::cmp::Ordering::Greater) {
            return;
        }
        if end - start >= 1.0 {
            self.annulus(d);
            return;
        }
        let (x, y) = self.point(self.outer, start);
        let _ = write!(d, "M{} {}", num(x), num(y));
        self.edge(d, self.outer, (start, end), true);
        let (x, y) = self.point(self.inner, end);
        let _ = write!(d, "L{} {}", num(x), num(y));
        self.edge(d, self.inner, (end, start), false);
        d.push('Z');
    }

    /// The whole ring: the outer circle clockwise, the inner one back, so that the hole
    /// stays empty under either fill rule.
    pub fn annulus(&self, d: &mut String) {
        for (radius, clockwise) in [(self.outer, true), (self.inner, false)] {
            let (x, y) = self.point(radius, 0.0);
            let _ = write!(d, "M{} {}", num(x), num(y));
            let (from, to) = if clockwise { (0.0, 1.0) } else { (1.0, 0.0) };
            self.edge(d, radius, (from, to), clockwise);
            d.push('Z');
        }
    }

    /// Arcs from `from` to `to` on the circle of `radius`, in pieces of a quarter turn at
    /// most: no piece ends near where it starts, and the large-arc flag is never in doubt.
    fn edge(&self, d: &mut String, radius: f64, (from, to): (f64, f64), clockwise: bool) {
        let span = (to - from).abs();
        let pieces = (span / 0.25).ceil().max(1.0) as usize;
        for piece in 1..=pieces {
            let t = from + (to - from) * piece as f64 / pieces as f64;
            let (x, y) = self.point(radius, t);
            let large = u8::from(span / pieces as f64 > 0.5);
            let _ = write!(
                d,
                "A{r} {r} 0 {large} {} {} {}",
                u8::from(clockwise),
                num(x),
                num(y),
                r = num(radius)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: f64, end: f64, owner: u32) -> Segment {
        Segment {
            start,
            end,
            owner: Some(owner),
        }
    }

    /// Each owner's drawn total.
    fn totals(segments: &[Segment], nodes: usize) -> Vec<f64> {
        let mut sums = vec![0.0; nodes];
        for s in segments {
            sums[s.owner.expect("an owner") as usize] += s.span();
        }
        sums
    }

    #[test]
    fn neighbours_of_one_owner_join_even_across_the_top() {
        let segments = [
            seg(0.0, 0.1, 0),
            seg(0.1, 0.4, 1),
            seg(0.4, 0.6, 1),
            seg(0.6, 1.0, 0),
        ];
        let drawn = drawable(&segments, 2, 0.001);
        assert_eq!(drawn, vec![seg(0.1, 0.6, 1), seg(0.6, 1.1, 0)]);
    }

    #[test]
    fn no_stretch_is_shorter_than_the_shortest_and_shares_stay_near() {
        // A pseudo-random ring of 5,000 arcs over 3 owners, most far below the shortest.
        let mut state = 0x2545_f491_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let raw: Vec<(f64, u32)> = (0..5000)
            .map(|_| ((next() % 1000) as f64 + 1.0, (next() % 3) as u32))
            .collect();
        let total: f64 = raw.iter().map(|r| r.0).sum();
        let mut start = 0.0;
        let segments: Vec<Segment> = raw
            .iter()
            .map(|&(length, owner)| {
                let s = seg(start, start + length / total, owner);
                start = s.end;
                s
            })
            .collect();
        let shortest = 0.001;
        let drawn = drawable(&segments, 3, shortest);
        assert!(drawn.iter().all(|s| s.span() >= shortest * (1.0 - 1e-9)));
        let owned = totals(&segments, 3);
        for (owner, sum) in totals(&drawn, 3).iter().enumerate() {
            assert!(
                (sum - owned[owner]).abs() <= 2.0 * shortest,
                "owner {owner}: drawn {sum}, owns {}",
                owned[owner]
            );
        }
        let covered: f64 = drawn.iter().map(Segment::span).sum();
        assert!((covered - 1.0).abs() < 1e-9);
    }

    #[test]
    fn long_arcs_are_drawn_exactly() {
        let segments = [seg(0.0, 0.3, 0), seg(0.3, 0.3004, 1), seg(0.3004, 1.0, 2)];
        let drawn = drawable(&segments, 3, 0.001);
        assert_eq!(drawn.len(), 2, "{drawn:?}");
        assert_eq!(drawn[0].start, 0.0);
        assert!((drawn[0].span() - 0.3).abs() <= 0.001 && drawn[1].owner == Some(2));
    }

    #[test]
    fn sectors_close_and_a_whole_turn_is_two_circles() {
        let ring = Ring {
            centre: (0.0, 0.0),
            inner: 5.0,
            outer: 10.0,
        };
        let mut d = String::new();
        ring.sector(&mut d, 0.0, 0.25);
        assert_eq!(d, "M0 -10A10 10 0 0 1 10 0L5 0A5 5 0 0 0 0 -5Z");
        let mut d = String::new();
        ring.sector(&mut d, 0.0, 0.6);
        assert_eq!(d.matches('A').count(), 6, "{d}");
        let mut whole = String::new();
        ring.sector(&mut whole, 0.2, 1.2);
        assert_eq!(whole.matches('M').count(), 2);
        assert_eq!(whole.matches('A').count(), 8);
        let mut empty = String::new();
        ring.sector(&mut empty, 0.5, 0.5);
        ring.sector(&mut empty, 0.5, f64::NAN);
        assert!(empty.is_empty());
    }
}
