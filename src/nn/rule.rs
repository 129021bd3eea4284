//! The update rules, built in or a config's own, and the one [`Stepper`]
//! every job's updates go through.
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
//! and in which shapes they accept. Each is also defined in the notation of
//! [`expr`], as a config's own rules are; their one loop here is a fast path
//! that computes the same bits.

use super::activation::Activation;
use super::expr::{self, Expr, Program, ShapeMismatch};
use super::layer::{Dims, forward, unrolled};
use super::samples::Set;
use ndarray::Array2;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

/// How ΔW is formed from the sensitivity δ: a rule of sweep's own, or one
/// a config defines in its `[rules]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// η · X̃ᵀ Δ / B: the gradient step for ½‖e‖².
    Matmul,
    /// η · kron(zᵀ, δ): δ times the outputs, as the tutorial prints it.
    Kronecker,
    /// η · kron(x̃ᵀ, δ): the Kronecker form with the inputs.
    KroneckerInput,
    /// A rule of the config's `[rules]`, by its name.
    Defined(RuleName),
}

/// The built-in rules: each with its name, and its definition in the
/// notation of [`expr`], which the fast path of [`update`] computes bit for
/// bit (a test checks it).
const BUILT_IN: [(Rule, &str, &str); 3] = [
    (
        Rule::Matmul,
        "matmul",
        "scalar_mul(div(eta, batch_size), matmul(transpose(inputs), delta))",
    ),
    (
        Rule::Kronecker,
        "kronecker",
        "scalar_mul(eta, kronecker(transpose(outputs), delta))",
    ),
    (
        Rule::KroneckerInput,
        "kronecker_input",
        "scalar_mul(eta, kronecker(transpose(inputs), delta))",
    ),
];

impl Rule {
    /// The built-in rules, in the order tables list them.
    pub const ALL: [Rule; BUILT_IN.len()] = [BUILT_IN[0].0, BUILT_IN[1].0, BUILT_IN[2].0];

    /// The built-in rules' names, in the order of [`Rule::ALL`].
    pub const NAMES: [&'static str; BUILT_IN.len()] = [BUILT_IN[0].1, BUILT_IN[1].1, BUILT_IN[2].1];

    /// The name used in configs, CSV files and job ids.
    pub fn name(&self) -> &str {
        match self {
            Rule::Defined(name) => name.as_str(),
            built_in => BUILT_IN
                .iter()
                .find(|(rule, _, _)| rule == built_in)
                .map(|(_, name, _)| *name)
                .expect("every built-in rule is in BUILT_IN"),
        }
    }

    /// The rule written as `name`: a built-in one, or else a rule of the
    /// config's `[rules]` if `name` can name one.
    pub fn from_name(name: &str) -> Option<Rule> {
        BUILT_IN
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(rule, _, _)| *rule)
            .or_else(|| RuleName::new(name).ok().map(Rule::Defined))
    }

    /// What a message says is accepted.
    pub fn expected() -> String {
        format!(
            "{}, or the name of a rule of [rules]",
            crate::named::one_of(&Rule::NAMES)
        )
    }

    /// Whether it is one of sweep's own.
    pub fn is_built_in(self) -> bool {
        !matches!(self, Rule::Defined(_))
    }

    /// The rule's definition in the notation: the built-in one's, or the
    /// one `definitions` gives; `None` for a rule the config does not define.
    pub fn expression(self, definitions: &Definitions) -> Option<&Expr> {
        // Parsed once: every job's step is made from them.
        static BUILT_IN_PARSED: OnceLock<[Expr; BUILT_IN.len()]> = OnceLock::new();
        let parsed = BUILT_IN_PARSED.get_or_init(|| {
            BUILT_IN.map(|(_, _, text)| expr::parse(text).expect("the built-in rules parse"))
        });
        match self {
            Rule::Defined(name) => definitions.0.get(&name),
            built_in => (BUILT_IN.iter())
                .position(|(rule, _, _)| *rule == built_in)
                .map(|k| &parsed[k]),
        }
    }

