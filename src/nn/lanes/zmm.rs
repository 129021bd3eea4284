//! An evaluation's outputs and scores with AVX-512, eight lanes a
//! register; the rest of a group's work stays in AVX2.
//!
//! Measured on an AMD EPYC (Zen 4), an evaluation takes about a fifth less
//! time this way (14% and then 9% less in two sets of interleaved runs,
//! `docs/performance.md`); the updates written the same way were no faster
//! (17.7 against AVX2's 17.0 ns per job-update) and are not. The same
//! operations in the same order as the AVX2 code, so the same bits (the
//! group's tests compare).

use super::V;
use crate::nn::activation::Activation;
use crate::nn::exp2::exp2_zmm;
use crate::nn::layer::unrolled;
use std::arch::x86_64::*;

/// z = f(x̃ W) in every lane for each sample of `xs` (rows of n1), into `z`
/// (rows of m), for an f with a [`Activation::sigmoid_scale`]: first every
/// net_j = Σ_i x_i w_ij, added up in the order of i as [`super::net_input`]
/// does, into `net`, then f of them all, as [`Activation::lanes`] takes it;
/// one pass after the other, so that the e^x of many outputs are under way
/// at once.
///
/// # Safety
/// The CPU must have AVX-512F.
#[target_feature(enable = "avx512f")]
pub unsafe fn outputs<const L: usize>(
    f: Activation,
    w: &[V<L>],
    n1: usize,
    xs: &[f64],
    net: &mut [V<L>],
    z: &mut [V<L>],
) {
    let s = f.sigmoid_scale().expect("a sigmoid's outputs");
    // Up to four outputs, the loop over them unrolled and their sums in
    // registers: each x_i broadcast once for all of them.
    unrolled(w.len() / n1, |m| {
        for (x_s, net_s) in xs.chunks_exact(n1).zip(net.chunks_exact_mut(m)) {
            for eight in 0..L / 8 {
                if m <= 4 {
                    let mut sums = [_mm512_setzero_pd(); 4];
                    let sums = &mut sums[..m];
                    for (&x_i, w_i) in x_s.iter().zip(w.chunks_exact(m)) {
                        let x_i = _mm512_set1_pd(x_i);
                        for (sum, w_ij) in sums.iter_mut().zip(w_i) {
                            *sum = _mm512_add_pd(*sum, _mm512_mul_pd(x_i, load(w_ij, eight)));
                        }
                    }
                    for (net_sj, &sum) in net_s.iter_mut().zip(sums.iter()) {
                        store(net_sj, eight, sum);
                    }
                    continue;
                }
                for (j, net_sj) in net_s.iter_mut().enumerate() {
                    let mut sum = _mm512_setzero_pd();
                    for (&x_i, w_i) in x_s.iter().zip(w.chunks_exact(m)) {
                        sum = _mm512_add_pd(
                            sum,
                            _mm512_mul_pd(_mm512_set1_pd(x_i), load(&w_i[j], eight)),
                        );
                    }
                    store(net_sj, eight, sum);
                }
            }
        }
    });
    let s = _mm512_set1_pd(s);
    for (z, net) in z.iter_mut().zip(net.iter()) {
        for eight in 0..L / 8 {
            // SAFETY: the CPU has AVX-512F, as this function requires.
            store(z, eight, unsafe { sigmoid(load(net, eight), s) });
        }
    }
}

/// Adds each sample's squared errors (t_j − z_j)² to `squared_error`, and
/// 1 to `wrong` in each lane whose outputs name another class than t, for
/// the outputs `z` of the targets `ts` (rows of m): as the group's
/// evaluation does it in AVX2, in the same order, so with the same bits.
///
/// # Safety
/// The CPU must have AVX-512F.
#[target_feature(enable = "avx512f")]
pub unsafe fn score<const L: usize>(
    z: &[V<L>],
    ts: &[f64],
    m: usize,
    squared_error: &mut V<L>,
    wrong: &mut V<L>,
) {
    let one = _mm512_set1_pd(1.0);
    for eight in 0..L / 8 {
        let (mut sum, mut count) = (load(squared_error, eight), load(wrong, eight));
        for (z_s, t_s) in z.chunks_exact(m).zip(ts.chunks_exact(m)) {
            for (z_j, &t_j) in z_s.iter().zip(t_s) {
                let e_j = _mm512_sub_pd(_mm512_set1_pd(t_j), load(z_j, eight));
                sum = _mm512_add_pd(sum, _mm512_mul_pd(e_j, e_j));
            }
            // The class each lane's outputs name, as `metrics::misclassified`
            // decides it: 0.5 the threshold of one output; of several the
            // first largest, NaN never winning.
            let is_wrong = if m == 1 {
                let named =
                    _mm512_cmp_pd_mask::<_CMP_GE_OQ>(load(&z_s[0], eight), _mm512_set1_pd(0.5));
                named ^ if t_s[0] >= 0.5 { 0xff } else { 0 }
            } else {
                let (mut best, mut best_z) = (_mm512_setzero_pd(), load(&z_s[0], eight));
                for (j, z_j) in z_s.iter().enumerate().skip(1) {
                    let z_j = load(z_j, eight);
                    let better = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(z_j, best_z);
                    best = _mm512_mask_mov_pd(best, better, _mm512_set1_pd(j as f64));
                    best_z = _mm512_mask_mov_pd(best_z, better, z_j);
                }
                let target = _mm512_set1_pd(crate::nn::metrics::arg_max(t_s) as f64);
                _mm512_cmp_pd_mask::<_CMP_NEQ_UQ>(best, target)
            };
            count = _mm512_mask_add_pd(count, is_wrong, count, one);
        }
        store(squared_error, eight, sum);
        store(wrong, eight, count);
    }
}

/// 1 / (1 + e^(−s·x)) of each lane, as [`Activation::lanes`] computes it:
/// e^y as 2^(y·log₂e).
///
/// # Safety
/// The CPU must have AVX-512F.
#[target_feature(enable = "avx512f")]
unsafe fn sigmoid(x: __m512d, s: __m512d) -> __m512d {
    let minus_sx = _mm512_castsi512_pd(_mm512_xor_si512(
        _mm512_castpd_si512(_mm512_mul_pd(s, x)),
        _mm512_set1_epi64(i64::MIN),
    ));
    let log2_e = _mm512_set1_pd(std::f64::consts::LOG2_E);
    // SAFETY: the CPU has AVX-512F, as this function requires.
    let e = unsafe { exp2_zmm(_mm512_mul_pd(minus_sx, log2_e)) };
    let one = _mm512_set1_pd(1.0);
    _mm512_div_pd(one, _mm512_add_pd(one, e))
}

/// Lanes 8·`eight` to 8·`eight` + 7 of `v`.
#[target_feature(enable = "avx512f")]
fn load<const L: usize>(v: &V<L>, eight: usize) -> __m512d {
    let lanes = &v[8 * eight..][..8];
    // SAFETY: eight numbers, read from eight.
    unsafe { _mm512_loadu_pd(lanes.as_ptr()) }
}

/// Sets lanes 8·`eight` to 8·`eight` + 7 of `v`.
#[target_feature(enable = "avx512f")]
fn store<const L: usize>(v: &mut V<L>, eight: usize, value: __m512d) {
    let lanes = &mut v[8 * eight..][..8];
    // SAFETY: eight numbers, written to eight.
    unsafe { _mm512_storeu_pd(lanes.as_mut_ptr(), value) }
}
