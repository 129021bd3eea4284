//! A rule compiled for one job: the names it reads, then a list of
//! operations in the order the expression nests, each writing a buffer
//! made at compile time. An update fills the names from the batch, runs the
//! operations and adds the result to W; it allocates nothing.
//!
//! Every operation adds and multiplies in a fixed order (a sum starts from
//! its first term, as the built-in rules' do), so a rule written like a
//! built-in one gives its bits exactly.

use super::shape::{Shape, ShapeMismatch, check_size, check_step, of_call, of_name};
use super::{Expr, Function, Kind, Name};
use crate::nn::activation::Activation;
use crate::nn::layer::{Dims, forward};
use crate::nn::samples::Set;
use ndarray::Array2;

/// One operation: the value it writes and those it reads (a function of
/// one argument reads `a` twice).
#[derive(Debug, Clone, Copy)]
struct Op {
    function: Function,
    out: usize,
    a: usize,
    b: usize,
}

/// A rule ready to update W for one job.
#[derive(Debug, Clone)]
pub struct Program {
    /// Every value: the names, the numbers, each operation's result.
    values: Vec<Vec<f64>>,
    shapes: Vec<Shape>,
    /// The value of each name the rule reads, by [`Name`] index.
    names: [Option<usize>; Name::ALL.len()],
    ops: Vec<Op>,
    /// The value that is ΔW.
    result: usize,
    /// net and z of one sample, which its other names come from.
    net: Vec<f64>,
    z: Vec<f64>,
}

impl Program {
    /// Compiles `expr` for a net of shape `dims`, batches of `b` samples
    /// and learning rate `eta`; refused when ΔW would not have W's shape.
    pub fn compile(expr: &Expr, dims: Dims, b: usize, eta: f64) -> Result<Program, ShapeMismatch> {
        check_step(expr, dims, b)?;
        check_size(expr, dims, b)?;
        let mut program = Program {
            values: Vec::new(),
            shapes: Vec::new(),
            names: [None; Name::ALL.len()],
            ops: Vec::new(),
            result: 0,
            net: vec![0.0; dims.outputs],
            z: vec![0.0; dims.outputs],
        };
        program.result = program.add(expr, dims, b)?;
        // The constants of the job.
        for (name, value) in [(Name::Eta, eta), (Name::BatchSize, b as f64)] {
            if let Some(k) = program.names[name as usize] {
                program.values[k][0] = value;
            }
        }
        Ok(program)
    }

    fn value(&mut self, shape: Shape) -> usize {
        self.values.push(vec![0.0; shape.len()]);
        self.shapes.push(shape);
        self.values.len() - 1
    }

    fn name(&mut self, name: Name, dims: Dims, b: usize) -> usize {
        if let Some(k) = self.names[name as usize] {
            return k;
        }
        let k = self.value(of_name(name, dims, b));
        self.names[name as usize] = Some(k);
        k
    }

    /// Adds the operations of `expr` after its arguments'; gives the value
    /// that holds it.
    fn add(&mut self, expr: &Expr, dims: Dims, b: usize) -> Result<usize, ShapeMismatch> {
        match &expr.kind {
            Kind::Name(name) => Ok(self.name(*name, dims, b)),
            Kind::Number(x) => {
                let k = self.value(Shape::SCALAR);
                self.values[k][0] = *x;
                Ok(k)
            }
            Kind::Call(function, args) => {
                let a = self.add(&args[0], dims, b)?;
                let second = match args.get(1) {
                    Some(arg) => self.add(arg, dims, b)?,
                    None => a,
                };
                let shapes = [self.shapes[a], self.shapes[second]];
                let out = self.value(of_call(expr, *function, args, &shapes[..args.len()])?);
                self.ops.push(Op {
                    function: function.canonical(),
                    out,
                    a,
                    b: second,
                });
                Ok(out)
            }
        }
    }

