//! A hand-written fixed-size single-layer net (4 inputs + bias, 3 sigmoid
//! outputs): the least work an update and an evaluation can be. Shared by
//! `benches/core.rs` and `examples/lanes_bench.rs`.

use sweep::nn::Set;

pub const N: usize = 5;
pub const M: usize = 3;
pub type W = [[f64; M]; N];

fn sigmoid(x: f64) -> f64 {
    // The e^x sweep's sigmoid uses: the floor differs in code, not in maths.
    1.0 / (1.0 + sweep::nn::activation::exp(-x))
}

fn forward(w: &W, x: &[f64; N]) -> [f64; M] {
    let mut z = [0.0; M];
    for (j, z_j) in z.iter_mut().enumerate() {
        let mut net = 0.0;
        for i in 0..N {
            net += x[i] * w[i][j];
        }
        *z_j = sigmoid(net);
    }
    z
}

pub fn update(w: &mut W, x: &[f64; N], t: &[f64; M], eta: f64) {
    let z = forward(w, x);
    let mut delta = [0.0; M];
    for j in 0..M {
        delta[j] = (t[j] - z[j]) * z[j] * (1.0 - z[j]);
    }
    for i in 0..N {
        for j in 0..M {
            w[i][j] += eta * x[i] * delta[j];
        }
    }
}

/// (loss, error rate) on a set.
pub fn evaluate(w: &W, xs: &[[f64; N]], ts: &[[f64; M]]) -> (f64, f64) {
    let (mut sq, mut wrong) = (0.0, 0usize);
    for (x, t) in xs.iter().zip(ts) {
        let z = forward(w, x);
        for j in 0..M {
            sq += (t[j] - z[j]) * (t[j] - z[j]);
        }
        let arg = |v: &[f64; M]| (0..M).fold(0, |b, k| if v[k] > v[b] { k } else { b });
        wrong += usize::from(arg(&z) != arg(t));
    }
    (sq / (xs.len() * M) as f64, wrong as f64 / xs.len() as f64)
}

/// The inputs and targets of `set`, as fixed-size rows.
pub fn rows(set: &Set) -> (Vec<[f64; N]>, Vec<[f64; M]>) {
    fn fixed<const K: usize>(row: &[f64]) -> [f64; K] {
        row.try_into().expect("iris 4 → 3")
    }
    (set.x.rows().into_iter())
        .zip(set.t.rows())
        .map(|(x, t)| (fixed(x.as_slice().unwrap()), fixed(t.as_slice().unwrap())))
        .unzip()
}
