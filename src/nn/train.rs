//! One training job: initial weights from its seed, epochs of updates, a
//! measurement after each epoch, and an outcome.

use super::activation::Activation;
use super::layer::{Dims, uniform_weights};
use super::metrics::{EvalBuffers, Metrics, evaluate};
use super::rule::{Definitions, Rule, ShapeError, Stepper};
use super::samples::Splits;
use super::sampling::{Sampler, Sampling};
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// ChaCha stream of a job's seed that initialises the weights.
const INIT_STREAM: u64 = 0;
/// ChaCha stream of a job's seed that picks the training samples.
const SAMPLING_STREAM: u64 = 1;

/// The random numbers of one stream of a job's seed. Separate streams mean
/// that jobs differing only in rule or learning rate start from the same
/// weights and see the same samples.
pub fn job_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// A job's initial weights: uniform in [−r, r], from its seed alone, so
/// every rule and learning rate of a seed starts from the same W.
pub fn initial_weights(seed: u64, r: f64, dims: Dims) -> Array2<f64> {
    uniform_weights(dims, r, &mut job_rng(seed, INIT_STREAM))
}

/// What one training job is: every choice that makes its numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Job {
    /// How ΔW is formed.
    pub rule: Rule,
    /// f.
    pub activation: Activation,
    /// η.
    pub learning_rate: f64,
    /// Seeds the initial weights and the sample order.
    pub seed: u64,
    /// Samples per update, B.
    pub batch_size: usize,
    /// How the samples of an update are chosen.
    pub sampling: Sampling,
    /// r of the initial weights' range [−r, r].
    pub init_range: f64,
}

/// What every job of a sweep shares: how long it trains and when it stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// Epochs after epoch 0.
    pub epochs: u32,
    /// Updates per epoch.
    pub updates_per_epoch: usize,
    /// Stop once the validation loss is below this.
    pub validation_loss_below: Option<f64>,
}

/// The measurements after one epoch (epoch 0: before any update).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochRecord {
    /// 0 for the initial weights, then 1, 2, …
    pub epoch: u32,
    /// On the training set.
    pub train: Metrics,
    /// On the validation set, when the split has one.
    pub validation: Option<Metrics>,
    /// On the test set, when the split has one.
    pub test: Option<Metrics>,
}

impl EpochRecord {
    /// Training loss and error rate, then validation's, then test's, each
    /// where measured: the order of `epochs.csv`'s columns.
    pub fn measurements(&self) -> [Option<f64>; 6] {
        let (v, t) = (self.validation, self.test);
        [
            Some(self.train.loss),
            Some(self.train.error_rate),
            v.map(|m| m.loss),
            v.map(|m| m.error_rate),
            t.map(|m| m.loss),
            t.map(|m| m.error_rate),
        ]
    }
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Ran all its epochs.
    Completed,
    /// The stop rule fired: the validation loss fell below `[stop]`'s
    /// threshold.
    Stopped {
        /// The epoch it happened in.
        epoch: u32,
        /// The validation loss then.
        validation_loss: f64,
        /// The target it fell below.
        target: f64,
    },
    /// A weight or a loss became NaN or infinite.
    Diverged {
        /// The first epoch whose measurement showed it.
        epoch: u32,
    },
    /// The rule's ΔW does not have the weights' shape.
    ShapeError(ShapeError),
}

named_enum! {
    /// The outcome's name as written in the CSV files.
    pub enum Status {
        /// See [`Outcome::Completed`].
        Completed = "completed",
        /// See [`Outcome::Stopped`].
        Stopped = "stopped",
        /// See [`Outcome::Diverged`].
        Diverged = "diverged",
        /// See [`Outcome::ShapeError`].
        ShapeError = "shape_error",
    }
}

impl Outcome {
    /// The outcome's status.
    pub fn status(&self) -> Status {
        match self {
            Outcome::Completed => Status::Completed,
            Outcome::Stopped { .. } => Status::Stopped,
            Outcome::Diverged { .. } => Status::Diverged,
            Outcome::ShapeError(_) => Status::ShapeError,
        }
    }

