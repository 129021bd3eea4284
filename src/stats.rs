//! The statistics of a paired comparison: the median, a distribution-free
//! confidence interval for it, and Wilcoxon's signed-rank test.
//!
//! Jobs that differ only in their rule share their initial weights and
//! their sample order, so the difference of their losses is a paired
//! observation: these are the tests for that design that assume nothing
//! about the shape of the differences.

/// The middle value of `values` (the mean of the two middle ones for an
/// even count); `None` when there are none. NaNs sort last.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// A 95% confidence interval for the median of `values`, from their order
/// statistics: [x₍ₖ₎, x₍ₙ₋ₖ₊₁₎] with the largest k for which
/// P(Binomial(n, ½) < k) ≤ 2.5%. Its coverage is at least 95% whatever the
/// distribution; with fewer than 6 values none reaches it (`None`).
pub fn median_ci95(values: &[f64]) -> Option<(f64, f64)> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    // P(B < k) for B ~ Binomial(n, ½), summed as k grows; P(B = k) in
    // logs, ln C(n, k) − n ln 2, each from the last, so that large n
    // neither overflows nor costs more than one pass.
    let (mut below, mut ln_p, mut k) = (0.0, -(n as f64) * std::f64::consts::LN_2, 0);
    while k < n {
        let next = below + libm::exp(ln_p);
        if next > 0.025 {
            break;
        }
        below = next;
        ln_p += libm::log((n - k) as f64) - libm::log((k + 1) as f64);
        k += 1;
    }
    (k >= 1).then(|| (v[k - 1], v[n - k]))
}

/// The most differences for which [`wilcoxon`] counts the exact
/// distribution; above it, and with ties, it uses the normal
/// approximation.
pub const EXACT_UP_TO: usize = 50;

/// The two-sided p-value of Wilcoxon's signed-rank test that the
/// differences are symmetric about 0. Zero differences are dropped
/// (Wilcoxon's own treatment); `None` when none is left. Exact for up to
/// [`EXACT_UP_TO`] differences without tied magnitudes; otherwise the
/// normal approximation with the tie correction and a continuity
/// correction.
pub fn wilcoxon(differences: &[f64]) -> Option<f64> {
    let mut d: Vec<f64> = differences.iter().copied().filter(|x| *x != 0.0).collect();
    let n = d.len();
    if n == 0 {
        return None;
    }
    d.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    // Average ranks of equal magnitudes, and Σ(t³ − t) over the ties.
    let (mut w_plus, mut ties, mut i) = (0.0, 0.0, 0);
    while i < n {
        let mut j = i + 1;
        while j < n && d[j].abs() == d[i].abs() {
            j += 1;
        }
        let rank = (i + j + 1) as f64 / 2.0;
        w_plus += rank * d[i..j].iter().filter(|x| **x > 0.0).count() as f64;
        let t = (j - i) as f64;
        ties += t * t * t - t;
        i = j;
    }
    let nf = n as f64;
    if ties == 0.0 && n <= EXACT_UP_TO {
        let counts = signed_rank_counts(n);
        let total = libm::exp2(nf);
        let w = w_plus.round() as usize;
        let lower: f64 = counts[..=w].iter().sum::<f64>() / total;
        let upper: f64 = counts[w..].iter().sum::<f64>() / total;
        return Some((2.0 * lower.min(upper)).min(1.0));
    }
    let mean = nf * (nf + 1.0) / 4.0;
    let variance = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - ties / 48.0;
    if variance <= 0.0 {
        return Some(1.0);
    }
    let z = ((w_plus - mean).abs() - 0.5).max(0.0) / variance.sqrt();
    Some((libm::erfc(z / std::f64::consts::SQRT_2)).min(1.0))
}

/// How many of the 2ⁿ sign assignments of the ranks 1…n give each sum
/// of positive ranks, 0 to n(n+1)/2.
fn signed_rank_counts(n: usize) -> Vec<f64> {
    let max = n * (n + 1) / 2;
    let mut counts = vec![0.0; max + 1];
    counts[0] = 1.0;
    for rank in 1..=n {
        for sum in (rank..=max).rev() {
            counts[sum] += counts[sum - rank];
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn the_median_interval_uses_the_binomial_order_statistics() {
        // n = 10: P(B ≤ 1) = 11/1024 ≤ 2.5% < P(B ≤ 2) = 56/1024, so k = 2.
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(median_ci95(&v), Some((2.0, 9.0)));
        // n = 6: P(B = 0) = 1/64 ≤ 2.5%, so k = 1: the extremes.
        assert_eq!(
            median_ci95(&[6.0, 1.0, 5.0, 2.0, 4.0, 3.0]),
            Some((1.0, 6.0))
        );
        assert_eq!(median_ci95(&[1.0, 2.0, 3.0, 4.0, 5.0]), None);
    }

    #[test]
    fn the_median_interval_of_a_million_is_the_normal_one_and_quick() {
        // k ≈ n/2 − 1.96·√n/2 = 499,020 for n = 10⁶, found in one pass.
        let v: Vec<f64> = (0..1_000_000).map(f64::from).collect();
        let (lo, hi) = median_ci95(&v).unwrap();
        assert!((lo - 499_019.0).abs() <= 2.0, "{lo}");
        assert_eq!(lo + hi, 999_999.0);
    }

    #[test]
    fn all_of_one_sign_gives_the_smallest_p() {
        // Exact: of the 2^n sign assignments, only all-positive and
        // all-negative are as extreme.
        let d: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((wilcoxon(&d).unwrap() - 2.0 / 1024.0).abs() < 1e-15);
        assert_eq!(wilcoxon(&[0.0, 0.0]), None);
    }
}