    /// The product the rule takes, as written for a batch of `b` samples.
    pub fn formula(self, b: usize) -> &'static str {
        match (self, b) {
            (Rule::Matmul, 1) => "x̃ᵀ δ",
            (Rule::Matmul, _) => "X̃ᵀ Δ / B",
            (Rule::Kronecker, 1) => "kron(zᵀ, δ)",
            (Rule::Kronecker, _) => "kron(Zᵀ, Δ)",
            (Rule::KroneckerInput, 1) => "kron(x̃ᵀ, δ)",
            (Rule::KroneckerInput, _) => "kron(X̃ᵀ, Δ)",
            (Rule::Defined(_), _) => "its expression",
        }
    }

    /// Whether ΔW has the weights' shape for a batch of `b` samples; a rule
    /// the config does not define has no shape (the config refuses it).
    pub fn check(self, definitions: &Definitions, dims: Dims, b: usize) -> Result<(), ShapeError> {
        let Some(expr) = self.expression(definitions) else {
            return Ok(());
        };
        let fits = expr::shape::check_step(expr, dims, b);
        // A compiled rule holds its parts; the built-in fast path does not.
        let fits = match self.is_built_in() {
            true => fits,
            false => fits.and_then(|()| expr::shape::check_size(expr, dims, b)),
        };
        fits.map_err(|mismatch| ShapeError {
            rule: self,
            batch_size: b,
            mismatch,
        })
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Rule {
    type Err = String;
    fn from_str(text: &str) -> Result<Rule, String> {
        Rule::from_name(text).ok_or_else(|| {
            format!(
                "`{text}` is not a rule{}: the built-in rules are {}, and a config's \
                 own rules (its [rules] table) are named with up to {MAX_RULE_NAME} letters, \
                 digits and _",
                crate::suggest::did_you_mean(text, Rule::NAMES),
                crate::named::one_of(&Rule::NAMES)
            )
        })
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Rule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rule, D::Error> {
        struct RuleVisitor;
        impl serde::de::Visitor<'_> for RuleVisitor {
            type Value = Rule;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(&Rule::expected())
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Rule, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(RuleVisitor)
    }
}

/// Longest name of a config's own rule, in bytes.
pub const MAX_RULE_NAME: usize = 32;

/// The name of a config's own rule: letters, digits and `_`, not starting
/// with a digit, at most [`MAX_RULE_NAME`] bytes; held inline, so that a
/// rule is a plain value like the other axes' values.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleName {
    bytes: [u8; MAX_RULE_NAME],
    len: u8,
}

impl RuleName {
    /// `name` as a rule's name, or what is wrong with it.
    pub fn new(name: &str) -> Result<RuleName, String> {
        let fits = (1..=MAX_RULE_NAME).contains(&name.len())
            && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !fits {
            return Err(format!(
                "a rule's name has 1 to {MAX_RULE_NAME} letters, digits and _, and does not \
                 start with a digit"
            ));
        }
        if BUILT_IN.iter().any(|(_, built_in, _)| *built_in == name) {
            return Err(format!(
                "`{name}` is a built-in rule; give yours another name"
            ));
        }
        let mut bytes = [0; MAX_RULE_NAME];
        bytes[..name.len()].copy_from_slice(name.as_bytes());
        Ok(RuleName {
            bytes,
            len: name.len() as u8,
        })
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).expect("ASCII by construction")
    }
}

impl fmt::Debug for RuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// The rules a config defines in `[rules]`, each by its name as its
/// expression.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Definitions(pub BTreeMap<RuleName, Expr>);

/// A rule whose ΔW does not have the weights' shape, or whose parts do not
/// fit each other.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ShapeError {
    /// The rule that was applied.
    pub rule: Rule,
    /// Samples per update.
    pub batch_size: usize,
    /// What does not fit.
    pub mismatch: ShapeMismatch,
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The built-in rules say a wrong ΔW in the model's symbols, with why.
        let ShapeMismatch::Step { step, weights, .. } = &self.mismatch else {
            return write!(f, "{}", self.mismatch);
        };
        if !self.rule.is_built_in() {
            return write!(f, "{}", self.mismatch);
        }
        let formula = self.rule.formula(self.batch_size);
        if self.batch_size > 1 {
            write!(
                f,
                "{formula} over a batch of {} is {step} but the weights are {weights}: \
                 the Kronecker form is per sample (batch_size = 1); \
                 matmul sums the per-sample outer products",
                self.batch_size
            )
        } else {
            write!(
                f,
                "{formula} is {step} but the weights are {weights}: the printed rule \
                 multiplies δ by the outputs z where the gradient needs the inputs [x, 1], \
                 so it has the weights' shape only when outputs = inputs + 1"
            )
        }
    }
}