    /// W ← W + ΔW for the samples `batch` of `set`, with activation `f`.
    pub fn update(&mut self, f: Activation, w: &mut Array2<f64>, set: &Set, batch: &[usize]) {
        self.read_names(f, w, set, batch);
        // A rule that ends in η times a product (most do) adds η × each
        // entry to W as it goes: the same two roundings as writing ΔW first.
        let (ops, last) = match self.ops.split_last() {
            Some((last, rest))
                if last.function == Function::ScalarMul && last.out == self.result =>
            {
                (rest, Some(*last))
            }
            _ => (&self.ops[..], None),
        };
        for &Op {
            function,
            out,
            a,
            b,
        } in ops
        {
            // Taken out and put back: the operation reads the others while
            // it writes this one, and an empty Vec costs no allocation.
            let mut result = std::mem::take(&mut self.values[out]);
            let (sa, sb) = (self.shapes[a], self.shapes[b]);
            run(
                function,
                f,
                &self.values[a],
                sa,
                &self.values[b],
                sb,
                &mut result,
            );
            self.values[out] = result;
        }
        let w = w.as_slice_mut().expect("weights are row-major");
        match last {
            Some(Op { a, b, .. }) => {
                let (s, product) = (self.values[a][0], &self.values[b]);
                for (w_ij, p_ij) in w.iter_mut().zip(product) {
                    *w_ij += s * p_ij;
                }
            }
            None => {
                for (w_ij, step_ij) in w.iter_mut().zip(&self.values[self.result]) {
                    *w_ij += step_ij;
                }
            }
        }
    }

    /// The names of this batch: each sample's forward pass through the old
    /// W, and its row of every matrix the rule reads.
    fn read_names(&mut self, f: Activation, w: &Array2<f64>, set: &Set, batch: &[usize]) {
        let (n1, m) = w.dim();
        let slot = |name: Name| self.names[name as usize];
        let (net_at, z_at, t_at) = (slot(Name::Net), slot(Name::Outputs), slot(Name::Targets));
        let (e_at, delta_at) = (slot(Name::ErrorVector), slot(Name::Delta));
        let (x_at, sample_at, bias_at) = (slot(Name::Inputs), slot(Name::Sample), slot(Name::Bias));
        let weights_at = slot(Name::Weights);
        let Program { values, net, z, .. } = self;
        let (xs, ts) = set.rows();
        for (k, &s) in batch.iter().enumerate() {
            let (x, t) = (&xs[s * n1..][..n1], &ts[s * m..][..m]);
            forward(w, x, f, net, z);
            fill(values, net_at, k, m, |row| row.copy_from_slice(net));
            fill(values, z_at, k, m, |row| row.copy_from_slice(z));
            fill(values, t_at, k, m, |row| row.copy_from_slice(t));
            // e = t − z and δ = e ⊙ f′(net), as the built-in rules form them.
            fill(values, e_at, k, m, |row| {
                for j in 0..m {
                    row[j] = t[j] - z[j];
                }
            });
            fill(values, delta_at, k, m, |row| {
                for j in 0..m {
                    let e_j = t[j] - z[j];
                    row[j] = e_j * f.derivative(net[j], z[j]);
                }
            });
            fill(values, x_at, k, n1, |row| row.copy_from_slice(x));
            fill(values, sample_at, k, n1 - 1, |row| {
                row.copy_from_slice(&x[..n1 - 1])
            });
            fill(values, bias_at, k, 1, |row| row[0] = x[n1 - 1]);
        }
        if let Some(v) = weights_at {
            values[v].copy_from_slice(w.as_slice().expect("weights are row-major"));
        }
    }
}

/// Writes row `k` (of `width` entries) of the value at `slot`, if any.
#[inline(always)]
fn fill(
    values: &mut [Vec<f64>],
    slot: Option<usize>,
    k: usize,
    width: usize,
    g: impl FnOnce(&mut [f64]),
) {
    if let Some(v) = slot {
        g(&mut values[v][k * width..(k + 1) * width]);
    }
}

/// `out = function(a, b)`, the shapes already checked; a function of one
/// argument ignores `b`.
fn run(
    function: Function,
    f: Activation,
    a: &[f64],
    sa: Shape,
    b: &[f64],
    sb: Shape,
    out: &mut [f64],
) {
    match function {
        Function::Kronecker => {
            let cols = sa.cols * sb.cols;
            for i in 0..sa.rows {
                for j in 0..sa.cols {
                    let a_ij = a[i * sa.cols + j];
                    for k in 0..sb.rows {
                        for l in 0..sb.cols {
                            out[(i * sb.rows + k) * cols + j * sb.cols + l] =
                                a_ij * b[k * sb.cols + l];
                        }
                    }
                }
            }
        }
        Function::Matmul => {
            // Each sum starts from its first term and adds the rest in
            // order, as the built-in rules' sums over the batch do.
            let (q, s) = (sa.cols, sb.cols);
            if q == 0 {
                out.fill(0.0);
                return;
            }
            for i in 0..sa.rows {
                for j in 0..s {
                    let mut sum = a[i * q] * b[j];
                    for k in 1..q {
                        sum += a[i * q + k] * b[k * s + j];
                    }
                    out[i * s + j] = sum;
                }
            }
        }
        Function::Transpose => {
            for i in 0..sa.rows {
                for j in 0..sa.cols {
                    out[j * sa.rows + i] = a[i * sa.cols + j];
                }
            }
        }
        Function::Hadamard | Function::Hammard => zip(a, b, out, |x, y| x * y),
        Function::Add => zip(a, b, out, |x, y| x + y),
        Function::Sub => zip(a, b, out, |x, y| x - y),
        Function::ScalarMul => {
            let s = a[0];
            for (o, &y) in out.iter_mut().zip(b) {
                *o = s * y;
            }
        }
        Function::Div => {
            let s = b[0];
            for (o, &x) in out.iter_mut().zip(a) {
                *o = x / s;
            }
        }
        Function::Activation => f.apply(a, out),
        Function::ActivationDiff => {
            f.apply(a, out);
            for (o, &x) in out.iter_mut().zip(a) {
                *o = f.derivative(x, *o);
            }
        }
        Function::Concat => {
            let cols = sa.cols + sb.cols;
            for i in 0..sa.rows {
                out[i * cols..i * cols + sa.cols]
                    .copy_from_slice(&a[i * sa.cols..(i + 1) * sa.cols]);
                out[i * cols + sa.cols..(i + 1) * cols]
                    .copy_from_slice(&b[i * sb.cols..(i + 1) * sb.cols]);
            }
        }
    }
}

