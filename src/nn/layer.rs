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
pub fn init_weights(dims: Dims, r: f64, rng: &mut ChaCha8Rng) -> Array2<f64> {
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
#[inline]
pub fn forward(w: &Array2<f64>, x: &[f64], f: Activation, net: &mut [f64], z: &mut [f64]) {
    let m = w.ncols();
    let w = w.as_slice().expect("weights are row-major");
    let w = &w[..x.len() * m];
    for (j, net_j) in net.iter_mut().enumerate().take(m) {
        // A local sum stays in a register while W is read down column j.
        let mut sum = 0.0;
        for (i, x_i) in x.iter().enumerate() {
            sum += x_i * w[i * m + j];
        }
        *net_j = sum;
    }
    f.apply(net, z);
}

/// The rows of a row-major matrix, as slices.
#[inline]
pub fn rows(a: &Array2<f64>) -> std::slice::ChunksExact<'_, f64> {
    a.as_slice()
        .expect("matrices are built in row-major order")
        .chunks_exact(a.ncols().max(1))
}

/// Row `i` of a row-major matrix, as a slice.
#[inline]
pub fn row(a: &Array2<f64>, i: usize) -> &[f64] {
    let cols = a.ncols();
    let all = a
        .as_slice()
        .expect("data matrices are built in row-major order");
    &all[i * cols..(i + 1) * cols]
}
