//! Is a rule's step the gradient? Compare ΔW/η with −∂L/∂W from central
//! finite differences, L = ½‖t − z‖², for one sample.

use super::activation::Activation;
use super::layer::{Dims, forward};
use super::rule::{Definitions, Rule, ShapeError, Stepper};
use super::samples::Set;
use ndarray::{Array2, ArrayView1, Axis};

/// Step of the central differences. The five-point stencil's error is
/// O(h⁴), about 1e-13 here, with rounding in L of the same order, so even
/// gradients of order 1e-5 are measured to better than 1e-6 relative.
pub const STEP: f64 = 1e-3;

/// ΔW/η that `rule` takes on the single sample (x̃, t), through the same
/// [`Stepper`] training uses.
pub fn rule_direction(
    rule: Rule,
    definitions: &Definitions,
    f: Activation,
    w: &Array2<f64>,
    x: ArrayView1<f64>,
    t: ArrayView1<f64>,
) -> Result<Array2<f64>, ShapeError> {
    let set = Set {
        x: x.to_owned().insert_axis(Axis(0)),
        t: t.to_owned().insert_axis(Axis(0)),
    };
    let dims = Dims {
        inputs_with_bias: w.nrows(),
        outputs: w.ncols(),
    };
    let mut stepped = w.clone();
    Stepper::new(rule, definitions, dims, 1, 1.0)?.update(f, &mut stepped, &set, &[0]);
    Ok(stepped - w)
}

/// −∂L/∂W at W by central differences (five-point), L = ½‖t − f(x̃ W)‖².
pub fn descent_direction(
    f: Activation,
    w: &Array2<f64>,
    x: ArrayView1<f64>,
    t: ArrayView1<f64>,
) -> Array2<f64> {
    let x = x.to_vec();
    let t = t.to_vec();
    let m = w.ncols();
    let (mut net, mut z) = (vec![0.0; m], vec![0.0; m]);
    let mut loss = |w: &Array2<f64>| {
        forward(w, &x, f, &mut net, &mut z);
        0.5 * t
            .iter()
            .zip(&z)
            .map(|(t_j, z_j)| (t_j - z_j) * (t_j - z_j))
            .sum::<f64>()
    };
    let mut probe = w.clone();
    let mut loss_at = |i: usize, j: usize, offset: f64| {
        let w_ij = w[[i, j]];
        probe[[i, j]] = w_ij + offset;
        let l = loss(&probe);
        probe[[i, j]] = w_ij;
        l
    };
    let h = STEP;
    Array2::from_shape_fn(w.dim(), |(i, j)| {
        // ∂L/∂w ≈ (8 (L(w+h) − L(w−h)) − (L(w+2h) − L(w−2h))) / 12h, the
        // differences taken first so that a flat L gives exactly zero.
        let near = loss_at(i, j, h) - loss_at(i, j, -h);
        let far = loss_at(i, j, 2.0 * h) - loss_at(i, j, -2.0 * h);
        -(8.0 * near - far) / (12.0 * h)
    })
}

/// A rule's step is the gradient when its relative error stays below this:
/// central differences are accurate to about 1e-9 here, while a step that
/// is not the gradient is off by order 1.
pub const GRADIENT_TOLERANCE: f64 = 1e-6;

/// How a rule's step compared with −∂L/∂W over a set of cases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// Cases compared: initial weights × samples.
    pub cases: usize,
    /// The worst [`relative_error`].
    pub max_relative_error: f64,
    /// The worst (lowest) [`cosine_similarity`].
    pub min_cosine_similarity: f64,
}

impl Comparison {
    /// Whether the step was the gradient in every case.
    pub fn is_gradient(&self) -> bool {
        self.max_relative_error < GRADIENT_TOLERANCE
    }
}

/// One rule × activation checked: how its step compared, or why it has none.
#[derive(Debug, Clone)]
pub struct Check {
    /// The rule.
    pub rule: Rule,
    /// The activation.
    pub activation: Activation,
    /// How its step compared, or why it has none.
    pub result: Result<Comparison, ShapeError>,
}

/// Compares `rule`'s ΔW/η with −∂L/∂W for activation `f`, for each of
/// `weights` on each sample of `samples`.
pub fn compare(
    rule: Rule,
    definitions: &Definitions,
    f: Activation,
    weights: &[Array2<f64>],
    samples: &Set,
) -> Result<Comparison, ShapeError> {
    let mut c = Comparison {
        cases: 0,
        max_relative_error: 0.0,
        min_cosine_similarity: 1.0,
    };
    for w in weights {
        for (x, t) in samples.x.rows().into_iter().zip(samples.t.rows()) {
            let step = rule_direction(rule, definitions, f, w, x, t)?;
            let gradient = descent_direction(f, w, x, t);
            c.cases += 1;
            c.max_relative_error = c.max_relative_error.max(relative_error(&step, &gradient));
            c.min_cosine_similarity = c
                .min_cosine_similarity
                .min(cosine_similarity(&step, &gradient));
        }
    }
    Ok(c)
}

