//! The shape of every part of a rule, from the net's shape and the batch
//! size alone: whether a rule can run is known before any job does.

use super::{Expr, Function, Kind, Name};
use crate::nn::layer::Dims;
use std::fmt;

/// Most entries the parts of a compiled rule may have in all: a product of
/// products (kronecker of kroneckers) grows fast, and every part gets a
/// buffer ([`check_size`]).
pub const MAX_ENTRIES: usize = 4_000_000;

/// Rows × columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
}

impl Shape {
    /// A 1×1 matrix: η, B, a number.
    pub const SCALAR: Shape = Shape { rows: 1, cols: 1 };

    /// Entries (at most `usize::MAX`).
    pub fn len(self) -> usize {
        self.rows.saturating_mul(self.cols)
    }

    /// Whether it has no entry (never, for a rule's parts).
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}×{}", self.rows, self.cols)
    }
}

/// A rule whose shapes do not fit: the part that does not, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeMismatch {
    /// A function's arguments do not fit each other.
    #[error("{call}: {why}")]
    Arguments {
        /// The call, as it means.
        call: String,
        /// Its arguments' shapes and what the function needs.
        why: String,
    },
    /// ΔW does not have the weights' shape.
    #[error("{part} is {step} but the weights are {weights}")]
    Step {
        /// The part that gives ΔW its shape (inside any scaling by a scalar).
        part: String,
        /// ΔW's shape.
        step: Shape,
        /// W's shape.
        weights: Shape,
    },
}

/// The shape of `name` for a net of shape `dims` and batches of `b`.
pub fn of_name(name: Name, dims: Dims, b: usize) -> Shape {
    let (n1, m) = (dims.inputs_with_bias, dims.outputs);
    let (rows, cols) = match name {
        Name::Sample => (b, n1 - 1),
        Name::Bias => (b, 1),
        Name::Inputs => (b, n1),
        Name::Net | Name::Outputs | Name::Targets | Name::ErrorVector | Name::Delta => (b, m),
        Name::Weights => (n1, m),
        Name::Eta | Name::BatchSize => (1, 1),
    };
    Shape { rows, cols }
}

/// The shape of `expr`, or the first part (innermost first) whose
/// arguments do not fit.
pub fn infer(expr: &Expr, dims: Dims, b: usize) -> Result<Shape, ShapeMismatch> {
    walk(expr, dims, b, &mut 0)
}

/// The shape of `expr`, adding the entries of each of its parts to `total`.
fn walk(expr: &Expr, dims: Dims, b: usize, total: &mut usize) -> Result<Shape, ShapeMismatch> {
    let shape = match &expr.kind {
        Kind::Name(name) => of_name(*name, dims, b),
        Kind::Number(_) => Shape::SCALAR,
        Kind::Call(function, args) => {
            let shapes = (args.iter())
                .map(|a| walk(a, dims, b, total))
                .collect::<Result<Vec<_>, _>>()?;
            of_call(expr, *function, args, &shapes)?
        }
    };
    *total = total.saturating_add(shape.len());
    Ok(shape)
}

/// The shape of the call `expr`, `function` of `args` whose shapes are
/// `shapes`; or why they do not fit it.
pub fn of_call(
    expr: &Expr,
    function: Function,
    args: &[Expr],
    shapes: &[Shape],
) -> Result<Shape, ShapeMismatch> {
    let fail = |why: String| ShapeMismatch::Arguments {
        call: expr.to_string(),
        why,
    };
    let need = |fits: bool, what: &str| match fits {
        true => Ok(()),
        false => {
            let described = (args.iter().zip(shapes))
                .map(|(a, s)| format!("{a} is {s}"))
                .collect::<Vec<_>>()
                .join(" and ");
            Err(fail(format!("{described}; {what}")))
        }
    };
    let (a, c) = (shapes[0], shapes[shapes.len() - 1]);
    let shape = match function {
        Function::Kronecker => Shape {
            rows: a.rows.saturating_mul(c.rows),
            cols: a.cols.saturating_mul(c.cols),
        },
        Function::Matmul => {
            need(
                a.cols == c.rows,
                "matmul needs the first's columns to be as many as the second's rows",
            )?;
            Shape {
                rows: a.rows,
                cols: c.cols,
            }
        }
        Function::Transpose => Shape {
            rows: a.cols,
            cols: a.rows,
        },
        Function::Hadamard | Function::Hammard | Function::Add | Function::Sub => {
            let what = format!("{} needs two matrices of one shape", function.canonical());
            need(a == c, &what)?;
            a
        }
        Function::ScalarMul => {
            need(
                a == Shape::SCALAR,
                "scalar_mul's first argument is the scalar (1×1)",
            )?;
            c
        }
        Function::Div => {
            need(
                c == Shape::SCALAR,
                "div divides by a scalar (1×1), its second argument",
            )?;
            a
        }
        Function::Activation | Function::ActivationDiff => a,
        Function::Concat => {
            need(a.rows == c.rows, "concat needs as many rows in both")?;
            Shape {
                rows: a.rows,
                cols: a.cols.saturating_add(c.cols),
            }
        }
    };
    Ok(shape)
}

