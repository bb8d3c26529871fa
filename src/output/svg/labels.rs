//! Direct labels moved apart: labels that would overlap (series ending at the same value,
//! or close to it) are spread vertically, as little as they can be, so each stays readable
//! and near the point it names.

/// A label wanted with its vertical centre at `y`, its text from `x` over `width`.
#[derive(Clone, Copy, Debug)]
pub struct Wanted {
    pub x: f64,
    pub y: f64,
    pub width: f64,
}

/// Where each label's centre goes: labels whose texts share some horizontal room are at
/// least `gap` apart, within `top..=bottom` (closer only when there is not room for them
/// all). Each group sits where its labels want to be on average.
pub fn spread(labels: &[Wanted], gap: f64, (top, bottom): (f64, f64)) -> Vec<f64> {
    let mut placed: Vec<f64> = labels.iter().map(|l| l.y).collect();
    for column in columns(labels) {
        let mut order = column;
        // Labels within a pixel of each other keep their given order.
        let row = |i: usize| labels[i].y.round();
        order.sort_by(|&a, &b| row(a).total_cmp(&row(b)).then(a.cmp(&b)));
        let room = bottom - top;
        let gap = if order.len() > 1 {
            gap.min(room / (order.len() - 1) as f64).max(0.0)
        } else {
            gap
        };
        // Where a group of `count` labels from `first` in `order` starts: their wanted
        // places on average, kept within the bounds.
        let settle = |first: usize, count: usize| {
            let mean = (0..count)
                .map(|i| labels[order[first + i]].y - i as f64 * gap)
                .sum::<f64>()
                / count as f64;
            mean.clamp(top, (bottom - (count - 1) as f64 * gap).max(top))
        };
        // Groups of neighbours, each as (first index into `order`, count, top centre). A
        // group that meets the one before joins it, until none meet.
        let mut groups: Vec<(usize, usize, f64)> = Vec::new();
        for rank in 0..order.len() {
            groups.push((rank, 1, settle(rank, 1)));
            while let [.., (start, before, before_top), (_, count, this_top)] = groups[..] {
                if before_top + before as f64 * gap <= this_top {
                    break;
                }
                groups.truncate(groups.len() - 2);
                groups.push((start, before + count, settle(start, before + count)));
            }
        }
        for (first, count, group_top) in groups {
            for i in 0..count {
                placed[order[first + i]] = group_top + i as f64 * gap;
            }
        }
    }
    placed
}

/// Labels in groups whose texts share horizontal room, directly or through others.
fn columns(labels: &[Wanted]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by(|&a, &b| labels[a].x.total_cmp(&labels[b].x).then(a.cmp(&b)));
    let mut columns: Vec<Vec<usize>> = Vec::new();
    let mut reach = f64::NEG_INFINITY;
    for i in order {
        let label = labels[i];
        match columns.last_mut() {
            Some(column) if label.x < reach => column.push(i),
            _ => columns.push(vec![i]),
        }
        reach = reach.max(label.x + label.width);
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: f64, y: f64) -> Wanted {
        Wanted { x, y, width: 50.0 }
    }

    #[test]
    fn labels_at_one_value_spread_around_it() {
        let placed = spread(
            &[at(0.0, 100.0), at(0.0, 100.0), at(0.0, 100.0)],
            14.0,
            (0.0, 300.0),
        );
        assert_eq!(placed, vec![86.0, 100.0, 114.0]);
    }

    #[test]
    fn apart_labels_stay_and_others_move_as_little_as_they_can() {
        let placed = spread(
            &[at(0.0, 10.0), at(0.0, 50.0), at(0.0, 56.0)],
            14.0,
            (0.0, 300.0),
        );
        assert_eq!(placed, vec![10.0, 46.0, 60.0]);
        // Texts side by side do not meet.
        let placed = spread(&[at(0.0, 50.0), at(100.0, 50.0)], 14.0, (0.0, 300.0));
        assert_eq!(placed, vec![50.0, 50.0]);
    }

    #[test]
    fn labels_stay_within_the_bounds() {
        let placed = spread(&[at(0.0, 0.0), at(0.0, 0.0)], 14.0, (5.0, 300.0));
        assert_eq!(placed, vec![5.0, 19.0]);
        let many: Vec<Wanted> = (0..100).map(|_| at(0.0, 50.0)).collect();
        let placed = spread(&many, 14.0, (0.0, 99.0));
        assert!(placed.iter().all(|y| (0.0..=99.0).contains(y)));
    }
}
