//! What a finished job comes to, summarised from its rows.

use super::read::JobFigures;
use crate::config::Config;
use crate::grid::JobParams;
use crate::nn::{Dims, EpochRecord, Outcome, Status};
use anyhow::Context;

/// What a finished job comes to: its outcome, its last measurement, its best
/// losses and when it first reached the target. `summary.csv` has one row
/// of these per job, and the database keeps the figures in `jobs`.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSummary {
    /// The job.
    pub params: JobParams,
    /// How it ended.
    pub outcome: Outcome,
    /// The training loss at epoch 0, before any update.
    pub initial_train_loss: f64,
    /// The last measurement.
    pub last: EpochRecord,
    /// Lowest finite training loss.
    pub best_train_loss: Option<f64>,
    /// Lowest finite validation loss and its epoch.
    pub best_validation: Option<(f64, u32)>,
    /// First epoch whose validation loss was below the target.
    pub first_below_target: Option<u32>,
}

impl JobSummary {
    /// Summarises a job's rows, measured against `config`'s target loss
    /// and stop threshold.
    pub fn new(
        params: JobParams,
        status: Status,
        rows: &[EpochRecord],
        dims: Dims,
        config: &Config,
    ) -> anyhow::Result<JobSummary> {
        let target = config.target_loss();
        let last = *rows.last().context("a job with no rows")?;
        let outcome = match status {
            Status::Completed => Outcome::Completed,
            Status::Diverged => Outcome::Diverged { epoch: last.epoch },
            Status::Stopped => Outcome::Stopped {
                epoch: last.epoch,
                validation_loss: last
                    .validation
                    .context("early stop without validation")?
                    .loss,
                // The stop's threshold, which may differ from the target.
                target: config
                    .stop
                    .threshold()
                    .context("a stop without a threshold")?,
            },
            Status::ShapeError => Outcome::ShapeError(
                params
                    .rule
                    .check(&config.definitions(), dims, params.batch_size.get())
                    .err()
                    .context("a shape error for a rule that fits")?,
            ),
        };
        let finite_min = |it: &mut dyn Iterator<Item = (f64, u32)>| {
            it.filter(|(loss, _)| loss.is_finite())
                .min_by(|a, b| a.0.total_cmp(&b.0))
        };
        let val = || {
            rows.iter()
                .filter_map(|r| r.validation.map(|m| (m.loss, r.epoch)))
        };
        Ok(JobSummary {
            initial_train_loss: rows[0].train.loss,
            params,
            outcome,
            last,
            best_train_loss: finite_min(&mut rows.iter().map(|r| (r.train.loss, r.epoch)))
                .map(|(loss, _)| loss),
            best_validation: finite_min(&mut val()),
            first_below_target: target
                .and_then(|target| val().find(|(loss, _)| *loss < target).map(|(_, e)| e)),
        })
    }
}

impl JobSummary {
    /// The figures the end table reads.
    pub fn figures(&self) -> JobFigures {
        let finite = |x: f64| x.is_finite().then_some(x);
        JobFigures {
            status: self.outcome.status(),
            initial_train_loss: finite(self.initial_train_loss),
            final_train_loss: finite(self.last.train.loss),
            final_validation_loss: self.last.validation.and_then(|m| finite(m.loss)),
            final_test_error_rate: self.last.test.map(|m| m.error_rate),
            first_below_target: self.first_below_target,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::{Count, Deviation, Positive};
    use crate::nn::metrics::Metrics;
    use crate::nn::{Activation, Rule, Sampling};

    pub fn params() -> JobParams {
        JobParams {
            rule: Rule::Matmul,
            activation: Activation::Sigmoid,
            learning_rate: Positive(0.1),
            seed: Count(3),
            batch_size: Count(1),
            sampling: Sampling::Random,
            init_range: Deviation(0.5),
        }
    }

    pub fn record(epoch: u32, train: f64, validation: f64) -> EpochRecord {
        EpochRecord {
            epoch,
            train: Metrics {
                loss: train,
                error_rate: 0.5,
            },
            validation: Some(Metrics {
                loss: validation,
                error_rate: 0.25,
            }),
            test: None,
        }
    }

    #[test]
    fn summary_finds_best_and_first_below_target() {
        let rows = vec![
            record(0, 0.5, 0.6),
            record(1, 0.2, 0.05),
            record(2, 0.1, 0.08),
        ];
        let dims = Dims {
            inputs_with_bias: 3,
            outputs: 3,
        };
        let config = Config::parse("[target]\nvalidation_loss_below = 0.1", "t.toml", "t").unwrap();
        let s = JobSummary::new(params(), Status::Completed, &rows, dims, &config).unwrap();
        assert_eq!(s.best_train_loss, Some(0.1));
        assert_eq!(s.best_validation, Some((0.05, 1)));
        assert_eq!(s.first_below_target, Some(1));
    }

    #[test]
    fn a_stopped_job_names_the_stop_threshold_and_is_measured_against_the_target() {
        let rows = vec![record(0, 0.5, 0.6), record(1, 0.2, 0.15)];
        let dims = Dims {
            inputs_with_bias: 3,
            outputs: 3,
        };
        let text = "[target]\nvalidation_loss_below = 0.1\n[stop]\nvalidation_loss_below = 0.2";
        let config = Config::parse(text, "t.toml", "t").unwrap();
        let s = JobSummary::new(params(), Status::Stopped, &rows, dims, &config).unwrap();
        assert!(
            s.outcome.message().contains("fell below 0.2"),
            "{}",
            s.outcome.message()
        );
        assert_eq!(s.first_below_target, None);
    }
}