/// Checks that `expr` gives a ΔW of the weights' shape for a net of shape
/// `dims` and batches of `b`.
pub fn check_step(expr: &Expr, dims: Dims, b: usize) -> Result<(), ShapeMismatch> {
    let step = infer(expr, dims, b)?;
    let weights = of_name(Name::Weights, dims, b);
    if step == weights {
        return Ok(());
    }
    // Scaling by a scalar keeps the shape: name the part that made it.
    let mut part = expr;
    while let Kind::Call(Function::ScalarMul | Function::Div, args) = &part.kind {
        part = match part.kind {
            Kind::Call(Function::ScalarMul, _) => &args[1],
            _ => &args[0],
        };
    }
    Err(ShapeMismatch::Step {
        part: part.to_string(),
        step,
        weights,
    })
}

/// Checks that a compiled `expr` fits in memory: every part gets a buffer
/// for each job, and all of them together (so each one too) are bounded,
/// whatever the nesting and the batch size. (The built-in rules' fast path keeps no
/// such buffers, and is not bound by this.)
pub fn check_size(expr: &Expr, dims: Dims, b: usize) -> Result<(), ShapeMismatch> {
    // Every part counted, a name read twice twice: a bound from above.
    let mut entries = 0;
    walk(expr, dims, b, &mut entries)?;
    if entries > MAX_ENTRIES {
        return Err(ShapeMismatch::Arguments {
            call: expr.to_string(),
            why: format!(
                "its parts hold {entries} entries in all (batch size {b}), more than the \
                 {MAX_ENTRIES} a rule may have"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    const IRIS4: Dims = Dims {
        inputs_with_bias: 5,
        outputs: 3,
    };

    #[test]
    fn the_printed_rule_has_the_weights_shape_only_when_outputs_are_inputs_plus_one() {
        let printed = parse("scalar_mul(eta, kronecker(transpose(outputs), delta))").unwrap();
        assert_eq!(
            check_step(&printed, IRIS4, 1).unwrap_err().to_string(),
            "kronecker(transpose(outputs), delta) is 3×3 but the weights are 5×3"
        );
        let square = Dims {
            inputs_with_bias: 3,
            outputs: 3,
        };
        assert_eq!(check_step(&printed, square, 1), Ok(()));
        let fixed = parse("scalar_mul(eta, matmul(transpose(inputs), delta))").unwrap();
        for b in [1, 2, 7] {
            assert_eq!(check_step(&fixed, IRIS4, b), Ok(()), "B = {b}");
        }
        let no_bias = parse("scalar_mul(eta, kronecker(transpose(sample), delta))").unwrap();
        assert_eq!(
            check_step(&no_bias, IRIS4, 1).unwrap_err().to_string(),
            "kronecker(transpose(sample), delta) is 4×3 but the weights are 5×3"
        );
    }

    #[test]
    fn a_rule_too_large_in_all_is_refused_whatever_its_parts() {
        // Four products of 3125×243 each, and their sums: no part is too
        // large alone.
        let k5 = "kronecker(kronecker(kronecker(weights, weights), kronecker(weights, weights)), weights)";
        let sum = format!("add(add({k5}, {k5}), add({k5}, {k5}))");
        let e = check_size(&parse(&sum).unwrap(), IRIS4, 1).unwrap_err();
        assert!(e.to_string().contains("entries in all"), "{e}");
        // One part too large alone: 390625×6561.
        let k4 = "kronecker(kronecker(weights, weights), kronecker(weights, weights))";
        let huge = parse(&format!("kronecker({k4}, {k4})")).unwrap();
        let e = check_size(&huge, IRIS4, 2).unwrap_err();
        assert!(e.to_string().contains("more than the 4000000"), "{e}");
        // And a batch so large that the names alone are too much.
        let fixed = parse("scalar_mul(eta, matmul(transpose(inputs), delta))").unwrap();
        let e = check_size(&fixed, IRIS4, 400_000).unwrap_err();
        assert!(e.to_string().contains("batch size 400000"), "{e}");
    }

    #[test]
    fn arguments_that_do_not_fit_name_the_call() {
        for (text, needle) in [
            (
                "matmul(inputs, delta)",
                "matmul(inputs, delta): inputs is 2×5 and delta is 2×3; matmul needs",
            ),
            ("add(inputs, delta)", "add needs two matrices of one shape"),
            ("scalar_mul(delta, weights)", "the scalar (1×1)"),
            ("div(weights, delta)", "divides by a scalar"),
            ("concat(weights, delta)", "as many rows"),
        ] {
            let e = check_step(&parse(text).unwrap(), IRIS4, 2).unwrap_err();
            assert!(e.to_string().contains(needle), "{text}: {e}");
        }
    }
}
