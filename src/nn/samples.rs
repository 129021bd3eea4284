//! The samples a net trains on and is measured on: augmented inputs
//! x̃ = [x, bias] and targets, one row per sample.

use super::layer::Dims;
use ndarray::{Array2, Axis};

/// Samples ready for training: augmented inputs x̃ = [x, bias] and targets.
#[derive(Debug, Clone, PartialEq)]
pub struct Set {
    /// N×(n+1): one augmented input per row, the bias in the last column.
    pub x: Array2<f64>,
    /// N×m: one target per row.
    pub t: Array2<f64>,
}

impl Set {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.nrows()
    }

    /// Whether the set has no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// x̃ and t as slices, one row after another: a set's matrices are
    /// row-major (see [`Set::select`]).
    pub fn rows(&self) -> (&[f64], &[f64]) {
        let row_major = "data matrices are row-major";
        (
            self.x.as_slice().expect(row_major),
            self.t.as_slice().expect(row_major),
        )
    }

    /// The rows `rows` of `x` and `t`, row-major.
    pub fn select(x: &Array2<f64>, t: &Array2<f64>, rows: &[usize]) -> Set {
        Set {
            x: x.select(Axis(0), rows).as_standard_layout().into_owned(),
            t: t.select(Axis(0), rows).as_standard_layout().into_owned(),
        }
    }
}

/// The three sets a job sees: it trains on one and is measured on all three.
#[derive(Debug, Clone, PartialEq)]
pub struct Splits {
    /// Samples the updates draw from; never empty.
    pub train: Set,
    /// Samples for early stopping; may be empty.
    pub validation: Set,
    /// Held-out samples; may be empty.
    pub test: Set,
}

impl Splits {
    /// The net's shape for these samples: n + 1 inputs, m outputs.
    pub fn dims(&self) -> Dims {
        Dims {
            inputs_with_bias: self.train.x.ncols(),
            outputs: self.train.t.ncols(),
        }
    }
}