/// How one job's ΔW is made: a built-in rule's own loop ([`update`]), or a
/// rule's expression compiled for the job. Made once per job; its shape
/// checked then.
#[derive(Debug, Clone)]
pub enum Stepper {
    /// A built-in rule, with the job's η.
    BuiltIn(Rule, f64, UpdateBuffers),
    /// A config's own rule, compiled with the job's η.
    Expression(Box<Program>),
}

impl Stepper {
    /// The step of `rule` for a net of shape `dims`, batches of `b` and
    /// learning rate `eta`, or why its ΔW cannot be W's shape.
    pub fn new(
        rule: Rule,
        definitions: &Definitions,
        dims: Dims,
        b: usize,
        eta: f64,
    ) -> Result<Stepper, ShapeError> {
        let expr = match rule.expression(definitions) {
            Some(expr) if !rule.is_built_in() => expr,
            _ => {
                rule.check(definitions, dims, b)?;
                return Ok(Stepper::BuiltIn(rule, eta, UpdateBuffers::new(dims)));
            }
        };
        // Compiling checks the shapes, as `Rule::check` does.
        Program::compile(expr, dims, b, eta)
            .map(|p| Stepper::Expression(Box::new(p)))
            .map_err(|mismatch| ShapeError {
                rule,
                batch_size: b,
                mismatch,
            })
    }

