//! The network: one weight matrix W between the augmented input and the output.
//!
//! The products here are tiny (at most a few dozen terms), so they are plain
//! loops in a fixed order rather than BLAS-style kernels: a kernel that picks
//! its instructions at run time gives different last bits on different CPUs,
//! and results must be the same everywhere.

use super::activation::Activation;
use ndarray::Array2;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Shapes of a single-layer net: n inputs plus the bias, m outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    /// n + 1: the inputs and the constant bias input.
    pub inputs_with_bias: usize,
    /// m
    pub outputs: usize,
}

impl Dims {
    /// The shape of W, (n+1)×m.
    pub fn weights(self) -> (usize, usize) {
        (self.inputs_with_bias, self.outputs)
    }
}

/// W with entries drawn uniformly from [−r, r], row by row.
pub fn uniform_weights(dims: Dims, r: f64, rng: &mut ChaCha8Rng) -> Array2<f64> {
    let (rows, cols) = dims.weights();
    Array2::from_shape_simple_fn((rows, cols), || {
        if r > 0.0 {
            rng.random_range(-r..=r)
        } else {
            0.0
        }
    })
}

/// net = x̃ W, z = f(net), for one augmented input row x̃.
#[inline(always)]
pub fn forward(w: &Array2<f64>, x: &[f64], f: Activation, net: &mut [f64], z: &mut [f64]) {
    net_input(w, x, net);
    f.apply(net, z);
}

/// net = x̃ W for one augmented input row x̃: net_j = Σ_i x_i w_ij, added
/// up in the order of i.
#[inline(always)]
pub fn net_input(w: &Array2<f64>, x: &[f64], net: &mut [f64]) {
    let w = w.as_slice().expect("weights are row-major");
    // Row by row through W; when m is a constant (see `unrolled`) the m sums
    // stay in registers.
    net.fill(0.0);
    for (x_i, w_i) in x.iter().zip(w.chunks_exact(net.len())) {
        for (net_j, w_ij) in net.iter_mut().zip(w_i) {
            *net_j += x_i * w_ij;
        }
    }
}

/// `body(m)`, with m a constant for 1 to 4 outputs: a body that is
/// `#[inline(always)]`, closure and all, is then compiled once for each of
/// these m with its loops over the outputs unrolled, and once more for any
/// other m. The update and the evaluation go through it; most nets have a
/// handful of outputs.
#[inline(always)]
pub fn unrolled<R>(m: usize, body: impl FnOnce(usize) -> R) -> R {
    match m {
        1 => body(1),
        2 => body(2),
        3 => body(3),
        4 => body(4),
        m => body(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_input_sums_in_the_order_of_the_inputs() {
        // Inside `unrolled` or not, every width gives the bits of the
        // formula summed over i in order.
        for m in 1..=6 {
            for n in [1, 3, 5] {
                let w: Vec<f64> = (0..n * m)
                    .map(|k| ((k * 7919) % 23) as f64 / 7.0 - 1.3)
                    .collect();
                let w = Array2::from_shape_vec((n, m), w).unwrap();
                let x: Vec<f64> = (0..n).map(|i| 0.1 + i as f64 / 3.0).collect();
                let by_hand: Vec<f64> = (0..m)
                    .map(|j| (0..n).fold(0.0, |sum, i| sum + x[i] * w[[i, j]]))
                    .collect();
                let mut net = vec![0.0; m];
                net_input(&w, &x, &mut net);
                assert_eq!(net, by_hand, "m = {m}, n = {n}");
                let mut net = vec![0.0; m];
                unrolled(m, |m| net_input(&w, &x, &mut net[..m]));
                assert_eq!(net, by_hand, "m = {m}, n = {n}, unrolled");
            }
        }
    }
}
