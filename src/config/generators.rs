//! The generated data sets' parameter tables: `[data.logic]`,
//! `[data.blobs]` and `[data.teacher]`.

use crate::nn::Activation;
use serde::{Deserialize, Serialize};

/// A two-input logic gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Exclusive or: not linearly separable.
    Xor,
    /// And.
    And,
    /// Or.
    Or,
}

impl Gate {
    /// The gate's output for inputs a and b.
    pub fn apply(self, a: bool, b: bool) -> bool {
        match self {
            Gate::Xor => a != b,
            Gate::And => a && b,
            Gate::Or => a || b,
        }
    }
}

/// `[data.logic]`: the four patterns of a two-input gate, one 0/1 output.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogicConfig {
    /// Samples: the 4 patterns repeated; a multiple of 4.
    pub samples: usize,
    /// Standard deviation of Gaussian noise added to the inputs.
    pub noise: f64,
}

impl Default for LogicConfig {
    fn default() -> Self {
        LogicConfig {
            samples: 4,
            noise: 0.0,
        }
    }
}

impl LogicConfig {
    pub(super) fn check(&self) -> Result<(), (String, String)> {
        if self.samples < 4 || !self.samples.is_multiple_of(4) {
            return Err((
                "logic.samples".into(),
                format!(
                    "{} is not accepted: it must be a multiple of 4 (each pattern as often)",
                    self.samples
                ),
            ));
        }
        non_negative("logic.noise", self.noise)
    }
}

/// `[data.blobs]`: Gaussian clusters, one per class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BlobsConfig {
    /// Input dimension.
    pub dimension: usize,
    /// Number of classes (clusters).
    pub classes: usize,
    /// Samples per class.
    pub per_class: usize,
    /// Standard deviation of each cluster along every axis.
    pub spread: f64,
    /// Cluster centres are uniform in [−center_range, center_range]^dimension.
    pub center_range: f64,
}

impl Default for BlobsConfig {
    fn default() -> Self {
        BlobsConfig {
            dimension: 2,
            classes: 3,
            per_class: 50,
            spread: 0.5,
            center_range: 2.0,
        }
    }
}

impl BlobsConfig {
    pub(super) fn check(&self) -> Result<(), (String, String)> {
        at_least("blobs.dimension", self.dimension, 1)?;
        at_least("blobs.classes", self.classes, 2)?;
        at_least("blobs.per_class", self.per_class, 1)?;
        positive("blobs.spread", self.spread)?;
        positive("blobs.center_range", self.center_range)
    }
}

/// `[data.teacher]`: inputs uniform in a box, targets from a random
/// single-layer net plus optional Gaussian noise: a regression task whose
/// best possible mean squared error is known (noise²).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TeacherConfig {
    /// Number of inputs n.
    pub inputs: usize,
    /// Number of outputs m.
    pub outputs: usize,
    /// The teacher's activation.
    pub activation: Activation,
    /// Number of samples.
    pub samples: usize,
    /// Inputs are uniform in [−input_range, input_range].
    pub input_range: f64,
    /// The teacher's weights are uniform in [−weight_range, weight_range].
    pub weight_range: f64,
    /// Standard deviation of Gaussian noise added to the targets.
    pub noise: f64,
}

impl Default for TeacherConfig {
    fn default() -> Self {
        TeacherConfig {
            inputs: 2,
            outputs: 3,
            activation: Activation::Sigmoid,
            samples: 200,
            input_range: 1.0,
            weight_range: 2.0,
            noise: 0.05,
        }
    }
}

impl TeacherConfig {
    pub(super) fn check(&self) -> Result<(), (String, String)> {
        at_least("teacher.inputs", self.inputs, 1)?;
        at_least("teacher.outputs", self.outputs, 1)?;
        at_least("teacher.samples", self.samples, 2)?;
        positive("teacher.input_range", self.input_range)?;
        positive("teacher.weight_range", self.weight_range)?;
        non_negative("teacher.noise", self.noise)
    }
}

fn at_least(key: &str, v: usize, min: usize) -> Result<(), (String, String)> {
    if v >= min {
        Ok(())
    } else {
        Err((
            key.into(),
            format!("{v} is not accepted: it must be at least {min}"),
        ))
    }
}

fn positive(key: &str, v: f64) -> Result<(), (String, String)> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err((
            key.into(),
            format!("{v} is not accepted: it must be a finite number above 0"),
        ))
    }
}

fn non_negative(key: &str, v: f64) -> Result<(), (String, String)> {
    if v >= 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err((
            key.into(),
            format!("{v} is not accepted: it must be a finite number ≥ 0"),
        ))
    }
}
