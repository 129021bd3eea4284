//! A rule compiled for one job: the names it reads, then a list of
//! operations in the order the expression nests, each writing a buffer
//! made at compile time. An update fills the names from the batch, runs the
//! operations and adds the result to W; it allocates nothing.
//!
//! Every operation adds and multiplies in a fixed order (a sum starts from
//! its first term, as the built-in rules' do), so a rule written like a
//! built-in one gives its bits exactly.

use super::shape::{Shape, ShapeMismatch, check_step, infer, of_name};
use super::{Expr, Function, Kind, Name};
use crate::nn::activation::Activation;
use crate::nn::layer::{Dims, forward, row};
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
                let out = self.value(infer(expr, dims, b)?);
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
        for &Op {
            function,
            out,
            a,
            b,
        } in &self.ops
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
        let step = &self.values[self.result];
        let w = w.as_slice_mut().expect("weights are row-major");
        for (w_ij, step_ij) in w.iter_mut().zip(step) {
            *w_ij += step_ij;
        }
    }

    /// The names of this batch: each sample's forward pass through the old
    /// W, and its row of every matrix the rule reads.
    fn read_names(&mut self, f: Activation, w: &Array2<f64>, set: &Set, batch: &[usize]) {
        let (n1, m) = w.dim();
        let names = self.names;
        let Program { values, net, z, .. } = self;
        for (k, &s) in batch.iter().enumerate() {
            let (x, t) = (row(&set.x, s), row(&set.t, s));
            forward(w, x, f, net, z);
            let mut write = |name: Name, width: usize, from: &mut dyn FnMut(&mut [f64])| {
                if let Some(v) = names[name as usize] {
                    from(&mut values[v][k * width..(k + 1) * width]);
                }
            };
            write(Name::Net, m, &mut |row| row.copy_from_slice(net));
            write(Name::Outputs, m, &mut |row| row.copy_from_slice(z));
            write(Name::Targets, m, &mut |row| row.copy_from_slice(&t[..m]));
            // e = t − z and δ = e ⊙ f′(net), as the built-in rules form them.
            write(Name::ErrorVector, m, &mut |row| {
                for j in 0..m {
                    row[j] = t[j] - z[j];
                }
            });
            write(Name::Delta, m, &mut |row| {
                for j in 0..m {
                    let e_j = t[j] - z[j];
                    row[j] = e_j * f.derivative(net[j], z[j]);
                }
            });
            write(Name::Inputs, n1, &mut |row| row.copy_from_slice(x));
            write(Name::Sample, n1 - 1, &mut |row| {
                row.copy_from_slice(&x[..n1 - 1])
            });
            write(Name::Bias, 1, &mut |row| row[0] = x[n1 - 1]);
        }
        if let Some(v) = names[Name::Weights as usize] {
            values[v].copy_from_slice(w.as_slice().expect("weights are row-major"));
        }
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
