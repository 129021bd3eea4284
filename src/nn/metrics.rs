//! Per-epoch measurements of a net on a set of samples.

use super::activation::Activation;
use super::layer::{net_input, unrolled};
use super::samples::Set;
use ndarray::Array2;

/// Loss and error rate of a net on one set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    /// Mean squared error Σ(t − z)² / (N·m).
    pub loss: f64,
    /// Fraction of samples classified wrongly (see [`misclassified`]).
    pub error_rate: f64,
}

/// Samples whose outputs are computed together. Z = f(X̃ W) a block of rows
/// at a time keeps the e^x of many samples in flight at once, in scratch
/// space that does not grow with the set.
pub(super) const BLOCK: usize = 64;

/// EvalBuffers space for [`evaluate`]: net and z for a block of samples.
#[derive(Debug, Clone)]
pub struct EvalBuffers {
    net: Vec<f64>,
    z: Vec<f64>,
}

impl EvalBuffers {
    /// Space for a net with `outputs` outputs.
    pub fn new(outputs: usize) -> Self {
        EvalBuffers {
            net: vec![0.0; BLOCK * outputs],
            z: vec![0.0; BLOCK * outputs],
        }
    }
}

/// Loss and error rate of W on `set`; `None` for an empty set.
pub fn evaluate(
    w: &Array2<f64>,
    f: Activation,
    set: &Set,
    buffers: &mut EvalBuffers,
) -> Option<Metrics> {
    let n_samples = set.len();
    if n_samples == 0 {
        return None;
    }
    let m = w.ncols();
    // One body for every m, compiled again for each small m (see `unrolled`):
    // Σ(t − z)² and the number of misclassified samples.
    let (squared_error, wrong) = unrolled(
        m,
        #[inline(always)]
        |m| {
            let n1 = set.x.ncols();
            let (x_rows, t_rows) = set.rows();
            let mut squared_error = 0.0;
            let mut wrong = 0;
            for (xs, ts) in x_rows.chunks(BLOCK * n1).zip(t_rows.chunks(BLOCK * m)) {
                // Z = f(X̃ W) for the block's rows.
                let net = &mut buffers.net[..ts.len()];
                let z = &mut buffers.z[..ts.len()];
                for (x, net_s) in xs.chunks_exact(n1).zip(net.chunks_exact_mut(m)) {
                    net_input(w, x, net_s);
                }
                f.apply(net, z);
                for (z, t) in z.chunks_exact(m).zip(ts.chunks_exact(m)) {
                    for j in 0..m {
                        let e_j = t[j] - z[j];
                        squared_error += e_j * e_j;
                    }
                    if misclassified(z, t) {
                        wrong += 1;
                    }
                }
            }
            (squared_error, wrong)
        },
    );
    Some(Metrics {
        loss: squared_error / (n_samples * m) as f64,
        error_rate: wrong as f64 / n_samples as f64,
    })
}

/// Whether output z names another class than target t: their arg-maxes
/// differ (the first index wins a tie), or for one output, z ≥ 0.5 and
/// t ≥ 0.5 disagree.
#[inline]
pub fn misclassified(z: &[f64], t: &[f64]) -> bool {
    if z.len() == 1 {
        (z[0] >= 0.5) != (t[0] >= 0.5)
    } else {
        arg_max(z) != arg_max(t)
    }
}

#[inline]
pub(super) fn arg_max(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        // NaN never wins, so a diverged output counts as the first class.
        if x > v[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mse_and_error_rate_by_hand() {
        // Linear net with W = 0: every output is 0.
        let set = Set {
            x: Array2::from_shape_vec((2, 2), vec![1.0, 1.0, 2.0, 1.0]).unwrap(),
            t: Array2::from_shape_vec((2, 2), vec![1.0, 0.0, 0.0, 1.0]).unwrap(),
        };
        let w = Array2::zeros((2, 2));
        let m = evaluate(&w, Activation::Linear, &set, &mut EvalBuffers::new(2)).unwrap();
        assert_eq!(m.loss, 2.0 / 4.0);
        // z = [0, 0] picks class 0: right for the first sample, wrong for the second.
        assert_eq!(m.error_rate, 0.5);
    }

    #[test]
    fn every_width_and_block_measures_like_the_formula() {
        // More samples than a block, so the last block is a partial one.
        let n_samples = BLOCK + 7;
        for m in 1..=6 {
            let x = Array2::from_shape_fn((n_samples, 2), |(s, i)| {
                if i == 1 { 1.0 } else { (s as f64 * 0.37).sin() }
            });
            let t = Array2::from_shape_fn((n_samples, m), |(s, j)| ((s + j) % m == 0) as u8 as f64);
            let w = Array2::from_shape_fn((2, m), |(i, j)| 0.3 * j as f64 - 0.2 * i as f64);
            let f = Activation::Tanh01;
            let (mut squared_error, mut wrong) = (0.0, 0);
            for s in 0..n_samples {
                let z: Vec<f64> = (0..m)
                    .map(|j| f.f(x[[s, 0]] * w[[0, j]] + x[[s, 1]] * w[[1, j]]))
                    .collect();
                let t_s: Vec<f64> = t.row(s).to_vec();
                for j in 0..m {
                    squared_error += (t_s[j] - z[j]) * (t_s[j] - z[j]);
                }
                wrong += usize::from(misclassified(&z, &t_s));
            }
            let set = Set { x, t };
            let got = evaluate(&w, f, &set, &mut EvalBuffers::new(m)).unwrap();
            assert_eq!(got.loss, squared_error / (n_samples * m) as f64, "m = {m}");
            assert_eq!(got.error_rate, wrong as f64 / n_samples as f64, "m = {m}");
        }
    }

    #[test]
    fn single_output_thresholds_at_one_half() {
        assert!(!misclassified(&[0.7], &[1.0]));
        assert!(misclassified(&[0.4], &[1.0]));
        assert!(!misclassified(&[0.4], &[0.0]));
    }

    #[test]
    fn empty_set_has_no_metrics() {
        let set = Set {
            x: Array2::zeros((0, 3)),
            t: Array2::zeros((0, 2)),
        };
        let w = Array2::zeros((3, 2));
        assert!(evaluate(&w, Activation::Sigmoid, &set, &mut EvalBuffers::new(2)).is_none());
    }
}
