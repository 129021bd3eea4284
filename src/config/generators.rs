//! The generated data sets' parameter tables: `[data.logic]`,
//! `[data.blobs]` and `[data.teacher]`.

use super::limits::{MAX_COLUMNS, MAX_OUTPUTS, MAX_ROWS, check_sizes};
use super::scalar::{Count, Deviation, Extent};
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
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct LogicConfig {
    /// Samples: the 4 patterns repeated, each as often.
    pub samples: Count<4, MAX_ROWS, 4>,
    /// Standard deviation of Gaussian noise added to the inputs.
    pub noise: Deviation,
}

impl Default for LogicConfig {
    fn default() -> Self {
        LogicConfig {
            samples: Count(4),
            noise: Deviation(0.0),
        }
    }
}

/// `[data.blobs]`: Gaussian clusters, one per class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct BlobsConfig {
    /// Input dimension.
    pub dimension: Count<1, MAX_COLUMNS>,
    /// Number of classes (clusters).
    pub classes: Count<2, MAX_OUTPUTS>,
    /// Samples per class.
    pub per_class: Count<1, MAX_ROWS>,
    /// Standard deviation of each cluster along every axis.
    pub spread: Extent,
    /// Cluster centres are uniform in [−center_range, center_range]^dimension.
    pub center_range: Extent,
}

impl Default for BlobsConfig {
    fn default() -> Self {
        BlobsConfig {
            dimension: Count(2),
            classes: Count(3),
            per_class: Count(50),
            spread: Extent(0.5),
            center_range: Extent(2.0),
        }
    }
}

impl BlobsConfig {
    pub(super) fn check(&self) -> Result<(), (String, String)> {
        // Both factors are bounded, so the product cannot overflow.
        let rows = self.classes.0 * self.per_class.0;
        sizes("blobs.per_class", rows, self.dimension.0, self.classes.0)
    }
}

/// `[data.teacher]`: inputs uniform in a box, targets from a random
/// single-layer net plus optional Gaussian noise: a regression task whose
/// best possible mean squared error is known (noise²).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct TeacherConfig {
    /// Number of inputs n.
    pub inputs: Count<1, MAX_COLUMNS>,
    /// Number of outputs m.
    pub outputs: Count<1, MAX_OUTPUTS>,
    /// The teacher's activation.
    pub activation: Activation,
    /// Number of samples.
    pub samples: Count<2, MAX_ROWS>,
    /// Inputs are uniform in [−input_range, input_range].
    pub input_range: Extent,
    /// The teacher's weights are uniform in [−weight_range, weight_range].
    pub weight_range: Extent,
    /// Standard deviation of Gaussian noise added to the targets.
    pub noise: Deviation,
}

impl Default for TeacherConfig {
    fn default() -> Self {
        TeacherConfig {
            inputs: Count(2),
            outputs: Count(3),
            activation: Activation::Sigmoid,
            samples: Count(200),
            input_range: Extent(1.0),
            weight_range: Extent(2.0),
            noise: Deviation(0.05),
        }
    }
}

impl TeacherConfig {
    pub(super) fn check(&self) -> Result<(), (String, String)> {
        sizes(
            "teacher.inputs",
            self.samples.0,
            self.inputs.0,
            self.outputs.0,
        )
    }
}

/// Refuses a generated data set that is larger than sweep accepts; the
/// error names `key`.
fn sizes(key: &str, rows: u64, inputs: u64, outputs: u64) -> Result<(), (String, String)> {
    check_sizes(rows, inputs, outputs).map_err(|why| (key.into(), why))
}