/// max |a − b| / max(max |a|, max |b|); 0 when both are zero.
pub fn relative_error(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let max_abs = |m: &Array2<f64>| m.iter().fold(0.0_f64, |acc, v| acc.max(v.abs()));
    let scale = max_abs(a).max(max_abs(b));
    if scale == 0.0 {
        return 0.0;
    }
    let diff = a
        .iter()
        .zip(b)
        .fold(0.0_f64, |acc, (x, y)| acc.max((x - y).abs()));
    diff / scale
}

/// a·b / (‖a‖ ‖b‖); 1 when both are zero, 0 when only one is.
pub fn cosine_similarity(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |m: &Array2<f64>| m.iter().map(|v| v * v).sum::<f64>().sqrt();
    match (norm(a), norm(b)) {
        (0.0, 0.0) => 1.0,
        (na, nb) if na == 0.0 || nb == 0.0 => 0.0,
        (na, nb) => dot / (na * nb),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Shapes, weights, one input and one target. For the relus, cases with
    /// a net input within 0.02 of the kink are skipped: the differences'
    /// probes (up to 2h·|x| = 0.008 away) would straddle it.
    fn case() -> impl Strategy<Value = (Activation, Array2<f64>, Vec<f64>, Vec<f64>)> {
        (1usize..6, 1usize..5, 0..Activation::ALL.len()).prop_flat_map(|(n, m, a)| {
            (
                Just(Activation::ALL[a]),
                proptest::collection::vec(-1.0..1.0f64, (n + 1) * m)
                    .prop_map(move |v| Array2::from_shape_vec((n + 1, m), v).unwrap()),
                proptest::collection::vec(-2.0..2.0f64, n).prop_map(|mut x| {
                    x.push(1.0);
                    x
                }),
                proptest::collection::vec(0.0..1.0f64, m),
            )
        })
    }

    proptest! {
        #[test]
        fn matmul_step_is_the_negative_gradient((f, w, x, t) in case()) {
            let (mut net, mut z) = (vec![0.0; w.ncols()], vec![0.0; w.ncols()]);
            forward(&w, &x, f, &mut net, &mut z);
            let kinked = matches!(f, Activation::Relu | Activation::LeakyRelu);
            prop_assume!(!kinked || net.iter().all(|v| v.abs() > 0.02));

            let x = ArrayView1::from(&x);
            let t = ArrayView1::from(&t);
            let step = rule_direction(Rule::Matmul, &Definitions::default(), f, &w, x, t).unwrap();
            let gradient = descent_direction(f, &w, x, t);
            let err = relative_error(&step, &gradient);
            prop_assert!(err < 1e-6, "{f}: relative error {err}\nstep {step}\ngradient {gradient}");
        }
    }

    #[test]
    fn printed_kronecker_rule_is_not_the_gradient() {
        // 2 inputs + bias, 3 outputs: the shape where kron(zᵀ, δ) fits.
        let w = Array2::from_shape_fn((3, 3), |(i, j)| 0.3 * i as f64 - 0.2 * j as f64 + 0.1);
        let x = ArrayView1::from(&[0.8, -0.4, 1.0]);
        let t = ArrayView1::from(&[1.0, 0.0, 0.0]);
        let f = Activation::Sigmoid;
        let gradient = descent_direction(f, &w, x, t);
        let printed =
            rule_direction(Rule::Kronecker, &Definitions::default(), f, &w, x, t).unwrap();
        assert!(relative_error(&printed, &gradient) > 0.1);
        let with_inputs =
            rule_direction(Rule::KroneckerInput, &Definitions::default(), f, &w, x, t).unwrap();
        assert!(relative_error(&with_inputs, &gradient) < 1e-6);
    }

    #[test]
    fn cosine_of_parallel_and_orthogonal() {
        let a = Array2::from_shape_vec((1, 2), vec![1.0, 0.0]).unwrap();
        let b = Array2::from_shape_vec((1, 2), vec![0.0, 2.0]).unwrap();
        assert_eq!(cosine_similarity(&a, &(&a * 3.0)), 1.0);
        assert_eq!(cosine_similarity(&a, &b), 0.0);
    }
}