fn zip(a: &[f64], b: &[f64], out: &mut [f64], g: impl Fn(f64, f64) -> f64) {
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = g(x, y);
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn a_rule_that_ends_in_a_division_steps_like_one_that_ends_in_a_product() {
        // x / 2 and 0.5 · x are the same number: the two ways an update
        // ends (writing ΔW, or adding η × each entry as it goes) agree.
        let dims = Dims {
            inputs_with_bias: 3,
            outputs: 2,
        };
        let set = Set {
            x: Array2::from_shape_fn((4, 3), |(i, j)| (i as f64 - 1.5) * (j as f64 + 0.5)),
            t: Array2::from_shape_fn((4, 2), |(i, j)| ((i + j) % 2) as f64),
        };
        let w0 = Array2::from_shape_fn((3, 2), |(i, j)| 0.1 * i as f64 - 0.2 * j as f64);
        let mut steps = Vec::new();
        for text in [
            "div(matmul(transpose(inputs), delta), 2)",
            "scalar_mul(0.5, matmul(transpose(inputs), delta))",
        ] {
            let mut program = Program::compile(&parse(text).unwrap(), dims, 2, 0.1).unwrap();
            let mut w = w0.clone();
            for u in 0..10 {
                program.update(Activation::Tanh, &mut w, &set, &[u % 4, (u + 1) % 4]);
            }
            steps.push(w);
        }
        assert_eq!(steps[0], steps[1]);
        assert_ne!(steps[0], w0);
    }

    /// Any expression of the notation, up to a few calls deep.
    fn any_expr() -> impl proptest::strategy::Strategy<Value = Expr> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            proptest::sample::select(Name::ALL.to_vec()).prop_map(Kind::Name),
            (-3.0..3.0f64).prop_map(Kind::Number),
        ]
        .prop_map(|kind| Expr { kind, span: 0..0 });
        leaf.prop_recursive(4, 24, 2, |inner| {
            (
                proptest::sample::select(Function::ALL.to_vec()),
                proptest::collection::vec(inner, 2),
            )
                .prop_map(|(f, mut args)| {
                    args.truncate(f.arity());
                    Expr {
                        kind: Kind::Call(f.canonical(), args),
                        span: 0..0,
                    }
                })
        })
    }

    proptest::proptest! {
        /// Whatever a rule is, it prints as text that parses back to it,
        /// its shapes are inferred or refused, and a rule that fits updates
        /// W without a panic.
        #[test]
        fn any_rule_prints_parses_and_runs_or_is_refused(
            expr in any_expr(),
            n in 1usize..4,
            m in 1usize..4,
            b in 1usize..4,
        ) {
            let printed = expr.to_string();
            let again = parse(&printed).unwrap();
            proptest::prop_assert_eq!(again.to_string(), printed);
            let dims = Dims { inputs_with_bias: n + 1, outputs: m };
            if let Ok(mut program) = Program::compile(&expr, dims, b, 0.1) {
                let set = Set {
                    x: Array2::from_shape_fn((5, n + 1), |(i, j)| (i + j) as f64 / 5.0),
                    t: Array2::from_shape_fn((5, m), |(i, j)| ((i + j) % 2) as f64),
                };
                let mut w = Array2::zeros((n + 1, m));
                let batch: Vec<usize> = (0..b).collect();
                program.update(Activation::Softplus, &mut w, &set, &batch);
            }
        }
    }
}
