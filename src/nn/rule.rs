//! The update rules and the one update function every job goes through.
//!
//! For a sample with augmented input x̃, output z = f(x̃ W) and target t:
//!
//! ```text
//! e = t − z
//! δ = e ⊙ f′(net)
//! matmul:          ΔW = η · X̃ᵀ Δ / B       (η · x̃ᵀ δ when B = 1)
//! kronecker:       ΔW = η · kron(zᵀ, δ)    (the tutorial's step 12 as printed)
//! kronecker_input: ΔW = η · kron(x̃ᵀ, δ)
//! ```
//!
//! kron of a column and a row is their outer product, so all three rules are
//! "η times a sum of outer products a ⊗ δ"; they differ only in what `a` is
//! and in which shapes they accept.

use super::activation::Activation;
use super::layer::{Dims, forward, row, unrolled};
use super::samples::Set;
use ndarray::Array2;
use std::fmt;

named_enum! {
    /// How ΔW is formed from the sensitivity δ.
    pub enum Rule {
        /// η · X̃ᵀ Δ / B: the gradient step for ½‖e‖².
        Matmul = "matmul",
        /// η · kron(zᵀ, δ): δ times the outputs, as the tutorial prints it.
        Kronecker = "kronecker",
        /// η · kron(x̃ᵀ, δ): the Kronecker form with the inputs.
        KroneckerInput = "kronecker_input",
    }
}

impl Rule {
    /// The product the rule takes, as written for a batch of `b` samples.
    pub fn formula(self, b: usize) -> &'static str {
        match (self, b) {
            (Rule::Matmul, 1) => "x̃ᵀ δ",
            (Rule::Matmul, _) => "X̃ᵀ Δ / B",
            (Rule::Kronecker, 1) => "kron(zᵀ, δ)",
            (Rule::Kronecker, _) => "kron(Zᵀ, Δ)",
            (Rule::KroneckerInput, 1) => "kron(x̃ᵀ, δ)",
            (Rule::KroneckerInput, _) => "kron(X̃ᵀ, Δ)",
        }
    }

    /// The shape of ΔW for a batch of `b` samples.
    ///
    /// kron of a p×q and an r×s matrix is (p·r)×(q·s). Zᵀ is m×B, X̃ᵀ is
    /// (n+1)×B and Δ is B×m.
    pub fn step_shape(self, dims: Dims, b: usize) -> (usize, usize) {
        match self {
            Rule::Matmul => dims.weights(),
            Rule::Kronecker => (dims.outputs * b, b * dims.outputs),
            Rule::KroneckerInput => (dims.inputs_with_bias * b, b * dims.outputs),
        }
    }

    /// Whether ΔW has the weights' shape for a batch of `b` samples.
    pub fn check(self, dims: Dims, b: usize) -> Result<(), ShapeError> {
        let step = self.step_shape(dims, b);
        if step == dims.weights() {
            Ok(())
        } else {
            Err(ShapeError {
                rule: self,
                batch_size: b,
                step,
                weights: dims.weights(),
            })
        }
    }
}

/// A rule whose ΔW does not have the weights' shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ShapeError {
    /// The rule that was applied.
    pub rule: Rule,
    /// Samples per update.
    pub batch_size: usize,
    /// The shape of the rule's ΔW.
    pub step: (usize, usize),
    /// The shape of W.
    pub weights: (usize, usize),
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sr, sc) = self.step;
        let (wr, wc) = self.weights;
        let formula = self.rule.formula(self.batch_size);
        if self.batch_size > 1 {
            write!(
                f,
                "{formula} over a batch of {} is {sr}×{sc} but the weights are {wr}×{wc}: \
                 the Kronecker form is per sample (batch_size = 1); \
                 matmul sums the per-sample outer products",
                self.batch_size
            )
        } else {
            write!(
                f,
                "{formula} is {sr}×{sc} but the weights are {wr}×{wc}: the printed rule \
                 multiplies δ by the outputs z where the gradient needs the inputs [x, 1], \
                 so it has the weights' shape only when outputs = inputs + 1"
            )
        }
    }
}

/// Buffers for [`update`], allocated once per job so that an update allocates nothing.
#[derive(Debug, Clone)]
pub struct UpdateBuffers {
    net: Vec<f64>,
    z: Vec<f64>,
    delta: Vec<f64>,
    /// Σ over the batch of a ⊗ δ, row-major like W.
    outer_sum: Vec<f64>,
}

impl UpdateBuffers {
    /// Buffers for a net of shape `dims`.
    pub fn new(dims: Dims) -> Self {
        let (rows, cols) = dims.weights();
        UpdateBuffers {
            net: vec![0.0; dims.outputs],
            z: vec![0.0; dims.outputs],
            delta: vec![0.0; dims.outputs],
            outer_sum: vec![0.0; rows * cols],
        }
    }
}

