//! Update rules written in the tutorial's own notation:
//!
//! ```text
//! scalar_mul(eta, kronecker(transpose(outputs), delta))
//! ```
//!
//! An expression is a name, a number, or a function applied to
//! expressions ([`parse`]). Its shape follows from the data's dimensions
//! and the batch size ([`shape`]): a rule whose ΔW does not have the
//! weights' shape is a `shape_error` of its cells, found before any job
//! runs. A rule that has it is compiled once per job into a list of
//! operations on buffers allocated then ([`program`]), so an update
//! allocates nothing.
//!
//! With a batch of B samples every name of the batch is a matrix of B
//! rows, as the built-in rules take them: `inputs` is X̃, B×(n+1).

pub mod parse;
pub mod program;
pub mod shape;

pub use parse::{ParseError, parse};
pub use program::Program;
pub use shape::{Shape, ShapeMismatch};

use std::fmt;
use std::ops::Range;

named_enum! {
    /// A name an expression can use. With B samples per update, n inputs
    /// and m outputs.
    pub enum Name {
        /// x, the samples' inputs: B×n.
        Sample = "sample",
        /// The constant bias input of each sample: B×1.
        Bias = "bias",
        /// x̃ = [x, bias], what feeds the weights: B×(n+1).
        Inputs = "inputs",
        /// net = x̃ W: B×m.
        Net = "net",
        /// z = f(net), the outputs: B×m.
        Outputs = "outputs",
        /// t, the targets: B×m.
        Targets = "targets",
        /// e = t − z: B×m.
        ErrorVector = "error_vector",
        /// δ = e ⊙ f′(net), the sensitivity: B×m.
        Delta = "delta",
        /// W, before the update: (n+1)×m.
        Weights = "weights",
        /// η, the learning rate: a scalar (1×1).
        Eta = "eta",
        /// B, the samples per update: a scalar (1×1).
        BatchSize = "batch_size",
    }
}

named_enum! {
    /// A function an expression can apply.
    pub enum Function {
        /// kronecker(A, B): the Kronecker product, (p·r)×(q·s) for p×q and
        /// r×s; of a column and a row, their outer product.
        Kronecker = "kronecker",
        /// matmul(A, B): the matrix product, p×s for p×q and q×s; each
        /// entry summed over q in order.
        Matmul = "matmul",
        /// transpose(A).
        Transpose = "transpose",
        /// hadamard(A, B): the element-wise product of two matrices of one shape.
        Hadamard = "hadamard",
        /// The tutorial's spelling of `hadamard`.
        Hammard = "hammard",
        /// scalar_mul(s, A): each entry of A times the scalar s.
        ScalarMul = "scalar_mul",
        /// div(A, s): each entry of A divided by the scalar s.
        Div = "div",
        /// add(A, B): the element-wise sum.
        Add = "add",
        /// sub(A, B): the element-wise difference A − B.
        Sub = "sub",
        /// activation(A): f of each entry.
        Activation = "activation",
        /// activation_diff(A): f′ of each entry.
        ActivationDiff = "activation_diff",
        /// concat(A, B): B's columns after A's, for matrices of as many rows.
        Concat = "concat",
    }
}

impl Function {
    /// How many arguments the function takes.
    pub fn arity(self) -> usize {
        match self {
            Function::Transpose | Function::Activation | Function::ActivationDiff => 1,
            _ => 2,
        }
    }

    /// The function as it means: `hammard` is `hadamard`.
    pub fn canonical(self) -> Function {
        match self {
            Function::Hammard => Function::Hadamard,
            other => other,
        }
    }
}

/// A parsed expression, with where each part stands in its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: Kind,
    /// Its bytes in the expression's text, for a caret under it.
    pub span: Range<usize>,
}

/// The forms of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A name such as `delta`.
    Name(Name),
    /// A number, a scalar.
    Number(f64),
    /// A function applied to its arguments.
    Call(Function, Vec<Expr>),
}

impl fmt::Display for Expr {
    /// The expression as it means, whatever its spacing and spelling:
    /// `scalar_mul(eta, hadamard(a, b))`. Two rules print alike exactly
    /// when they compute alike.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Name(name) => f.write_str(name.name()),
            // Rust prints the shortest text that reads back as the same f64.
            Kind::Number(x) => write!(f, "{x}"),
            Kind::Call(function, args) => {
                write!(f, "{}(", function.canonical().name())?;
                for (k, arg) in args.iter().enumerate() {
                    if k > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
        }
    }
}
