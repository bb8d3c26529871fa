//! Balance statistics over nodes, weight-aware: each node is compared with what its weight
//! promises. With equal weights these are the usual mean, standard deviation and max/mean.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    /// Mean load per node.
    pub mean: f64,
    /// Root mean square of each node's load minus the load its weight promises.
    pub stddev: f64,
    /// `stddev / mean`.
    pub cv: f64,
    /// Highest `load / promised load`.
    pub max_over_mean: f64,
    /// Lowest `load / promised load`.
    pub min_over_mean: f64,
}

impl Stats {
    /// `loads` per node (keys or shares) and each node's expected share of their sum.
    pub fn of(loads: &[f64], expected_shares: &[f64]) -> Stats {
        let n = loads.len() as f64;
        let total: f64 = loads.iter().sum();
        let mean = total / n;
        let promised = |i: usize| total * expected_shares[i];
        let squares: f64 = loads
            .iter()
            .enumerate()
            .map(|(i, &l)| (l - promised(i)).powi(2))
            .sum();
        let stddev = (squares / n).sqrt();
        let ratios = loads.iter().enumerate().map(|(i, &l)| {
            if promised(i) > 0.0 {
                l / promised(i)
            } else {
                0.0
            }
        });
        let (min, max) = ratios.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
            (lo.min(r), hi.max(r))
        });
        let defined = total > 0.0;
        Stats {
            mean,
            stddev,
            cv: if defined { stddev / mean } else { 0.0 },
            max_over_mean: if defined { max } else { 0.0 },
            min_over_mean: if defined { min } else { 0.0 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_weights_give_the_usual_statistics() {
        let s = Stats::of(&[10.0, 20.0, 30.0], &[1.0 / 3.0; 3]);
        assert!((s.mean - 20.0).abs() < 1e-12);
        assert!((s.stddev - (200.0f64 / 3.0).sqrt()).abs() < 1e-9);
        assert!((s.max_over_mean - 1.5).abs() < 1e-12);
        assert!((s.min_over_mean - 0.5).abs() < 1e-12);
    }

    #[test]
    fn weights_set_the_promise() {
        // Weights 1:3, loads exactly proportional: perfectly balanced.
        let s = Stats::of(&[25.0, 75.0], &[0.25, 0.75]);
        assert!(s.stddev.abs() < 1e-12);
        assert!((s.max_over_mean - 1.0).abs() < 1e-12 && (s.min_over_mean - 1.0).abs() < 1e-12);
    }

    #[test]
    fn no_load_is_not_nan() {
        let s = Stats::of(&[0.0, 0.0], &[0.5, 0.5]);
        assert_eq!((s.cv, s.max_over_mean, s.min_over_mean), (0.0, 0.0, 0.0));
    }
}
