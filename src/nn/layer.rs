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
#[inline(always)]
pub fn forward(w: &Array2<f64>, x: &[f64], f: Activation, net: &mut [f64], z: &mut [f64]) {
    net_input(w, x, net);
    f.apply(net, z);
}

/// net = x̃ W for one augmented input row x̃.
#[inline(always)]
pub fn net_input(w: &Array2<f64>, x: &[f64], net: &mut [f64]) {
    let w = w.as_slice().expect("weights are row-major");
    // With m known at compile time the m sums stay in registers and are
    // built side by side; the nets of most sweeps have a handful of outputs.
    match net.len() {
        1 => net_fixed::<1>(w, x, net),
        2 => net_fixed::<2>(w, x, net),
        3 => net_fixed::<3>(w, x, net),
        4 => net_fixed::<4>(w, x, net),
        _ => net_any(w, x, net),
    }
}

/// net_j = Σ_i x_i w_ij for m = M outputs.
#[inline(always)]
fn net_fixed<const M: usize>(w: &[f64], x: &[f64], net: &mut [f64]) {
    let mut sum = [0.0; M];
    for (x_i, w_i) in x.iter().zip(w.chunks_exact(M)) {
        for j in 0..M {
            sum[j] += x_i * w_i[j];
        }
    }
    net.copy_from_slice(&sum);
}

/// net_j = Σ_i x_i w_ij for any m, summed in the same order as [`net_fixed`].
#[inline]
fn net_any(w: &[f64], x: &[f64], net: &mut [f64]) {
    let m = net.len();
    for (j, net_j) in net.iter_mut().enumerate() {
        let column = w[j..].iter().step_by(m);
        *net_j = x
            .iter()
            .zip(column)
            .fold(0.0, |sum, (x_i, w_ij)| sum + x_i * w_ij);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_kernels_sum_like_the_general_one() {
        // Every width, with the dispatch's kernel against the general loop:
        // the same sums in the same order give the same bits.
        for m in 1..=6 {
            for n in [1, 3, 5] {
                let w: Vec<f64> = (0..n * m)
                    .map(|k| ((k * 7919) % 23) as f64 / 7.0 - 1.3)
                    .collect();
                let w = Array2::from_shape_vec((n, m), w).unwrap();
                let x: Vec<f64> = (0..n).map(|i| 0.1 + i as f64 / 3.0).collect();
                let (mut fast, mut general) = (vec![0.0; m], vec![0.0; m]);
                net_input(&w, &x, &mut fast);
                net_any(w.as_slice().unwrap(), &x, &mut general);
                assert_eq!(fast, general, "m = {m}, n = {n}");
                let by_hand: Vec<f64> = (0..m)
                    .map(|j| (0..n).fold(0.0, |sum, i| sum + x[i] * w[[i, j]]))
                    .collect();
                assert_eq!(fast, by_hand, "m = {m}, n = {n}");
            }
        }
    }
}