    /// One update W ← W + ΔW from the training samples `batch` of `set`:
    /// the only place weights change.
    pub fn update(&mut self, f: Activation, w: &mut Array2<f64>, set: &Set, batch: &[usize]) {
        match self {
            Stepper::BuiltIn(rule, eta, buffers) => update(*rule, *eta, f, w, set, batch, buffers),
            Stepper::Expression(program) => program.update(f, w, set, batch),
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

/// The built-in rules' update, W ← W + ΔW, in one loop: `a ⊗ δ` summed
/// over the batch, with `a` the inputs or (for the printed rule) the
/// outputs. [`Stepper::new`] has checked the shape.
fn update(
    rule: Rule,
    eta: f64,
    f: Activation,
    w: &mut Array2<f64>,
    set: &Set,
    batch: &[usize],
    buffers: &mut UpdateBuffers,
) {
    let dims = Dims {
        inputs_with_bias: w.nrows(),
        outputs: w.ncols(),
    };
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
            let ((xs, ts), n1) = (set.rows(), dims.inputs_with_bias);
            for (k, &s) in batch.iter().enumerate() {
                let (x, t) = (&xs[s * n1..][..n1], &ts[s * m..][..m]);
                forward(w, x, f, net, z);
                // δ = (t − z) ⊙ f′(net)
                for j in 0..m {
                    let e_j = t[j] - z[j];
                    delta[j] = e_j * f.derivative(net[j], z[j]);
                }
                let a: &[f64] = match rule {
                    Rule::Kronecker => z,
                    _ => x,
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

    static NONE: Definitions = Definitions(BTreeMap::new());

    #[test]
    fn kronecker_fits_only_when_outputs_are_inputs_plus_one() {
        assert!(Rule::Kronecker.check(&NONE, dims(2, 3), 1).is_ok());
        let err = Rule::Kronecker.check(&NONE, dims(4, 3), 1).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("kron(zᵀ, δ) is 3×3"), "{msg}");
        assert!(msg.contains("weights are 5×3"), "{msg}");
    }

    #[test]
    fn kronecker_forms_refuse_batches() {
        for rule in [Rule::Kronecker, Rule::KroneckerInput] {
            let err = rule.check(&NONE, dims(2, 3), 2).unwrap_err();
            assert!(err.to_string().contains("per sample"), "{err}");
        }
        let err = Rule::KroneckerInput
            .check(&NONE, dims(4, 3), 2)
            .unwrap_err();
        assert!(err.to_string().contains("is 10×6"), "{err}");
        assert!(Rule::Matmul.check(&NONE, dims(4, 3), 7).is_ok());
        // The fast path holds no buffer per sample: no batch is too large.
        assert!(Rule::Matmul.check(&NONE, dims(4, 3), 5_000_000).is_ok());
        assert!(Rule::KroneckerInput.check(&NONE, dims(4, 3), 1).is_ok());
    }

    #[test]
    fn names_parse_back_and_a_built_in_name_is_not_a_rule_of_ones_own() {
        for rule in Rule::ALL {
            assert_eq!(rule.name().parse::<Rule>(), Ok(rule));
        }
        let mine: Rule = "asker_fix".parse().unwrap();
        assert_eq!(mine.name(), "asker_fix");
        assert!(!mine.is_built_in());
        assert!(RuleName::new("matmul").unwrap_err().contains("built-in"));
        for bad in ["", "9lives", "with-dash", "x y", &"a".repeat(33)] {
            assert!(bad.parse::<Rule>().is_err(), "{bad:?}");
        }
    }

    fn step(rule: Rule, n1: usize, m: usize, eta: f64) -> Stepper {
        Stepper::new(rule, &NONE, dims(n1 - 1, m), 1, eta).unwrap()
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
            step(Rule::Matmul, n1, m, 0.5).update(f, &mut w, &set, &[0]);
            assert_eq!(w, expected, "m = {m}");
            assert_ne!(w, w0, "m = {m}: the step moved W");
        }
    }

    /// Samples of `n1` augmented inputs (bias 1 last) and `m` targets.
    fn samples(rows: usize, n1: usize, m: usize) -> Set {
        Set {
            x: Array2::from_shape_fn((rows, n1), |(i, j)| match j + 1 == n1 {
                true => 1.0,
                false => ((i * 7 + j * 3) % 11) as f64 / 4.0 - 1.3,
            }),
            t: Array2::from_shape_fn((rows, m), |(i, j)| ((i + j) % m == 0) as u8 as f64),
        }
    }

    #[test]
    fn each_built_in_rule_is_its_definition_bit_for_bit() {
        // The fast path and the compiled definition, update after update,
        // for every activation and batch size: the same bits of W, or the
        // same refusal.
        let eta = 0.3;
        let mut compared = 0;
        for (n1, m) in [(3, 3), (5, 3), (6, 6)] {
            let set = samples(12, n1, m);
            let w0 = Array2::from_shape_fn((n1, m), |(i, j)| 0.05 * i as f64 - 0.11 * j as f64);
            let dims = dims(n1 - 1, m);
            for f in Activation::ALL {
                for b in [1, 2, 5] {
                    for rule in Rule::ALL {
                        let expr = rule.expression(&NONE).unwrap();
                        let fast = Stepper::new(rule, &NONE, dims, b, eta);
                        let slow = Program::compile(expr, dims, b, eta);
                        let (mut fast, mut slow) = match (fast, slow) {
                            (Ok(fast), Ok(slow)) => (fast, slow),
                            (Err(_), Err(_)) => continue,
                            (fast, slow) => panic!("{rule} {f} B={b}: {fast:?} but {slow:?}"),
                        };
                        assert!(matches!(fast, Stepper::BuiltIn(..)));
                        let (mut w_fast, mut w_slow) = (w0.clone(), w0.clone());
                        for u in 0..40 {
                            let batch: Vec<usize> = (0..b).map(|k| (u * b + 5 * k) % 12).collect();
                            fast.update(f, &mut w_fast, &set, &batch);
                            slow.update(f, &mut w_slow, &set, &batch);
                        }
                        let bits =
                            |w: &Array2<f64>| w.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&w_fast), bits(&w_slow), "{rule} {f} B={b} {n1}×{m}");
                        assert_ne!(w_fast, w0);
                        compared += 1;
                    }
                }
            }
        }
        // matmul at every size and batch, the Kronecker forms at B = 1
        // where they fit: 3 + 1 + 1 (3×3), 3 + 1 (5×3), 3 + 1 + 1 (6×6).
        assert_eq!(compared, Activation::ALL.len() * 14);
    }

    #[test]
    fn matmul_step_is_eta_times_input_outer_delta() {
        // One linear sample by hand: x̃ = [2, 1], W = 0, t = 1 → z = 0, δ = 1.
        let set = Set {
            x: Array2::from_shape_vec((1, 2), vec![2.0, 1.0]).unwrap(),
            t: Array2::from_shape_vec((1, 1), vec![1.0]).unwrap(),
        };
        let mut w = Array2::zeros((2, 1));
        step(Rule::Matmul, 2, 1, 0.5).update(Activation::Linear, &mut w, &set, &[0]);
        assert_eq!(w.as_slice().unwrap(), &[1.0, 0.5]);
    }
}