    /// A sentence for a person; empty for `completed`.
    pub fn message(&self) -> String {
        match self {
            Outcome::Completed => String::new(),
            Outcome::Stopped {
                epoch,
                validation_loss,
                target,
            } => format!("validation loss {validation_loss} fell below {target} at epoch {epoch}"),
            Outcome::Diverged { epoch } => format!(
                "a weight or loss became NaN or infinite by epoch {epoch}; \
                 a smaller learning rate may train"
            ),
            Outcome::ShapeError(e) => e.to_string(),
        }
    }
}

/// A finished job: its outcome and the weights it started and ended with.
#[derive(Debug, Clone)]
pub struct Trained {
    /// How it ended.
    pub outcome: Outcome,
    /// W before the first update.
    pub initial_weights: Array2<f64>,
    /// W after the last update.
    pub final_weights: Array2<f64>,
}

/// Trains one job on `data`, passing each epoch's measurements to `record`;
/// `definitions` holds the config's own rules.
pub fn train(
    params: &Job,
    schedule: &Schedule,
    data: &Splits,
    definitions: &Definitions,
    mut record: impl FnMut(&EpochRecord),
) -> Trained {
    let dims = data.dims();
    let mut w = initial_weights(params.seed, params.init_range, dims);
    let initial_weights = w.clone();
    let mut sampler = sampler(params, data.train.len());
    // A rule whose ΔW cannot have W's shape ends the job at its first
    // update, after epoch 0 is measured.
    let mut step = Stepper::new(
        params.rule,
        definitions,
        dims,
        params.batch_size,
        params.learning_rate,
    );
    let mut eval = EvalBuffers::new(dims.outputs);

    let mut outcome = Outcome::Completed;
    for epoch in 0..=schedule.epochs {
        if epoch > 0 {
            let step = match &mut step {
                Ok(step) => step,
                Err(shape) => {
                    outcome = Outcome::ShapeError(shape.clone());
                    break;
                }
            };
            sampler.start_epoch(schedule.updates_per_epoch);
            for _ in 0..schedule.updates_per_epoch {
                let batch = sampler.next_batch();
                step.update(params.activation, &mut w, &data.train, batch);
            }
        }

        let rec = measure(epoch, &w, params.activation, data, &mut eval);
        record(&rec);
        if let Some(end) = schedule.ends(&rec, w.iter().all(|w_ij| w_ij.is_finite())) {
            outcome = end;
            break;
        }
    }
    Trained {
        outcome,
        initial_weights,
        final_weights: w,
    }
}

/// The sampler of a job over `n_train` training samples.
pub(super) fn sampler(params: &Job, n_train: usize) -> Sampler {
    Sampler::new(
        params.sampling,
        n_train,
        params.batch_size,
        job_rng(params.seed, SAMPLING_STREAM),
    )
}

impl Schedule {
    /// How a job ends after the epoch measured in `rec`, its weights finite
    /// or not; `None` while it trains on. Running out of epochs is the
    /// caller's to see.
    pub(super) fn ends(&self, rec: &EpochRecord, weights_finite: bool) -> Option<Outcome> {
        if !rec.is_finite() || !weights_finite {
            return Some(Outcome::Diverged { epoch: rec.epoch });
        }
        match (self.validation_loss_below, rec.validation) {
            (Some(target), Some(val)) if val.loss < target => Some(Outcome::Stopped {
                epoch: rec.epoch,
                validation_loss: val.loss,
                target,
            }),
            _ => None,
        }
    }
}

/// The measurements of W on the three sets after `epoch`.
fn measure(
    epoch: u32,
    w: &Array2<f64>,
    f: Activation,
    data: &Splits,
    buffers: &mut EvalBuffers,
) -> EpochRecord {
    let mut on = |set| evaluate(w, f, set, buffers);
    EpochRecord {
        epoch,
        train: on(&data.train).expect("the data loader refuses an empty training set"),
        validation: on(&data.validation),
        test: on(&data.test),
    }
}

impl EpochRecord {
    fn is_finite(&self) -> bool {
        [Some(self.train), self.validation, self.test]
            .into_iter()
            .flatten()
            .all(|m| m.loss.is_finite())
    }
}