/// One update W ← W + ΔW from the training samples `batch` of `set`.
///
/// This is the only place weights change: the rule is a parameter, not a
/// separate training loop. A rule whose ΔW does not have W's shape is
/// refused before W is touched.
pub fn update(
    rule: Rule,
    eta: f64,
    f: Activation,
    w: &mut Array2<f64>,
    set: &Set,
    batch: &[usize],
    buffers: &mut UpdateBuffers,
) -> Result<(), ShapeError> {
    let dims = Dims {
        inputs_with_bias: w.nrows(),
        outputs: w.ncols(),
    };
    rule.check(dims, batch.len())?;
    // One body for every m, compiled again for each small m (see `unrolled`).
    unrolled(
        dims.outputs,
        #[inline(always)]
        |m| {
            let UpdateBuffers {
                net,
                z,
                delta,
                outer_sum,
            } = buffers;
            let (net, z, delta) = (&mut net[..m], &mut z[..m], &mut delta[..m]);
            for (k, &s) in batch.iter().enumerate() {
                let (x, t) = (row(&set.x, s), &row(&set.t, s)[..m]);
                forward(w, x, f, net, z);
                // δ = (t − z) ⊙ f′(net)
                for j in 0..m {
                    let e_j = t[j] - z[j];
                    delta[j] = e_j * f.derivative(net[j], z[j]);
                }
                let a: &[f64] = match rule {
                    Rule::Matmul | Rule::KroneckerInput => x,
                    Rule::Kronecker => z,
                };
                // Σ over the batch of a ⊗ δ; W changes only once every sample's
                // forward pass has seen the old W.
                for (a_i, sum_i) in a.iter().zip(outer_sum.chunks_exact_mut(m)) {
                    for j in 0..m {
                        let a_i_delta_j = a_i * delta[j];
                        sum_i[j] = if k == 0 {
                            a_i_delta_j
                        } else {
                            sum_i[j] + a_i_delta_j
                        };
                    }
                }
            }
            // W ← W + η/B · Σ a ⊗ δ
            let scale = eta / batch.len() as f64;
            let w = w.as_slice_mut().expect("weights are row-major");
            for (w_ij, sum_ij) in w.iter_mut().zip(outer_sum.iter()) {
                *w_ij += scale * sum_ij;
            }
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(n: usize, m: usize) -> Dims {
        Dims {
            inputs_with_bias: n + 1,
            outputs: m,
        }
    }

    #[test]
    fn kronecker_fits_only_when_outputs_are_inputs_plus_one() {
        assert!(Rule::Kronecker.check(dims(2, 3), 1).is_ok());
        let err = Rule::Kronecker.check(dims(4, 3), 1).unwrap_err();
        assert_eq!(err.step, (3, 3));
        assert_eq!(err.weights, (5, 3));
        let msg = err.to_string();
        assert!(msg.contains("kron(zᵀ, δ) is 3×3"), "{msg}");
        assert!(msg.contains("weights are 5×3"), "{msg}");
    }

    #[test]
    fn kronecker_forms_refuse_batches() {
        for rule in [Rule::Kronecker, Rule::KroneckerInput] {
            let err = rule.check(dims(2, 3), 2).unwrap_err();
            assert!(err.to_string().contains("per sample"), "{err}");
        }
        assert_eq!(Rule::KroneckerInput.step_shape(dims(4, 3), 2), (10, 6));
        assert!(Rule::Matmul.check(dims(4, 3), 7).is_ok());
        assert!(Rule::KroneckerInput.check(dims(4, 3), 1).is_ok());
    }

    #[test]
    fn refused_update_leaves_weights_alone() {
        let set = Set {
            x: Array2::from_shape_vec((1, 5), vec![0.1, 0.2, 0.3, 0.4, 1.0]).unwrap(),
            t: Array2::from_shape_vec((1, 3), vec![1.0, 0.0, 0.0]).unwrap(),
        };
        let mut w = Array2::from_elem((5, 3), 0.25);
        let before = w.clone();
        let mut buffers = UpdateBuffers::new(dims(4, 3));
        let result = update(
            Rule::Kronecker,
            0.1,
            Activation::Sigmoid,
            &mut w,
            &set,
            &[0],
            &mut buffers,
        );
        assert!(result.is_err());
        assert_eq!(w, before);
    }

    #[test]
    fn every_width_steps_like_the_formula() {
        // W + η x̃ᵀ δ by hand, for the unrolled widths and beyond.
        for m in 1..=6 {
            let n1 = 3;
            let x: Vec<f64> = vec![0.3, -1.2, 1.0];
            let t: Vec<f64> = (0..m).map(|j| (j % 2) as f64).collect();
            let set = Set {
                x: Array2::from_shape_vec((1, n1), x.clone()).unwrap(),
                t: Array2::from_shape_vec((1, m), t.clone()).unwrap(),
            };
            let w0 = Array2::from_shape_fn((n1, m), |(i, j)| 0.1 * i as f64 - 0.07 * j as f64);
            let f = Activation::Sigmoid;
            let mut expected = w0.clone();
            for j in 0..m {
                let net_j = (0..n1).fold(0.0, |sum, i| sum + x[i] * w0[[i, j]]);
                let z_j = f.f(net_j);
                let delta_j = (t[j] - z_j) * f.derivative(net_j, z_j);
                for i in 0..n1 {
                    expected[[i, j]] += 0.5 * (x[i] * delta_j);
                }
            }
            let mut w = w0.clone();
            let mut buffers = UpdateBuffers::new(dims(n1 - 1, m));
            update(Rule::Matmul, 0.5, f, &mut w, &set, &[0], &mut buffers).unwrap();
            assert_eq!(w, expected, "m = {m}");
            assert_ne!(w, w0, "m = {m}: the step moved W");
        }
    }

    #[test]
    fn matmul_step_is_eta_times_input_outer_delta() {
        // One linear sample by hand: x̃ = [2, 1], W = 0, t = 1 → z = 0, δ = 1.
        let set = Set {
            x: Array2::from_shape_vec((1, 2), vec![2.0, 1.0]).unwrap(),
            t: Array2::from_shape_vec((1, 1), vec![1.0]).unwrap(),
        };
        let mut w = Array2::zeros((2, 1));
        let mut buffers = UpdateBuffers::new(dims(1, 1));
        update(
            Rule::Matmul,
            0.5,
            Activation::Linear,
            &mut w,
            &set,
            &[0],
            &mut buffers,
        )
        .unwrap();
        assert_eq!(w.as_slice().unwrap(), &[1.0, 0.5]);
    }
}
